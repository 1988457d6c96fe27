import type { Token } from 'marked';
import { lexMarkdown, walkTokens } from '$lib/markdown/render';

/** The code blocks a reply can preview: a page or a drawing. */
export const ARTIFACT_LANGUAGES = new Set(['html', 'svg']);

export interface Artifact {
	language: 'html' | 'svg';
	code: string;
	/** What names it in the panel: the page's `<title>`, else "HTML page 2", "SVG image 1". */
	title: string;
	/**
	 * Which artifact it is a version of. A later reply revises an artifact when its block has the
	 * same `<title>` (an HTML page), or else when it is the same kind of block at the same place
	 * in its reply (the second SVG block of one reply revises the second SVG of an earlier one):
	 * models rewrite a page whole, usually keeping its title, and rarely keep its first line.
	 */
	key: string;
}

const TITLE = /<title[^>]*>([^<]{1,200})<\/title>/i;

export function languageOf(lang: string | undefined): Artifact['language'] | undefined {
	const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase();
	return language === 'html' || language === 'svg' ? language : undefined;
}

/** The html and svg code blocks of a reply's markdown, in order. */
export function artifactsOf(markdown: string): Artifact[] {
	if (!/```|~~~/.test(markdown)) return [];
	const found: Artifact[] = [];
	const counts = { html: 0, svg: 0 };
	walkTokens(lexMarkdown(markdown), (token: Token) => {
		if (token.type !== 'code') return;
		const language = languageOf(token.lang);
		if (!language) return;
		found.push(artifactAt(language, token.text, ++counts[language]));
	});
	return found;
}

/** The artifact of a block: `position` counts the blocks of its language in its reply, from 1. */
export function artifactAt(
	language: Artifact['language'],
	code: string,
	position: number
): Artifact {
	const named = language === 'html' ? TITLE.exec(code)?.[1].trim() : undefined;
	return {
		language,
		code,
		title: named || `${language === 'html' ? 'HTML page' : 'SVG image'} ${position}`,
		key: named ? `title:${named}` : `${language}#${position}`
	};
}

/** Every version of the artifact `key`, oldest first, from the replies of a conversation. */
export function versionsOf(replies: string[], key: string): Artifact[] {
	return replies.flatMap((reply) => artifactsOf(reply).filter((artifact) => artifact.key === key));
}

/** The document the preview frame shows: the page itself, or the drawing on an empty page. */
export function documentOf(artifact: Pick<Artifact, 'language' | 'code'>): string {
	if (artifact.language === 'html') return artifact.code;
	return (
		'<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;height:100%}' +
		'body{display:grid;place-items:center}svg{max-width:100%;max-height:100%}</style></head>' +
		`<body>${artifact.code}</body></html>`
	);
}

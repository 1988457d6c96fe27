import type { Citation } from '$lib/api';

/**
 * OpenRouter's web search, as a server tool: OpenRouter runs the searches the model asks for
 * and streams the sources back as `url_citation` annotations. Chosen over the older `web`
 * plugin (`plugins: [{id: "web"}]`), which OpenRouter now calls deprecated and which searches
 * once for every request: in a tool loop that would be every round, while the server tool lets
 * the model search when it needs to, next to the MCP tools in the same `tools` list.
 */
export const WEB_SEARCH_TOOL = {
	type: 'openrouter:web_search',
	parameters: { max_results: 5 }
} as const;

export type WebSearchTool = typeof WEB_SEARCH_TOOL;

interface Annotation {
	type?: string;
	url_citation?: { url?: unknown; title?: unknown; content?: unknown };
}

interface AnnotatedChoice {
	delta?: { annotations?: unknown } | null;
	annotations?: unknown;
}

const MAX_CONTENT_CHARS = 2_000;
const MAX_CITATIONS = 50;

/**
 * The sources in one chunk's choices: `delta.annotations` (most providers) and the choice's
 * own `annotations` (some put them there), on any chunk, with or without text. Other
 * annotation types (parsed files) share the array and are skipped; `title` and `content` may
 * be missing.
 */
export function citationsOf(choices: AnnotatedChoice[] | undefined): Citation[] {
	const found: Citation[] = [];
	for (const choice of choices ?? []) {
		for (const list of [choice.delta?.annotations, choice.annotations]) {
			if (!Array.isArray(list)) continue;
			for (const annotation of list as Annotation[]) {
				const source = annotation?.type === 'url_citation' ? annotation.url_citation : undefined;
				const url = typeof source?.url === 'string' ? source.url : '';
				if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) continue;
				const title =
					typeof source?.title === 'string' && source.title.trim()
						? source.title.trim()
						: new URL(url).hostname;
				const content =
					typeof source?.content === 'string'
						? source.content.slice(0, MAX_CONTENT_CHARS)
						: undefined;
				found.push({ url, title: title.slice(0, 300), ...(content ? { content } : {}) });
			}
		}
	}
	return found;
}

/** A reply's sources, in the order they first came, each URL once. */
export class CitationList {
	readonly #byUrl = new Map<string, Citation>();

	/** Adds `items`; true when one of them was new. */
	add(items: Citation[]): boolean {
		let added = false;
		for (const item of items) {
			if (this.#byUrl.has(item.url) || this.#byUrl.size >= MAX_CITATIONS) continue;
			this.#byUrl.set(item.url, item);
			added = true;
		}
		return added;
	}

	get items(): Citation[] {
		return [...this.#byUrl.values()];
	}
}

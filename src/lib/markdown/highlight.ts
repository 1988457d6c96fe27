import type { HLJSApi, Language } from 'highlight.js';

/** The languages (and aliases) highlight-languages.ts registers, known before it has loaded. */
const LANGUAGES = new Set(
	(
		'bash c cpp csharp css diff go java javascript json kotlin markdown php python ruby rust sql ' +
		'swift typescript xml yaml sh shell zsh console js jsx mjs ts tsx html svg svelte vue py yml rs md'
	).split(' ')
);

let hljs: HLJSApi | undefined;
let loading: Promise<HLJSApi> | undefined;

/** Loads highlight.js and its languages (once); code blocks rendered before are plain until then. */
export function loadHighlighter(): Promise<HLJSApi> {
	loading ??= import('./highlight-languages').then((module) => (hljs = module.default));
	return loading;
}

/** Whether a block in `language` is shown plain only because highlight.js has not loaded yet. */
export function awaitsHighlighter(language: string | undefined): boolean {
	return !hljs && language !== undefined && LANGUAGES.has(language);
}

/**
 * The last code blocks highlighted, by language and text: a reply being written renders its last
 * block again on every frame (a list holding a finished code block, the block that has just
 * closed), and the finished reply is rendered once more as a whole.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 64;

/** Highlighted HTML for a code block (escaped plain text for unknown languages). */
export function highlight(code: string, language: string | undefined): string {
	if (awaitsHighlighter(language)) void loadHighlighter();
	if (!hljs || !language || !hljs.getLanguage(language)) return escapeHtml(code);
	const key = `${language}\0${code}`;
	let html = recent.get(key);
	if (html === undefined) {
		html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
		compiled.add(hljs.getLanguage(language)!);
		if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
	} else recent.delete(key);
	recent.set(key, html);
	return html;
}

/**
 * The languages that have run once. The first block of a language costs 10 to 40 ms (highlight.js
 * compiles its rules, the engine its regular expressions); later ones, next to nothing.
 */
const compiled = new WeakSet<Language>();

/** Whether highlighting `language` now would be its first time (see compiled). */
export function isCold(language: string | undefined): boolean {
	const grammar = language ? hljs?.getLanguage(language) : undefined;
	return grammar !== undefined && !compiled.has(grammar);
}

/** A little of what most languages have, so that warming runs their common rules once. */
const SAMPLE =
	'// note\n/* block */\n# hash\nconst value = "text" + \'text\' + `t${1}` + 42.5;\n' +
	'function name(arg: number): string { return arg > 0 ? name(arg - 1) : ""; }\n' +
	'class Name extends Base { static x = [1, 2]; }\nif (a && !b) { print(value) }\n';

/**
 * Gets `language` ready before its code block closes: highlight.js compiles a language's rules,
 * and the engine its regular expressions, the first time they run (10 ms and more), which should
 * not fall on the frame where the block is highlighted. Called when an open fence names it.
 */
export function warmLanguage(language: string | undefined): void {
	if (awaitsHighlighter(language)) void loadHighlighter();
	if (!hljs || !language || warmed.has(language) || !hljs.getLanguage(language)) return;
	warmed.add(language);
	const loaded = hljs;
	idle(() => {
		loaded.highlight(SAMPLE, { language, ignoreIllegals: true });
		compiled.add(loaded.getLanguage(language)!);
	}, 200);
}
const warmed = new Set<string>();

/** Runs `task` when the page has nothing else to do, or after `timeoutMs` at the latest. */
export function idle(task: () => void, timeoutMs = 1_000): void {
	if (typeof requestIdleCallback === 'function') requestIdleCallback(task, { timeout: timeoutMs });
	else setTimeout(task, 50);
}

export function escapeHtml(text: string): string {
	return text.replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);
}

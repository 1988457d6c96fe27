import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import kotlin from 'highlight.js/lib/languages/kotlin';
import markdown from 'highlight.js/lib/languages/markdown';
import php from 'highlight.js/lib/languages/php';
import python from 'highlight.js/lib/languages/python';
import ruby from 'highlight.js/lib/languages/ruby';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import swift from 'highlight.js/lib/languages/swift';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

// The common languages only: the full bundle would add ~900 kB to every page.
const languages = {
	bash,
	c,
	cpp,
	csharp,
	css,
	diff,
	go,
	java,
	javascript,
	json,
	kotlin,
	markdown,
	php,
	python,
	ruby,
	rust,
	sql,
	swift,
	typescript,
	xml,
	yaml
};
for (const [name, language] of Object.entries(languages)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx', 'mjs'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg', 'svelte', 'vue'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['md'], { languageName: 'markdown' });

/**
 * The last code blocks highlighted, by language and text: a reply being written renders its last
 * block again on every frame (a list holding a finished code block, the block that has just
 * closed), and the finished reply is rendered once more as a whole.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 64;

/** Highlighted HTML for a code block (escaped plain text for unknown languages). */
export function highlight(code: string, language: string | undefined): string {
	if (!language || !hljs.getLanguage(language)) return escapeHtml(code);
	const key = `${language}\0${code}`;
	let html = recent.get(key);
	if (html === undefined) {
		html = hljs.highlight(code, { language, ignoreIllegals: true }).value;
		if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value!);
	} else recent.delete(key);
	recent.set(key, html);
	return html;
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
	if (!language || warmed.has(language) || !hljs.getLanguage(language)) return;
	warmed.add(language);
	idle(() => hljs.highlight(SAMPLE, { language, ignoreIllegals: true }), 200);
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

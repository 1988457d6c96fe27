import DOMPurify, { type Config } from 'dompurify';
import { Lexer, Marked, type Links, type Token, type TokensList } from 'marked';
import { awaitsHighlighter, escapeHtml, highlight, isCold, warmLanguage } from './highlight';
import { mathExtension } from './math';
import { replaceRemoteMedia } from './remote-media';

/**
 * While a reply is being written, a code fence that is not closed yet shows as plain text: it is
 * re-rendered on every frame, and highlighting a long one each time would block the page. It is
 * highlighted once it closes (or the reply ends).
 */
let plainOpenFences = false;

/**
 * While a reply is being written, a code block in a language highlighted for the first time shows
 * plain and is highlighted in a task of its own (highlightIn): its first time costs up to 40 ms,
 * which would make the frame that shows it stutter.
 */
let coldLanguagesLater = false;

/** Whether a fenced code block's source ends with its closing fence (indented code: always). */
export function isClosedFence(raw: string): boolean {
	const open = /^ {0,3}(`{3,}|~{3,})/.exec(raw);
	if (!open) return true;
	const lines = raw.replace(/\n+$/, '').split('\n');
	if (lines.length < 2) return false;
	const fence = open[1];
	const close = new RegExp(`^ {0,3}\\${fence[0]}{${fence.length},}[ \\t]*$`);
	return close.test(lines[lines.length - 1]);
}

const marked = new Marked({
	gfm: true,
	breaks: false,
	renderer: {
		code({ text, lang, raw }) {
			const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() || undefined;
			const label = language ? escapeHtml(language) : 'text';
			const open = plainOpenFences && !isClosedFence(raw);
			if (open) warmLanguage(language);
			const cold = !open && coldLanguagesLater && isCold(language);
			const body = open || cold ? escapeHtml(text) : highlight(text, language);
			// A page or drawing can be previewed once its block is complete (ArtifactPanel).
			const preview =
				!open && (language === 'html' || language === 'svg')
					? `<button type="button" class="preview-code" data-preview-code="${language}">Preview</button>`
					: '';
			const kind = !open && language === 'mermaid' ? ' mermaid-source' : '';
			// Plain until highlight.js has loaded (its first code block loads it), or for a cold
			// language while streaming: highlightIn.
			const later = !open && (cold || awaitsHighlighter(language)) ? ' unhighlighted' : '';
			return `<div class="code-block${kind}"><div class="code-header"><span>${label}</span>${preview}<button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button></div><pre><code class="hljs${language ? ` language-${label}` : ''}${later}">${body}</code></pre></div>`;
		},
		link({ href, title, tokens }) {
			const text = this.parser.parseInline(tokens);
			const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
			return `<a href="${escapeHtml(href)}"${titleAttr} target="_blank" rel="noopener noreferrer nofollow">${text}</a>`;
		}
	}
});
marked.use(mathExtension());

/**
 * The classes a reply keeps: the ones this renderer writes (code blocks, highlight.js tokens).
 * Any other class could borrow the app's own rules, such as a Svelte-scoped `position: fixed`
 * (its hash is in the public bundle), and draw a fake login over the page.
 */
const RENDERER_CLASSES: Record<string, RegExp> = {
	div: /^(code-(block|header)|math-display|mermaid-source)$/,
	button: /^(copy|preview)-code$/,
	code: /^(hljs|language-\S+|unhighlighted)$/,
	// highlight.js 11 scopes: `hljs-title function_`; math placeholders (math.ts)
	span: /^(hljs-[\w-]+|[a-z]+_+|math-(inline|display))$/
};

function keepRendererClasses(root: Element): void {
	for (const element of root.querySelectorAll('[class]')) {
		const allowed = RENDERER_CLASSES[element.localName];
		const kept = allowed ? [...element.classList].filter((name) => allowed.test(name)) : [];
		if (kept.length) element.setAttribute('class', kept.join(' '));
		else element.removeAttribute('class');
	}
}

const SANITIZE: Config & { RETURN_DOM: true } = {
	ADD_ATTR: ['target', 'data-copy-code', 'data-preview-code'],
	// Buttons survive so code blocks keep their copy button; one injected by the model can do
	// nothing but copy text (no event handlers, no forms, no dialogs or popovers to open).
	FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select', 'dialog'],
	// No inline CSS (position: fixed, background: url(…)); no ids, which a popover, a
	// `commandfor` button or the app's own `#id` rules would need; no legacy `background` images.
	FORBID_ATTR: [
		'style',
		'id',
		'name',
		'background',
		'popover',
		'popovertarget',
		'popovertargetaction',
		'command',
		'commandfor'
	],
	ALLOW_DATA_ATTR: false,
	// The tree stays in DOMPurify's inert document, where replaceRemoteMedia can look at every
	// source before anything could fetch it.
	RETURN_DOM: true
};

let purifier: ReturnType<typeof DOMPurify> | undefined;

function createPurifier() {
	// Its own instance, so these hooks and this configuration never touch another caller of
	// DOMPurify. Set once: read on every call, it would cost more than a streamed block's work.
	const purify = DOMPurify(window);
	purify.setConfig(SANITIZE);
	purify.addHook('afterSanitizeAttributes', (node) => {
		// Links (HTML or SVG) open in a new tab, without telling the other site where from.
		if ((node.localName === 'a' || node.localName === 'area') && node.hasAttribute('href')) {
			node.setAttribute('target', '_blank');
			node.setAttribute('rel', 'noopener noreferrer nofollow');
		}
	});
	return purify;
}

function sanitize(html: string, origin: string): HTMLElement {
	purifier ??= createPurifier();
	// SANITIZE (set on the instance), RETURN_DOM without RETURN_DOM_FRAGMENT: the inert
	// document's <body>.
	const body = purifier.sanitize(html) as unknown as HTMLElement;
	keepRendererClasses(body);
	replaceRemoteMedia(body, origin);
	return body;
}

/**
 * Markdown to safe HTML. Model output is untrusted: DOMPurify removes scripts, event handlers and
 * javascript: URLs, so injected HTML never runs; remote images and media become chips (see
 * remote-media.ts) and only the renderer's own classes stay, so it can neither send data away by
 * loading something nor draw over the page. Browser only (DOMPurify needs a DOM).
 */
export function renderMarkdown(source: string, origin = location.origin): string {
	return sanitize(marked.parse(source, { async: false }) as string, origin).innerHTML;
}

/**
 * Runs the renderer once (marked, DOMPurify and its hooks: the engine compiles them on their
 * first use), so that the first reply's first frame does not pay for it.
 */
export function warmUp(): void {
	renderMarkdown('**a** [b](https://example.com) `c`\n\n- d\n\n| e |\n| - |\n| f |');
}

// The pieces of renderMarkdown, for rendering a reply block by block as it streams (blocks.ts).

/**
 * marked's top-level tokens of `source`. `links`: reference definitions already known from the
 * text before it (the first definition of a name wins, as in one whole document).
 */
export function lexMarkdown(source: string, links?: Links): TokensList {
	const lexer = new Lexer(marked.defaults);
	if (links) Object.assign(lexer.tokens.links, links);
	return lexer.lex(source);
}

/** Every token inside `tokens` (list items, table cells, quotes), depth first. */
export function walkTokens(tokens: Token[], visit: (token: Token) => void): void {
	marked.walkTokens(tokens, visit);
}

/**
 * marked's HTML for `tokens`, not sanitized yet. `streaming`: the reply is still being written
 * (cold languages later); `live`: the block being written, whose open code fence is plain text.
 */
export function tokensToHtml(
	tokens: Token[],
	{ streaming = false, live = false }: { streaming?: boolean; live?: boolean } = {}
): string {
	plainOpenFences = live;
	coldLanguagesLater = streaming;
	try {
		return marked.parser(tokens);
	} finally {
		plainOpenFences = false;
		coldLanguagesLater = false;
	}
}

/**
 * Splits one sanitized tree back into the blocks it was joined from: an empty span whose title
 * nobody can guess (a comment would not survive DOMPurify, which drops them all).
 */
const BLOCK_MARK = `sb-block-${[...crypto.getRandomValues(new Uint8Array(12))].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;

const isMark = (node: Node) =>
	node.nodeType === Node.ELEMENT_NODE &&
	(node as Element).localName === 'span' &&
	(node as Element).getAttribute('title') === BLOCK_MARK;

/**
 * The sanitized nodes of each HTML block, under the same rules as renderMarkdown, still in
 * DOMPurify's inert document (appending them to the page adopts them; nothing is parsed again).
 * The blocks go through DOMPurify together (one call costs far more than its share of a long
 * text), split at marks between them; each must be balanced HTML (see html-balance.ts), so the
 * marks stay at the top. Were one to end up inside an element anyway (fewer at the top than were
 * put in), each block is sanitized on its own.
 */
export function sanitizeBlocks(htmls: string[], origin = location.origin): Node[][] {
	if (htmls.length === 1) return [[...sanitize(htmls[0], origin).childNodes]];
	const body = sanitize(htmls.join(`<span title="${BLOCK_MARK}"></span>`), origin);
	const blocks: Node[][] = [[]];
	for (const node of [...body.childNodes]) {
		if (isMark(node)) {
			node.remove();
			blocks.push([]);
		} else blocks[blocks.length - 1].push(node);
	}
	if (blocks.length === htmls.length) return blocks;
	return htmls.map((html) => [...sanitize(html, origin).childNodes]);
}

/**
 * Highlights the code blocks under `root` that were rendered plain (class `unhighlighted`: while
 * highlight.js was still loading, or a cold language while streaming), in place: the same
 * sanitizer as the rest of a reply. At most one cold language per call, so that each costs a task
 * of its own; true when blocks are left for another call.
 */
export function highlightIn(root: ParentNode, origin = location.origin): boolean {
	let warmed = false;
	let left = false;
	for (const code of root.querySelectorAll<HTMLElement>('code.unhighlighted')) {
		const language = /(?:^|\s)language-(\S+)/.exec(code.className)?.[1];
		if (awaitsHighlighter(language)) continue;
		if (isCold(language)) {
			if (warmed) {
				left = true;
				continue;
			}
			warmed = true;
		}
		code.classList.remove('unhighlighted');
		const [nodes] = sanitizeBlocks([highlight(code.textContent ?? '', language)], origin);
		code.replaceChildren(...nodes);
	}
	return left;
}

import DOMPurify, { type Config } from 'dompurify';
import { Marked } from 'marked';
import { escapeHtml, highlight } from './highlight';
import { replaceRemoteMedia } from './remote-media';

const marked = new Marked({
	gfm: true,
	breaks: false,
	renderer: {
		code({ text, lang }) {
			const language = (lang ?? '').trim().split(/\s+/)[0]?.toLowerCase() || undefined;
			const label = language ? escapeHtml(language) : 'text';
			return `<div class="code-block"><div class="code-header"><span>${label}</span><button type="button" class="copy-code" data-copy-code aria-label="Copy code">Copy</button></div><pre><code class="hljs${language ? ` language-${label}` : ''}">${highlight(text, language)}</code></pre></div>`;
		},
		link({ href, title, tokens }) {
			const text = this.parser.parseInline(tokens);
			const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
			return `<a href="${escapeHtml(href)}"${titleAttr} target="_blank" rel="noopener noreferrer nofollow">${text}</a>`;
		}
	}
});

/**
 * The classes a reply keeps: the ones this renderer writes (code blocks, highlight.js tokens).
 * Any other class could borrow the app's own rules, such as a Svelte-scoped `position: fixed`
 * (its hash is in the public bundle), and draw a fake login over the page.
 */
const RENDERER_CLASSES: Record<string, RegExp> = {
	div: /^code-(block|header)$/,
	button: /^copy-code$/,
	code: /^(hljs|language-\S+)$/,
	// highlight.js 11 scopes: `hljs-title function_`
	span: /^(hljs-[\w-]+|[a-z]+_+)$/
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
	ADD_ATTR: ['target', 'data-copy-code'],
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
	// Its own instance, so these hooks never touch another caller of DOMPurify.
	const purify = DOMPurify(window);
	purify.addHook('afterSanitizeAttributes', (node) => {
		// Links (HTML or SVG) open in a new tab, without telling the other site where from.
		if ((node.localName === 'a' || node.localName === 'area') && node.hasAttribute('href')) {
			node.setAttribute('target', '_blank');
			node.setAttribute('rel', 'noopener noreferrer nofollow');
		}
	});
	return purify;
}

/**
 * Markdown to safe HTML. Model output is untrusted: DOMPurify removes scripts, event handlers and
 * javascript: URLs, so injected HTML never runs; remote images and media become chips (see
 * remote-media.ts) and only the renderer's own classes stay, so it can neither send data away by
 * loading something nor draw over the page. Browser only (DOMPurify needs a DOM).
 */
export function renderMarkdown(source: string, origin = location.origin): string {
	purifier ??= createPurifier();
	const html = marked.parse(source, { async: false }) as string;
	// RETURN_DOM without RETURN_DOM_FRAGMENT: the inert document's <body>.
	const body = purifier.sanitize(html, SANITIZE) as HTMLElement;
	keepRendererClasses(body);
	replaceRemoteMedia(body, origin);
	return body.innerHTML;
}

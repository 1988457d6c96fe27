import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { escapeHtml, highlight } from './highlight';

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

let hooked = false;

/**
 * Markdown to safe HTML. Model output is untrusted: DOMPurify removes scripts, event handlers and
 * javascript: URLs, so injected HTML never runs. Browser only (DOMPurify needs a DOM).
 */
export function renderMarkdown(source: string): string {
	if (!hooked) {
		// Keep target/rel on links after sanitizing.
		DOMPurify.addHook('afterSanitizeAttributes', (node) => {
			if (node.tagName === 'A' && node.getAttribute('href')) {
				node.setAttribute('target', '_blank');
				node.setAttribute('rel', 'noopener noreferrer nofollow');
			}
		});
		hooked = true;
	}
	const html = marked.parse(source, { async: false }) as string;
	// Buttons survive sanitizing so code blocks keep their copy button; one injected by the model
	// can do nothing but copy text (no event handlers, no forms).
	return DOMPurify.sanitize(html, {
		ADD_ATTR: ['target', 'data-copy-code'],
		FORBID_TAGS: ['style', 'form', 'input', 'textarea', 'select'],
		ALLOW_DATA_ATTR: false
	});
}

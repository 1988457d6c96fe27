import { describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-svelte';
import Markdown from '$lib/components/chat/Markdown.svelte';
import { MarkdownBlocks } from '$lib/markdown/blocks';
import { copiedText, loadKatex } from '$lib/markdown/katex';
import { renderMarkdown } from '$lib/markdown/render';

const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];
const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

const REPLY =
	'The area is $\\pi r^2$, and \\(e^{i\\pi} + 1 = 0\\).\n\n' +
	'$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n' +
	'It costs $5 and $10; `$HOME` stays code.\n\n' +
	'\\[\\sum_{n=1}^{\\infty} \\frac{1}{n^2} = \\frac{\\pi^2}{6}\\]\n\nDone.';

const markdownOf = (container: HTMLElement) => container.querySelector<HTMLElement>('.markdown')!;

describe('math in replies', () => {
	it('streams block by block to the same DOM as the whole text', () => {
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		let shown = '';
		for (const chunk of [...REPLY]) {
			shown += chunk;
			blocks.stream(shown);
		}
		blocks.finish(REPLY);
		expect(root.innerHTML).toBe(renderMarkdown(REPLY));
		expect(root.querySelectorAll('.math-inline')).toHaveLength(2);
		expect(root.querySelectorAll('.math-display')).toHaveLength(2);
	});

	it('renders formulas with KaTeX while the reply streams, each finished one once', async () => {
		await loadKatex();
		const screen = await render(Markdown, { source: '', streaming: true });
		let shown = '';
		let first: Element | undefined;
		for (const chunk of words(REPLY)) {
			shown += chunk;
			await screen.rerender({ source: shown, streaming: true });
			await frame();
			const root = markdownOf(screen.container);
			// The first formula is rendered as soon as it is complete, while its paragraph streams.
			if (shown.includes('r^2$')) expect(root.querySelector('.math-inline .katex')).not.toBeNull();
			if (shown.includes('$$')) {
				first ??= root.querySelector('.math-inline .katex')!;
				// And, its block finished, never rendered again.
				expect(root.querySelector('.math-inline .katex')).toBe(first);
			}
		}
		await screen.rerender({ source: REPLY, streaming: false });
		const root = markdownOf(screen.container);
		expect(root.querySelector('.math-inline .katex')).toBe(first);
		expect(root.querySelectorAll('.katex')).toHaveLength(4);
		expect(root.querySelectorAll('.katex-display')).toHaveLength(2);
		// MathML for screen readers, holding the TeX.
		expect(root.querySelector('.math-inline annotation')?.textContent).toBe('\\pi r^2');
		// KaTeX's sizes survive the app's policy against style attributes (set through the CSSOM).
		const strut = root.querySelector<HTMLElement>('.katex .katex-strut')!;
		expect(strut.style.height).not.toBe('');
		expect(root.textContent).toContain('It costs $5 and $10;');
		expect(root.querySelector('code')?.textContent).toBe('$HOME');
	});

	it('shows bad TeX as its source, with the error on hover', async () => {
		await loadKatex();
		const screen = await render(Markdown, { source: 'Bad: $\\frac{1}{$ and good: $x$' });
		const root = markdownOf(screen.container);
		await expect.poll(() => root.querySelector('.math-error')).not.toBeNull();
		const error = root.querySelector<HTMLElement>('.math-error')!;
		expect(error.textContent).toBe('$\\frac{1}{$');
		expect(error.title).toMatch(/KaTeX parse error/);
		expect(root.querySelector('.katex')).not.toBeNull();
	});

	it('never lets TeX link, load or style the page', async () => {
		await loadKatex();
		const source =
			'$\\href{javascript:alert(1)}{x}$ $\\url{https://evil.example}$ ' +
			'$\\htmlClass{fixed}{y}$ $\\htmlStyle{position:fixed}{z}$ $\\includegraphics{https://evil.example/a.png}$';
		const screen = await render(Markdown, { source });
		const root = markdownOf(screen.container);
		await expect.poll(() => root.querySelectorAll('[data-tex]').length).toBe(5);
		expect(root.querySelector('a, img, image, [href], [src]')).toBeNull();
		for (const element of root.querySelectorAll('*')) {
			expect(getComputedStyle(element).position).not.toBe('fixed');
			expect(element.classList.contains('fixed')).toBe(false);
		}
	});

	it('copies a formula as its TeX', async () => {
		await loadKatex();
		const screen = await render(Markdown, { source: 'Area $\\pi r^2$ here' });
		const root = markdownOf(screen.container);
		await expect.poll(() => root.querySelector('.katex')).not.toBeNull();
		const range = document.createRange();
		range.selectNodeContents(root.querySelector('p')!);
		expect(copiedText(range)).toBe('Area $\\pi r^2$ here');
		const inside = document.createRange();
		inside.selectNodeContents(root.querySelector('.katex-html')!);
		expect(copiedText(inside)).toBe('$\\pi r^2$');
	});
});

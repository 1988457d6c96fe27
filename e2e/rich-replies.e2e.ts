import { expect, test, type Page } from '@playwright/test';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

async function send(page: Page, text: string) {
	await composer(page).fill(text);
	await composer(page).press('Enter');
}

/** Every Content-Security-Policy refusal the page reports (the app's policy must hold as is). */
function policyViolations(page: Page): string[] {
	const seen: string[] = [];
	page.on('console', (message) => {
		if (/Content Security Policy/i.test(message.text())) seen.push(message.text());
	});
	return seen;
}

test.describe('rich replies', () => {
	test('a streamed reply renders inline and display math while it streams, prices left alone', async ({
		page
	}) => {
		const violations = policyViolations(page);
		await open(page, '/');
		const tail = Array.from({ length: 150 }, (_, i) => `t${i}`).join(' ');
		await send(
			page,
			'Area $\\pi r^2$ and \\(e^{i\\pi}+1=0\\), it costs $5 and $10.\n\n' +
				`$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$\n\n[[pace:40]] ${tail}`
		);
		const reply = lastReply(page);
		// Rendered while the reply is still being written.
		await expect(reply.locator('.math-display .katex-display')).toBeVisible();
		await expect(reply).toHaveAttribute('aria-busy', 'true');
		await expect(reply).toHaveAttribute('aria-busy', 'false');
		await expect(reply.locator('.math-inline .katex')).toHaveCount(2);
		await expect(reply).toContainText('it costs $5 and $10.');
		// KaTeX's stylesheet and fonts loaded, its sizes applied, under the app's policy.
		const font = await reply
			.locator('.math-inline .katex')
			.first()
			.evaluate((element) => getComputedStyle(element).fontFamily);
		expect(font).toContain('KaTeX_Main');
		const strut = await reply
			.locator('.katex .katex-strut')
			.first()
			.evaluate((element) => getComputedStyle(element).height);
		expect(parseFloat(strut)).toBeGreaterThan(0);
		await reload(page);
		await expect(lastReply(page).locator('.math-display .katex-display')).toBeVisible();
		expect(violations).toEqual([]);
	});

	test('a mermaid block is drawn once complete, with its code behind Show code', async ({
		page
	}) => {
		await open(page, '/');
		await send(page, 'Diagram:\n\n```mermaid\ngraph TD\n  A[Start] --> B[Ship it]\n```\n\nEnd.');
		const reply = lastReply(page);
		const diagram = reply.getByRole('img', { name: /^Diagram: graph TD/ });
		await expect(diagram).toBeVisible({ timeout: 20_000 });
		expect(await diagram.evaluate((image: HTMLImageElement) => image.naturalWidth)).toBeGreaterThan(
			0
		);
		await expect(reply.locator('pre code.language-mermaid')).toBeHidden();
		await reply.getByRole('button', { name: 'Show code' }).click();
		await expect(reply.locator('pre code.language-mermaid')).toContainText(
			'A[Start] --> B[Ship it]'
		);
		const download = page.waitForEvent('download');
		await reply.getByRole('button', { name: 'Download SVG' }).click();
		expect((await download).suggestedFilename()).toBe('diagram.svg');
	});

	test('an HTML artifact previews in a sandbox: its script runs but reaches neither cookies, storage nor the API', async ({
		page,
		baseURL
	}) => {
		await page.context().addCookies([{ name: 'sb_probe', value: 'app-secret', url: baseURL! }]);
		await open(page, '/');
		// The app's own page can read both: what the artifact must not.
		expect(await page.evaluate(() => document.cookie)).toContain('app-secret');
		expect(await page.evaluate(() => fetch('/api/sessions').then((r) => r.status))).toBe(200);

		const probe = (version: string) =>
			'Page:\n\n```html\n<!doctype html><html><head><title>Probe</title></head><body>' +
			`<h1>${version}</h1><p id="out">not run</p><script>\n` +
			"const out = document.getElementById('out');\n" +
			"let cookie; try { cookie = 'cookie:' + (document.cookie.includes('app-secret') ? 'READ' : 'empty'); } catch (e) { cookie = 'cookie:blocked'; }\n" +
			"let storage; try { localStorage.setItem('x', '1'); storage = 'storage:open'; } catch (e) { storage = 'storage:blocked'; }\n" +
			"out.textContent = 'script ran; ' + cookie + '; ' + storage;\n" +
			"fetch('/api/sessions').then((r) => { out.textContent += '; api:' + r.status; }, () => { out.textContent += '; api:blocked'; });\n" +
			'</script></body></html>\n```';
		await send(page, probe('First version'));
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		const previewButton = lastReply(page).getByRole('button', { name: 'Preview' });
		await previewButton.click();

		const panel = page.getByRole('complementary', { name: 'Probe' });
		await expect(panel).toBeVisible();
		const frame = page.frameLocator('iframe[title="Preview of Probe"]');
		await expect(frame.getByRole('heading', { name: 'First version' })).toBeVisible();
		await expect(frame.locator('#out')).toHaveText(
			'script ran; cookie:blocked; storage:blocked; api:blocked'
		);
		// Esc closes it, and focus goes back to Preview.
		await page.keyboard.press('Escape');
		await expect(panel).toBeHidden();
		await expect(previewButton).toBeFocused();

		// A later reply revising the same page adds a version.
		await send(page, probe('Second version'));
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await lastReply(page).getByRole('button', { name: 'Preview' }).click();
		await expect(frame.getByRole('heading', { name: 'Second version' })).toBeVisible();
		const version = panel.getByRole('combobox', { name: 'Version' });
		await expect(version).toHaveValue('1');
		await expect(version.locator('option')).toHaveText(['Version 1 of 2', 'Version 2 of 2']);
		await version.selectOption({ label: 'Version 1 of 2' });
		await expect(frame.getByRole('heading', { name: 'First version' })).toBeVisible();
		await expect(panel.getByRole('button', { name: 'Copy' })).toBeVisible();
		await expect(panel.getByRole('button', { name: 'Full screen' })).toBeVisible();
		const download = page.waitForEvent('download');
		await panel.getByRole('button', { name: 'Download' }).click();
		expect((await download).suggestedFilename()).toBe('Probe.html');
		await panel.getByRole('button', { name: 'Close preview' }).click();
		await expect(panel).toBeHidden();
	});

	test('web search: sources under the reply, its cost included, kept after a reload', async ({
		page
	}) => {
		await open(page, '/');
		const toggle = page.getByRole('button', { name: 'Web search' });
		await expect(toggle).toHaveAttribute('aria-pressed', 'false');
		await toggle.click();
		await expect(toggle).toHaveAttribute('aria-pressed', 'true');
		await send(page, 'When did the Saturn V first fly?');
		const reply = lastReply(page);
		await expect(reply).toContainText('it first flew in 1967');
		await expect(reply).toHaveAttribute('aria-busy', 'false');

		const sources = reply.getByRole('navigation', { name: 'Sources' }).getByRole('link');
		await expect(sources).toHaveCount(2);
		await expect(sources.nth(0)).toContainText('1');
		await expect(sources.nth(0)).toContainText('Saturn V - NASA');
		await expect(sources.nth(0)).toContainText('nasa.gov');
		await expect(sources.nth(0)).toHaveAttribute('href', 'https://www.nasa.gov/saturn-v');
		await expect(sources.nth(1)).toContainText('Saturn V - Wikipedia');
		await expect(sources.nth(1)).toContainText('en.wikipedia.org');
		// The stand-in's search costs $0.02, on top of the tokens.
		await expect(reply.getByTitle('Cost reported by OpenRouter')).toHaveText(/^\$0\.02\d$/);

		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		await reload(page);
		const again = lastReply(page).getByRole('navigation', { name: 'Sources' }).getByRole('link');
		await expect(again).toHaveCount(2);
		await expect(again.nth(1)).toContainText('Saturn V - Wikipedia');
		await expect(page.getByRole('button', { name: 'Web search' })).toHaveAttribute(
			'aria-pressed',
			'true'
		);

		// Switched off for this conversation: the next reply has no sources.
		await page.getByRole('button', { name: 'Web search' }).click();
		await expect(page.getByRole('button', { name: 'Web search' })).toHaveAttribute(
			'aria-pressed',
			'false'
		);
		await send(page, 'and without searching?');
		await expect(lastReply(page)).toContainText('Echo: and without searching?');
		await expect(lastReply(page).getByRole('navigation', { name: 'Sources' })).toHaveCount(0);
		await reload(page);
		await expect(page.getByRole('button', { name: 'Web search' })).toHaveAttribute(
			'aria-pressed',
			'false'
		);
	});
	test('a new chat in a project with web search on starts with it on, and searches', async ({
		page
	}) => {
		const created = await page.request.post('/api/projects', {
			data: { name: `Research ${Date.now()}`, web_search: true }
		});
		expect(created.status()).toBe(201);
		const { project_id } = await created.json();
		await open(page, `/?project=${project_id}`);
		await expect(page.getByRole('button', { name: 'Web search' })).toHaveAttribute(
			'aria-pressed',
			'true'
		);
		await send(page, 'When did the Saturn V first fly?');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(
			lastReply(page).getByRole('navigation', { name: 'Sources' }).getByRole('link')
		).toHaveCount(2);

		// A new chat outside the project starts with it off again.
		await open(page, '/');
		await expect(page.getByRole('button', { name: 'Web search' })).toHaveAttribute(
			'aria-pressed',
			'false'
		);
	});
});

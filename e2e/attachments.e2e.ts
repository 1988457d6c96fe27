import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FIXTURES, makePng } from '../tests/attachments/fixtures';
import {
	makeServiceAccountKey,
	startGcsStandin,
	type GcsStandin
} from '../tests/support/gcs-standin';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();
const pending = (page: Page) => page.getByRole('list', { name: 'Files to send' });

/** Drops files on the composer the way a drag from the desktop does (DataTransfer with Files). */
async function dropFiles(page: Page, files: { name: string; type: string; data: Buffer }[]) {
	const transfer = await page.evaluateHandle(
		(items) => {
			const dt = new DataTransfer();
			for (const item of items) {
				const bytes = Uint8Array.from(atob(item.base64), (c) => c.charCodeAt(0));
				dt.items.add(new File([bytes], item.name, { type: item.type }));
			}
			return dt;
		},
		files.map((file) => ({
			name: file.name,
			type: file.type,
			base64: file.data.toString('base64')
		}))
	);
	await composer(page).dispatchEvent('dragenter', { dataTransfer: transfer });
	await expect(page.getByText('Drop files to attach them')).toBeVisible();
	await composer(page).dispatchEvent('drop', { dataTransfer: transfer });
	await expect(page.getByText('Drop files to attach them')).toBeHidden();
}

async function imageLoaded(page: Page, name: string) {
	const image = page.getByRole('img', { name }).last();
	await expect(image).toBeVisible();
	await expect
		.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
		.toBe(96);
}

/** Drop an image, watch its progress bar, send it, and see it again after a reload. */
async function attachSendReload(page: Page, baseURL: string) {
	await open(page, `${baseURL}/`);
	// Hold the upload's answer so the progress bar can be seen while the file is in flight.
	let release!: () => void;
	const held = new Promise<void>((resolve) => (release = resolve));
	await page.route('**/api/uploads', async (route) => {
		await held;
		await route.continue();
	});

	await dropFiles(page, [{ name: 'sunset.png', type: 'image/png', data: makePng(96, 64) }]);
	const bar = pending(page).getByRole('progressbar', { name: 'Uploading sunset.png' });
	await expect(bar).toBeVisible();
	await expect(bar).toHaveAttribute('aria-valuenow', /^\d+$/);

	// Enter while the file is still on its way: the message waits for it, then goes.
	await composer(page).fill('What colours are in this picture?');
	await composer(page).press('Enter');
	await expect(
		page.getByRole('status').filter({ hasText: 'Sends as soon as the upload finishes' })
	).toBeVisible();
	await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
	release();
	await expect(lastReply(page)).toContainText('Echo: What colours are in this picture?');
	await expect(page.getByLabel('Your message')).toHaveCount(1);
	await expect(pending(page)).toBeHidden();
	await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
	await imageLoaded(page, 'sunset.png');

	await reload(page);
	await imageLoaded(page, 'sunset.png');
}

test.describe('attachments (local disk)', () => {
	test('drop an image, watch the progress bar, send, and see the thumbnail again after a reload', async ({
		page,
		baseURL
	}) => {
		await attachSendReload(page, baseURL!);
		// The model got the image inline: the provider cannot reach this machine.
		const requests = await (
			await fetch(`http://127.0.0.1:${e2ePorts.openrouter}/__requests`)
		).json();
		const question = requests
			.filter((r: { path: string }) => r.path.endsWith('/chat/completions'))
			.at(-1)
			.body.messages.at(-1);
		expect(question.content[1].image_url.url).toMatch(/^data:image\/png;base64,/);
	});

	test('a refused file shows why, and can be removed before sending', async ({ page }) => {
		await open(page, '/');
		await dropFiles(page, [
			{ name: 'setup.exe', type: 'application/octet-stream', data: FIXTURES.exe() }
		]);
		await expect(pending(page).getByRole('alert')).toContainText('cannot be attached');
		await pending(page).getByRole('button', { name: 'Remove setup.exe' }).click();
		await expect(pending(page)).toBeHidden();
	});

	test('a file over the size limit is refused at once, without uploading it', async ({ page }) => {
		let uploads = 0;
		page.on('request', (request) => {
			if (request.method() === 'POST' && request.url().endsWith('/api/uploads')) uploads++;
		});
		await open(page, '/');
		const chooser = page.waitForEvent('filechooser');
		await page.getByRole('button', { name: 'Attach files' }).click();
		await (
			await chooser
		).setFiles({
			name: 'huge.txt',
			mimeType: 'text/plain',
			buffer: Buffer.alloc(25 * 1024 * 1024, 'a')
		});
		await expect(pending(page).getByRole('alert')).toHaveText(
			'huge.txt is larger than the 20.0 MB limit (25.0 MB).'
		);
		await expect(page.getByRole('button', { name: 'Send' })).toBeDisabled();
		expect(uploads).toBe(0);
	});

	test('a pasted screenshot and a picked file are attached too', async ({ page }) => {
		await open(page, '/');
		await composer(page).focus();
		await page.evaluate((base64) => {
			const dt = new DataTransfer();
			dt.items.add(
				new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], 'image.png', {
					type: 'image/png'
				})
			);
			document
				.querySelector('#composer-input')!
				.dispatchEvent(
					new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true })
				);
		}, makePng(20, 20).toString('base64'));
		await expect(pending(page).getByRole('button', { name: 'Remove image.png' })).toBeVisible();

		const chooser = page.waitForEvent('filechooser');
		await page.getByRole('button', { name: 'Attach files' }).click();
		await (
			await chooser
		).setFiles({
			name: 'notes.md',
			mimeType: 'text/markdown',
			buffer: Buffer.from('# Notes\n\n- one\n')
		});
		await expect(pending(page).getByRole('button', { name: 'Remove notes.md' })).toBeVisible();
		await expect(pending(page).getByRole('progressbar')).toHaveCount(0);

		await composer(page).fill('Two files');
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText('Echo: Two files');
		await expect(
			page.getByRole('list', { name: 'Attached files' }).getByRole('link', { name: /notes\.md/ })
		).toBeVisible();
	});

	test('an image link that stopped working is renewed without the person noticing', async ({
		page,
		browser
	}) => {
		await open(page, '/');
		await dropFiles(page, [{ name: 'renew.png', type: 'image/png', data: makePng(96, 64) }]);
		await expect(pending(page).getByRole('button', { name: 'Remove renew.png' })).toBeVisible();
		await composer(page).fill('keep this');
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText('Echo: keep this');

		// Coming back later (a fresh browser, so no image comes from this page's memory cache),
		// the stored link is refused once, as an expired one would be.
		const later = await (await browser.newContext()).newPage();
		let refused = 0;
		await later.route('**/api/attachments/*/content?*', async (route) => {
			if (refused++ === 0)
				return route.fulfill({
					status: 403,
					contentType: 'application/json',
					body: '{"error":{"code":"signed_url_expired","message":"expired"}}'
				});
			return route.continue();
		});
		const renewal = later.waitForResponse((response) =>
			/\/api\/attachments\/[0-9a-f-]{36}$/.test(new URL(response.url()).pathname)
		);
		await open(later, page.url());
		expect((await renewal).status()).toBe(200);
		await imageLoaded(later, 'renew.png');
		expect(refused).toBeGreaterThanOrEqual(2);
		await later.context().close();
	});
});

test.describe('attachments (Google Cloud Storage)', () => {
	// A second app in GCS mode against the GCS stand-in, with a throwaway service-account key.
	const port = e2ePorts.app + 8;
	const baseURL = `http://127.0.0.1:${port}`;
	let app: ChildProcess;
	let gcs: GcsStandin;
	let dir: string;

	test.beforeAll(async () => {
		dir = mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-gcs-'));
		const key = makeServiceAccountKey(dir);
		gcs = await startGcsStandin({ port: e2ePorts.gcs, publicKeyPem: key.publicKeyPem });
		const env: NodeJS.ProcessEnv = {
			PATH: process.env.PATH,
			PORT: String(port),
			ORIGIN: baseURL,
			BODY_SIZE_LIMIT: '25M',
			DATA_DIR: path.join(dir, 'data'),
			LOG_DIR: path.join(dir, 'logs'),
			OPENROUTER_API_KEY: 'sk-or-v1-e2e-test-key',
			OPENROUTER_BASE_URL: `http://127.0.0.1:${e2ePorts.openrouter}/api/v1`,
			OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
			ATTACHMENTS_GCS_BUCKET: gcs.bucket,
			GCS_API_ENDPOINT: gcs.url,
			GOOGLE_APPLICATION_CREDENTIALS: key.keyFile
		};
		app = spawn('node', [process.env.SB_BUILD_DIR ?? 'build'], { env, stdio: 'ignore' });
		for (let i = 0; i < 100; i++) {
			try {
				if ((await fetch(`${baseURL}/api/health`)).ok) return;
			} catch {
				// not up yet
			}
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		throw new Error('the GCS-mode app did not start');
	});

	test.afterAll(async () => {
		app?.kill();
		await gcs?.close();
		rmSync(dir, { recursive: true, force: true });
	});

	test('an image a tool returns shows in the reply while it streams and again after a reload', async ({
		page
	}) => {
		const servers = await fetch(`${baseURL}/api/mcp/servers`, {
			method: 'PUT',
			headers: { 'content-type': 'application/json', origin: baseURL },
			body: JSON.stringify([
				{
					id: 'fixture',
					enabled: true,
					transport: 'stdio',
					command: 'node',
					args: [path.resolve('tests/support/mcp/stdio-server.mjs')]
				}
			])
		});
		expect(servers.status).toBe(200);
		await expect
			.poll(async () =>
				(await (await fetch(`${baseURL}/api/mcp/servers`)).json())[0].tools.map(
					(tool: { name: string }) => tool.name
				)
			)
			.toContain('fixture__picture');

		await open(page, `${baseURL}/`);
		// Paced, so the reply after the tool is still streaming while the image is checked.
		await composer(page).fill('Draw me something [[tool:fixture__picture]] [[pace:250]]');
		await composer(page).press('Enter');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('here is a pixel');
		// Live: the stored image is shown from the bucket before the page is ever reloaded.
		const live = page.getByRole('list', { name: 'Attached images' }).getByRole('img').last();
		await expect(live).toBeVisible();
		await expect.poll(() => live.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
		expect(await live.getAttribute('src')).toContain(`${gcs.url}/${gcs.bucket}/attachments/`);
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false', { timeout: 20_000 });

		await reload(page);
		const restored = page.getByRole('list', { name: 'Attached images' }).getByRole('img').last();
		await expect(restored).toBeVisible();
		await expect.poll(() => restored.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(1);
	});

	test('the image is stored in the bucket and shown from its signed URL, also after a reload', async ({
		page
	}) => {
		expect((await (await fetch(`${baseURL}/api/health`)).json()).storage).toBe('gcs');
		await attachSendReload(page, baseURL);
		const src = await page.getByRole('img', { name: 'sunset.png' }).last().getAttribute('src');
		expect(src).toContain(`${gcs.url}/${gcs.bucket}/attachments/`);
		expect(src).toContain('X-Goog-Signature=');
		expect([...gcs.objects.values()].some((object) => object.contentType === 'image/png')).toBe(
			true
		);
	});
});

import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { e2ePorts } from '../tests/support/ports';
import { open } from './support';

/** A second app, started with no keys at all, as a person's very first run would be. */
const port = e2ePorts.app + 9;
const baseURL = `http://127.0.0.1:${port}`;
let app: ChildProcess;
let dir: string;

test.beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'switchboard-first-run-'));
	const env: NodeJS.ProcessEnv = {
		PATH: process.env.PATH,
		PORT: String(port),
		ORIGIN: baseURL,
		DATA_DIR: path.join(dir, 'data'),
		LOG_DIR: path.join(dir, 'logs')
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
	throw new Error('the key-less app did not start');
});

test.afterAll(() => {
	app?.kill();
	rmSync(dir, { recursive: true, force: true });
});

test('with no key: the first message gets a demo answer, and OpenRouter models explain the key', async ({
	page
}) => {
	const health = await (await fetch(`${baseURL}/api/health`)).json();
	expect(health.openrouter.configured).toBe(false);
	const model = await (await fetch(`${baseURL}/api/settings/model`)).json();
	expect(model).toMatchObject({ model_id: 'switchboard/demo', source: 'demo' });

	await open(page, baseURL);
	const banner = page.getByRole('region', { name: 'Setup' });
	await expect(banner).toContainText('OPENROUTER_API_KEY');
	await expect(banner).toContainText('chatting with the offline demo model');
	await expect(banner.getByRole('button', { name: 'Use the demo model' })).toHaveCount(0);

	const composer = page.getByRole('textbox', { name: 'Message' });
	const reply = page.getByRole('article', { name: 'Assistant reply' }).last();
	await composer.fill('what can you do?');
	await composer.press('Enter');
	await expect(reply).toContainText("Switchboard's offline demo model");
	await expect(reply.getByRole('alert')).toHaveCount(0);
	await expect(reply.locator('code.language-bash')).toContainText('OPENROUTER_API_KEY=');

	// Once another model is picked, its error names the key and the banner offers the way back.
	const picked = await page.request.put(`${baseURL}/api/settings/model`, {
		data: { model_id: 'openai/gpt-4o' }
	});
	expect(picked.ok()).toBe(true);
	await open(page, baseURL);
	await composer.fill('hello?');
	await composer.press('Enter');
	await expect(reply.getByRole('alert')).toContainText('OPENROUTER_API_KEY');

	await banner.getByRole('button', { name: 'Use the demo model' }).click();
	await expect(page.getByRole('status').filter({ hasText: 'demo model' })).toBeVisible();
	await expect(banner.getByRole('button', { name: 'Use the demo model' })).toHaveCount(0);
	await page.getByRole('link', { name: 'New chat', exact: true }).click();
	await composer.fill('and now?');
	await composer.press('Enter');
	await expect(reply).toContainText("Switchboard's offline demo model");
	await expect(reply.getByRole('alert')).toHaveCount(0);
});

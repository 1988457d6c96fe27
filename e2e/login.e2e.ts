import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { e2ePorts } from '../tests/support/ports';
import { open } from './support';

/** A second app with APP_PASSWORD, as someone reaching it from another machine would meet it. */
const port = e2ePorts.app + 10;
const baseURL = `http://127.0.0.1:${port}`;
const PASSWORD = 'e2e correct horse';
const build = process.env.SB_BUILD_DIR ?? 'build';
let app: ChildProcess;
let dir: string;

function appEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
	return {
		PATH: process.env.PATH,
		PORT: String(port),
		ORIGIN: baseURL,
		DATA_DIR: path.join(dir, 'data'),
		LOG_DIR: path.join(dir, 'logs'),
		...extra
	};
}

test.beforeAll(async () => {
	dir = mkdtempSync(path.join(tmpdir(), 'switchboard-login-'));
	app = spawn('node', [build], { env: appEnv({ APP_PASSWORD: PASSWORD }), stdio: 'ignore' });
	for (let i = 0; i < 100; i++) {
		try {
			if ((await fetch(`${baseURL}/api/health`)).ok) return;
		} catch {
			// not up yet
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error('the app with a password did not start');
});

test.afterAll(() => {
	app?.kill();
	rmSync(dir, { recursive: true, force: true });
});

test('logs in through the page, sees the chat, logs out with "Log out" and is back at /login', async ({
	page
}) => {
	const refused = await fetch(`${baseURL}/api/sessions`);
	expect(refused.status).toBe(401);

	await page.goto(`${baseURL}/settings`);
	await expect(page).toHaveURL(`${baseURL}/login?next=%2Fsettings`);
	const password = page.getByLabel('Password');
	await password.fill('not the password');
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page.getByRole('alert')).toHaveText('That password is not right.');

	await page.getByLabel('Password').fill(PASSWORD);
	await page.getByRole('button', { name: 'Log in' }).click();
	await expect(page).toHaveURL(`${baseURL}/settings`);
	const cookie = (await page.context().cookies()).find((c) => c.name === 'switchboard_auth');
	expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
	expect(cookie?.value).not.toContain(PASSWORD);

	await open(page, baseURL);
	await expect(page.getByRole('textbox', { name: 'Message' })).toBeVisible();
	expect((await page.request.get(`${baseURL}/api/sessions`)).status()).toBe(200);

	await page.getByRole('button', { name: 'Log out' }).click();
	await expect(page).toHaveURL(`${baseURL}/login`);
	await expect(page.getByLabel('Password')).toBeVisible();
	expect((await page.context().cookies()).some((c) => c.name === 'switchboard_auth')).toBe(false);

	// The cookie the browser held is dead on the server too, not only forgotten by the browser.
	const replay = await fetch(`${baseURL}/api/sessions`, {
		headers: { cookie: `switchboard_auth=${cookie!.value}` }
	});
	expect(replay.status).toBe(401);
	await page.goto(baseURL);
	await expect(page).toHaveURL(`${baseURL}/login?next=%2F`);
});

test('the sixth wrong password in a minute is refused with 429 and a clear message', async ({
	page
}) => {
	// Separate from the first test's count: this address is the browser's own, the same one.
	await page.goto(`${baseURL}/login`);
	for (let i = 0; i < 6; i++) {
		await page.getByLabel('Password').fill(`guess ${i}`);
		const [response] = await Promise.all([
			page.waitForResponse(
				(r) => r.url().startsWith(`${baseURL}/login`) && r.request().method() === 'POST'
			),
			page.getByRole('button', { name: 'Log in' }).click()
		]);
		if (i < 5) expect(response.status()).toBe(401);
		if (i === 5) {
			expect(response.status()).toBe(429);
			expect(Number(response.headers()['retry-after'])).toBeGreaterThan(0);
		}
	}
	await expect(page.getByRole('alert')).toContainText('Too many wrong passwords');
	await expect(page.getByRole('alert')).toContainText(/Try again in \d+ seconds?\./);
});

test('does not start reachable beyond loopback without APP_PASSWORD', async () => {
	for (const extra of [
		{ ORIGIN: 'https://chat.example.com' },
		{ SOCKET_PATH: path.join(dir, 'sb.sock') }
	]) {
		const refused = spawn('node', [build], {
			env: appEnv(extra),
			stdio: ['ignore', 'ignore', 'pipe']
		});
		let stderr = '';
		refused.stderr!.on('data', (chunk) => (stderr += chunk));
		const code = await new Promise((resolve) => refused.once('exit', resolve));
		expect(code).toBe(1);
		expect(stderr).toContain('APP_PASSWORD: required when');
	}
});

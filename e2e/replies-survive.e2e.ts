import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appEnv } from '../playwright.config';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const replies = (page: Page) => page.getByRole('article', { name: 'Assistant reply' });
const lastReply = (page: Page) => replies(page).last();

async function send(page: Page, text: string) {
	await composer(page).fill(text);
	await composer(page).press('Enter');
}

/** What the stand-in's [[slow]] answers: 400 words, one every 40 ms (16 s). */
const SLOW_REPLY = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');

test('a reload mid-reply picks the reply up where it is, and it finishes with its full text', async ({
	page
}) => {
	test.setTimeout(60_000);
	await open(page, '/');
	await send(page, '[[slow]] survive a reload');
	await expect(lastReply(page)).toContainText('word8');
	await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);

	await reload(page);
	// The reply is still being written: shown from its first word, busy, with Stop offered.
	await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
	await expect(lastReply(page)).toContainText('word0 word1 word2');
	await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
	await expect(lastReply(page)).toContainText('word399', { timeout: 30_000 });
	await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
	await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

	// One reply, whole, each word once: what was streamed before the reload is not repeated.
	await expect(replies(page)).toHaveCount(1);
	await expect(lastReply(page)).toContainText(SLOW_REPLY);
	expect((await lastReply(page).textContent())?.match(/\bword0\b/g)).toHaveLength(1);
	await expect(lastReply(page)).not.toContainText('Stopped.');

	await reload(page);
	await expect(replies(page)).toHaveCount(1);
	await expect(lastReply(page)).toContainText(SLOW_REPLY);
});

test.describe('an app killed mid-reply', () => {
	/** A second app of its own (port, DATA_DIR), so killing it leaves the suite's app alone. */
	const port = e2ePorts.app + 14;
	const baseURL = `http://127.0.0.1:${port}`;
	let dir: string;
	let app: ChildProcess | undefined;

	async function startApp() {
		const child = spawn('node', [process.env.SB_BUILD_DIR ?? 'build'], {
			env: {
				PATH: process.env.PATH,
				HOST: '127.0.0.1',
				PORT: String(port),
				ORIGIN: baseURL,
				DATA_DIR: path.join(dir, 'data'),
				LOG_DIR: path.join(dir, 'logs'),
				OPENROUTER_API_KEY: appEnv.OPENROUTER_API_KEY,
				OPENROUTER_BASE_URL: appEnv.OPENROUTER_BASE_URL,
				OPENROUTER_DEFAULT_MODEL: appEnv.OPENROUTER_DEFAULT_MODEL
			},
			stdio: 'ignore'
		});
		app = child;
		for (let i = 0; i < 100; i++) {
			try {
				if ((await fetch(`${baseURL}/api/health`)).ok) return;
			} catch {
				// not up yet
			}
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
		throw new Error('the second app did not start');
	}

	test.beforeAll(() => {
		dir = mkdtempSync(path.join(tmpdir(), 'switchboard-replies-survive-'));
	});

	test.afterAll(() => {
		app?.kill('SIGKILL');
		rmSync(dir, { recursive: true, force: true });
	});

	test('after kill -9 and a restart, the partial reply is there, marked interrupted', async ({
		page
	}) => {
		test.setTimeout(60_000);
		await startApp();
		await open(page, baseURL);
		await send(page, '[[slow]] do not lose me');
		// 1.6 s of words: the reply row has been written at least once (it is at most a second behind).
		await expect(lastReply(page)).toContainText('word40');
		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		const conversation = page.url();

		const killed = once(app!, 'exit');
		app!.kill('SIGKILL');
		await killed;
		await startApp();

		await open(page, conversation);
		await expect(lastReply(page)).toContainText('word0 word1 word2 word3 word4 word5 word6 word7');
		await expect(lastReply(page)).toContainText('Interrupted');
		await expect(lastReply(page)).not.toContainText('word399');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();

		const id = conversation.split('/').at(-1);
		const detail = await (await fetch(`${baseURL}/api/sessions/${id}`)).json();
		expect(detail.running).toBe(false);
		expect(detail.messages.at(-1)).toMatchObject({
			role: 'assistant',
			finish_reason: 'interrupted',
			content: expect.stringMatching(/^word0 word1 /)
		});

		// The conversation goes on from there.
		await send(page, 'and now?');
		await expect(lastReply(page)).toContainText('Echo: and now?');
		await expect(replies(page).first()).toContainText('Interrupted');
	});
});

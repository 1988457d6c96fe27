/**
 * Speech out: how soon a streaming reply starts to be heard. Headless Chromium opens the built app
 * with "Read replies aloud" on, against the OpenRouter stand-in (a plain reply of sentences, paced
 * like a model) and the Deepgram stand-in (speak socket: audio for each Speak at once, as the
 * service starts on a sentence). Per reply, the time from the splitter giving back the reply's
 * first sentence (`voice:first-sentence`, the browser's performance mark) to its first audio
 * frame handed to Web Audio (`voice:first-audio`): the app's own share of the time to speech,
 * the service's synthesis excluded. The first reply of a page also opens the speak socket (a token,
 * a handshake): it is reported on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { findChromium } from '../tests/support/chromium';
import { startDeepgramStandin } from '../tests/support/deepgram-standin';
import { summarize } from './lib/stats';
import {
	ensureBuild,
	freePort,
	root,
	startApp,
	verdict,
	type BenchContext,
	type BenchRow,
	type BenchSection
} from './lib/harness';

export interface VoiceBenchOptions {
	/** Replies measured on one page (after the first, which opens the socket). */
	runs?: number;
}

const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--no-first-run',
	'--disable-sync',
	'--autoplay-policy=no-user-gesture-required'
];

/** ms from the first sentence to the first audio of the reply, once both marks are there. */
async function oneReply(page: Page, turn: number): Promise<number> {
	await page.evaluate(() => performance.clearMarks());
	const composer = page.getByRole('textbox', { name: 'Message' });
	await composer.fill(`[[pace:20]] [[sentences:6]] reply ${turn}`);
	await composer.press('Enter');
	const ms = await page
		.waitForFunction(
			() => {
				const [sentence] = performance.getEntriesByName('voice:first-sentence');
				const [audio] = performance.getEntriesByName('voice:first-audio');
				return sentence && audio ? audio.startTime - sentence.startTime : null;
			},
			null,
			{ polling: 50, timeout: 30_000 }
		)
		.then((handle) => handle.jsonValue() as Promise<number>);
	// The reply has streamed to its end before the next question.
	await page
		.getByRole('article', { name: 'Assistant reply' })
		.last()
		.and(page.locator('[aria-busy="false"]'))
		.waitFor({ timeout: 30_000 });
	return ms;
}

async function run(ctx: BenchContext, runs: number): Promise<BenchRow[]> {
	const buildDir = path.resolve(root, process.env.SB_BUILD_DIR ?? 'build');
	ensureBuild(buildDir, ctx.log);
	const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-voice-'));
	const deepgram = await startDeepgramStandin();
	const port = await freePort();
	const app = await startApp(buildDir, {
		HOST: '127.0.0.1',
		PORT: String(port),
		ORIGIN: `http://127.0.0.1:${port}`,
		DATA_DIR: path.join(dir, 'data'),
		LOG_DIR: path.join(dir, 'logs'),
		OPENROUTER_API_KEY: ctx.apiKey,
		OPENROUTER_BASE_URL: ctx.standinUrl,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
		DEEPGRAM_API_KEY: deepgram.apiKey,
		DEEPGRAM_API_URL: deepgram.url
	});
	const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
	try {
		const context = await browser.newContext();
		await context.addInitScript(() =>
			localStorage.setItem('switchboard.voice-settings', JSON.stringify({ read_replies: true }))
		);
		const page = await context.newPage();
		await page.goto(`${app.url}/`);
		await page.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 30_000 });
		const cold = await oneReply(page, 0);
		const warm: number[] = [];
		for (let turn = 1; turn <= runs; turn++) warm.push(await oneReply(page, turn));
		if (deepgram.speak.length !== 1) {
			throw new Error(`expected one speak socket for the page, saw ${deepgram.speak.length}`);
		}
		const stats = summarize(warm);
		return [
			{
				what: 'reply read aloud: first sentence → first audio frame played (socket open)',
				unit: 'ms',
				n: stats.n,
				p50: stats.p50,
				p99: stats.p99,
				goal: 'p50 ≤ 300 ms',
				verdict: verdict(stats.p50, 300)
			},
			{
				// Not a goal: it waits for the token (the server's first one loads the Deepgram SDK)
				// and the handshake, begun when the reply started.
				what: 'the same for the first reply of a page (token + speak socket handshake)',
				unit: 'ms',
				value: cold
			}
		];
	} finally {
		await browser.close();
		await app.stop();
		await deepgram.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

export function voiceBench(options: VoiceBenchOptions = {}): BenchSection[] {
	const runs = options.runs ?? 20;
	return [{ name: 'voice', run: (ctx) => run(ctx, runs) }];
}

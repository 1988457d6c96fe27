/**
 * The browser's side of a long reply: Chromium (headless, driven by Playwright) opens the built
 * app and asks the OpenRouter stand-in for a long markdown reply (`[[long-markdown:N]]`: headings,
 * lists, tables, code fences), paced like a fast model. The floor is a static page served here
 * that appends the same chunks, relayed from the same stand-in, as plain text (and keeps the view at the
 * bottom, as a chat must): what showing the text costs at the least. Both are measured in the
 * same run, interleaved, with Chromium's own counters: main-thread task time (CDP
 * `Performance.getMetrics` TaskDuration, before and after) and long tasks (PerformanceObserver
 * 'longtask', every task over 50 ms).
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { request } from 'undici';
import { isSseComment, readSse } from '../src/lib/api/sse';
import { findChromium } from '../tests/support/chromium';
import { summarize } from './lib/stats';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';

export interface BrowserBenchOptions {
	/** Chunks in the reply (one word each, as models stream). */
	chunks?: number;
	/** Milliseconds between chunks, at the stand-in (and at the floor's server). */
	paceMs?: number;
	/** Measured runs of each page (after one short warm-up of each). */
	runs?: number;
}

/** Chromium's flags for the bench: the same as the component tests'. */
const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--no-first-run',
	'--disable-sync'
];

/** Collects every long task from the page's start; `__longTasks` is reset before each run. */
const LONG_TASKS = `
	window.__longTasks = [];
	new PerformanceObserver((list) => {
		for (const entry of list.getEntries()) window.__longTasks.push([entry.startTime, entry.duration]);
	}).observe({ type: 'longtask' });
`;

interface PageState {
	/** [startTime, duration] of each task over 50 ms. */
	__longTasks: [number, number][];
	/** When waiting saw the stream done (performance.now()). */
	__doneAt?: number;
}

const FLOOR_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Append-only floor</title>
<style>
	html, body { height: 100%; margin: 0; font: 16px/1.6 system-ui, sans-serif; }
	#scroller { height: 100%; overflow-y: auto; }
	#out { max-width: 48rem; margin: 0 auto; padding: 1.5rem 1.25rem 2rem; white-space: pre-wrap; overflow-wrap: anywhere; }
</style>
</head>
<body>
<div id="scroller"><div id="out"></div></div>
<script>
	// The same chunks at the same pace, appended as text as they arrive; the view follows the
	// end once per frame (the app changes what it shows once per frame too; scrolling on every
	// chunk would force a layout of the whole text each time).
	window.start = async () => {
		const scroller = document.getElementById('scroller');
		const text = document.getElementById('out').appendChild(document.createTextNode(''));
		let frame = 0;
		const follow = () => {
			frame = 0;
			scroller.scrollTop = scroller.scrollHeight;
		};
		const response = await fetch('/stream' + location.search);
		const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			text.appendData(value);
			frame ||= requestAnimationFrame(follow);
		}
		await new Promise((resolve) => requestAnimationFrame(resolve));
		window.__done = true;
	};
</script>
</body>
</html>`;

/**
 * Serves the floor page and its stream: the stand-in's own `[[long-markdown:N]]` answer (so the
 * pacing comes from the same place as the app's), relayed as plain text, one write per chunk.
 */
async function startFloorServer(
	ctx: BenchContext
): Promise<{ url: string; close(): Promise<void> }> {
	const server: Server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://floor');
		if (url.pathname === '/') {
			res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
			res.end(FLOOR_PAGE);
			return;
		}
		if (url.pathname !== '/stream') {
			res.writeHead(404).end();
			return;
		}
		const content = `[[pace:${url.searchParams.get('pace') ?? 0}]] [[long-markdown:${url.searchParams.get('chunks') ?? 1000}]]`;
		const upstream = await request(`${ctx.standinUrl}/chat/completions`, {
			dispatcher: ctx.http,
			method: 'POST',
			headers: { 'content-type': 'application/json', authorization: `Bearer ${ctx.apiKey}` },
			body: JSON.stringify({
				model: 'openai/gpt-4o',
				stream: true,
				messages: [{ role: 'user', content }]
			})
		});
		res.writeHead(200, {
			'content-type': 'text/plain; charset=utf-8',
			'cache-control': 'no-store'
		});
		for await (const item of readSse(upstream.body)) {
			if (isSseComment(item) || item.data === '[DONE]') continue;
			const text = (JSON.parse(item.data) as { choices?: { delta?: { content?: string } }[] })
				.choices?.[0]?.delta?.content;
			if (text) res.write(text);
		}
		res.end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

interface RunFigures {
	/** Main-thread task time during the stream (CDP TaskDuration). */
	busyMs: number;
	/** Script, layout and style shares of it (CDP). */
	scriptMs: number;
	layoutMs: number;
	styleMs: number;
	/** From the start of the stream to the last chunk shown. */
	wallMs: number;
	/** Tasks over 50 ms, and the longest of them (0 when none). */
	longTasks: number;
	longestMs: number;
	/** Of those, the ones in the stream's last second (where the reply is finished). */
	endLongTasks: number;
	/**
	 * The most CPU time one task took (Chromium's trace, thread time), during the stream and in
	 * its last second: on a busy machine a task also waits for a core, and the PerformanceObserver
	 * counts that wait as part of it.
	 */
	longestCpuMs: number;
	endLongestCpuMs: number;
}

/**
 * The renderer main thread's longest task in thread time, from a trace of 'toplevel' events:
 * before the `bench:done` mark's last second, and in it.
 */
function longestCpuTasks(trace: Buffer): { during: number; end: number } {
	const { traceEvents } = JSON.parse(trace.toString('utf8')) as {
		traceEvents: {
			name: string;
			ph: string;
			pid: number;
			tid: number;
			ts: number;
			dur?: number;
			tdur?: number;
			args?: { name?: string };
		}[];
	};
	const mains = new Set(
		traceEvents
			.filter((event) => event.name === 'thread_name' && event.args?.name === 'CrRendererMain')
			.map((event) => `${event.pid}:${event.tid}`)
	);
	const done = traceEvents.find((event) => event.name === 'bench:done')?.ts ?? Infinity;
	const longest = { during: 0, end: 0 };
	// A task's microtasks (promise callbacks, Svelte's effects) run in a checkpoint traced right
	// after it, as its own event: they are the same task to the page.
	const tasks = traceEvents
		.filter(
			(event) =>
				event.ph === 'X' &&
				(event.name === 'ThreadControllerImpl::RunTask' ||
					event.name === 'BlinkScheduler_PerformMicrotaskCheckpoint') &&
				mains.has(`${event.pid}:${event.tid}`)
		)
		.sort((a, b) => a.ts - b.ts);
	let task: { ts: number; end: number; cpu: number } | undefined;
	const close = () => {
		if (!task) return;
		const part = task.ts > done - 1_000_000 ? 'end' : 'during';
		longest[part] = Math.max(longest[part], task.cpu / 1000);
	};
	for (const event of tasks) {
		const end = event.ts + (event.dur ?? 0);
		if (task && event.name !== 'ThreadControllerImpl::RunTask' && event.ts - task.end < 50) {
			task.end = end;
			task.cpu += event.tdur ?? 0;
			continue;
		}
		close();
		task = { ts: event.ts, end, cpu: event.tdur ?? 0 };
	}
	close();
	return longest;
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
	const { metrics } = await cdp.send('Performance.getMetrics');
	return Object.fromEntries(metrics.map((metric) => [metric.name, metric.value]));
}

/** Times one stream on `page`: `start` begins it, `done` resolves once the last chunk is shown. */
async function measure(
	browser: Browser,
	page: Page,
	cdp: CDPSession,
	start: () => Promise<unknown>,
	done: () => Promise<unknown>
): Promise<RunFigures> {
	// (Functions given to evaluate run in the page: only what they hold themselves.)
	await page.evaluate(() => {
		const state = window as unknown as PageState;
		state.__longTasks = [];
		state.__doneAt = undefined;
	});
	// Only the scheduler's task events: next to nothing for the page to write.
	const traceDir = process.env.BENCH_TRACE_DIR;
	await browser.startTracing(page, {
		categories: traceDir
			? [
					'toplevel',
					'blink.user_timing',
					'devtools.timeline',
					'v8',
					'disabled-by-default-devtools.timeline'
				]
			: ['toplevel', 'blink.user_timing'],
		...(traceDir && { path: `${traceDir}/${Date.now()}.json` })
	});
	if (traceDir) {
		await cdp.send('Profiler.enable');
		await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
		await cdp.send('Profiler.start');
	}
	const before = await metrics(cdp);
	const started = performance.now();
	await start();
	await done();
	const wallMs = performance.now() - started;
	const after = await metrics(cdp);
	const trace = await browser.stopTracing();
	if (traceDir) {
		const { profile } = await cdp.send('Profiler.stop');
		writeFileSync(`${traceDir}/${Date.now()}.cpuprofile`, JSON.stringify(profile));
	}
	const { tasks, doneAt = Infinity } = await page.evaluate(() => {
		const state = window as unknown as PageState;
		return { tasks: state.__longTasks, doneAt: state.__doneAt };
	});
	const long = tasks.filter(([, duration]) => duration > 50);
	const delta = (name: string) => ((after[name] ?? 0) - (before[name] ?? 0)) * 1000;
	return {
		busyMs: delta('TaskDuration'),
		scriptMs: delta('ScriptDuration'),
		layoutMs: delta('LayoutDuration'),
		styleMs: delta('RecalcStyleDuration'),
		wallMs,
		longTasks: long.length,
		longestMs: Math.max(0, ...long.map(([, duration]) => duration)),
		// Waiting looks every 250 ms: the reply was done at most that long before it saw so.
		endLongTasks: long.filter(([at]) => at > doneAt - 1_000).length,
		...(({ during, end }) => ({ longestCpuMs: during, endLongestCpuMs: end }))(
			longestCpuTasks(trace)
		)
	};
}

async function newPage(browser: Browser): Promise<{ page: Page; cdp: CDPSession }> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	await context.addInitScript(LONG_TASKS);
	const page = await context.newPage();
	const cdp = await context.newCDPSession(page);
	await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
	return { page, cdp };
}

/** Polling rarely, so waiting adds next to nothing to the page's own work. */
const POLL = { polling: 250, timeout: 180_000 } as const;

async function floorRun(browser: Browser, floorUrl: string, chunks: number, paceMs: number) {
	const { page, cdp } = await newPage(browser);
	try {
		await page.goto(`${floorUrl}/?chunks=${chunks}&pace=${paceMs}`);
		return await measure(
			browser,
			page,
			cdp,
			() => page.evaluate(() => void (window as unknown as { start(): Promise<void> }).start()),
			() =>
				page.waitForFunction(
					() => {
						const page = window as unknown as PageState & { __done?: boolean };
						if (page.__done && page.__doneAt === undefined) {
							page.__doneAt = performance.now();
							performance.mark('bench:done');
						}
						return page.__done;
					},
					null,
					POLL
				)
		);
	} finally {
		await page.context().close();
	}
}

async function appRun(browser: Browser, appUrl: string, chunks: number, paceMs: number) {
	const { page, cdp } = await newPage(browser);
	try {
		await page.goto(`${appUrl}/`);
		await page.locator('html[data-ready="true"]').waitFor({ state: 'attached', timeout: 30_000 });
		const composer = page.getByRole('textbox', { name: 'Message' });
		await composer.fill(`[[pace:${paceMs}]] [[long-markdown:${chunks}]]`);
		const figures = await measure(
			browser,
			page,
			cdp,
			() => composer.press('Enter'),
			() =>
				page.waitForFunction(
					() => {
						const reply = [
							...document.querySelectorAll('article[aria-label="Assistant reply"]')
						].at(-1);
						const done =
							reply?.getAttribute('aria-busy') === 'false' && !!reply.querySelector('footer');
						const state = window as unknown as PageState;
						if (done && state.__doneAt === undefined) {
							state.__doneAt = performance.now();
							performance.mark('bench:done');
						}
						return done;
					},
					null,
					POLL
				)
		);
		const text = await page.getByRole('article', { name: 'Assistant reply' }).last().textContent();
		if (!text?.includes('measured against the floor in the same run'))
			throw new Error(`the app's reply did not end as the stand-in's did: …${text?.slice(-200)}`);
		return figures;
	} finally {
		await page.context().close();
	}
}

const median = (values: number[]) => summarize(values).p50;
const describe = (f: RunFigures) =>
	`busy ${f.busyMs.toFixed(0)} ms (script ${f.scriptMs.toFixed(0)}, layout ${f.layoutMs.toFixed(0)}, ` +
	`style ${f.styleMs.toFixed(0)}) of ${(f.wallMs / 1000).toFixed(1)} s, ` +
	`${f.longTasks} tasks > 50 ms (${f.endLongTasks} in its last second), longest ${f.longestMs.toFixed(0)} ms ` +
	`(most CPU in one task ${f.longestCpuMs.toFixed(0)} ms, in its last second ${f.endLongestCpuMs.toFixed(0)} ms)`;

export function browserBench({
	chunks = 6_000,
	paceMs = 2,
	runs = 3
}: BrowserBenchOptions = {}): BenchSection[] {
	return [
		{
			name: `browser: a ${chunks.toLocaleString('en')}-chunk markdown reply`,
			async run(ctx: BenchContext): Promise<BenchRow[]> {
				const executablePath = findChromium();
				if (!executablePath) {
					ctx.log('  no Chromium (CHROMIUM_PATH, /usr/bin/chromium or Playwright’s): skipped');
					return [{ what: 'skipped: no Chromium found', unit: '' }];
				}
				const floor = await startFloorServer(ctx);
				const browser = await chromium.launch({
					executablePath,
					headless: true,
					args: CHROMIUM_ARGS
				});
				try {
					// One short stream on each page first: JIT, fonts and caches warm for both.
					await floorRun(browser, floor.url, 300, paceMs);
					await appRun(browser, ctx.appUrl, 300, paceMs);
					const app: RunFigures[] = [];
					const base: RunFigures[] = [];
					for (let i = 0; i < runs; i++) {
						// Alternate who goes first, so neither always meets a busier machine.
						for (const which of i % 2 ? ['app', 'floor'] : ['floor', 'app']) {
							const figures =
								which === 'app'
									? await appRun(browser, ctx.appUrl, chunks, paceMs)
									: await floorRun(browser, floor.url, chunks, paceMs);
							(which === 'app' ? app : base).push(figures);
							ctx.log(`  ${which.padEnd(5)} run ${i + 1}: ${describe(figures)}`);
						}
					}
					const appBusy = median(app.map((f) => f.busyMs));
					const floorBusy = median(base.map((f) => f.busyMs));
					const ratio = appBusy / floorBusy;
					const appLong = median(app.map((f) => f.longTasks));
					const appLongest = Math.max(...app.map((f) => f.longestMs));
					const appCpu = Math.max(...app.map((f) => f.longestCpuMs));
					const appEndCpu = Math.max(...app.map((f) => f.endLongestCpuMs));
					const floorCpu = Math.max(
						...base.map((f) => Math.max(f.longestCpuMs, f.endLongestCpuMs))
					);
					return [
						{
							what: `floor: append-only page, main-thread busy (of ${(median(base.map((f) => f.wallMs)) / 1000).toFixed(1)} s)`,
							unit: 'ms',
							n: base.length,
							p50: floorBusy
						},
						{
							what: `floor: tasks > 50 ms (median ${median(base.map((f) => f.longTasks))}), longest`,
							unit: 'ms',
							value: Math.max(...base.map((f) => f.longestMs))
						},
						{
							what: `app: main-thread busy (of ${(median(app.map((f) => f.wallMs)) / 1000).toFixed(1)} s)`,
							unit: 'ms',
							n: app.length,
							p50: appBusy
						},
						{
							what: 'app / floor main-thread busy',
							unit: '',
							value: ratio,
							goal: '≤ 1.5',
							verdict: verdict(ratio, 1.5)
						},
						{
							what: 'app: tasks > 50 ms (median of runs)',
							unit: '',
							value: appLong,
							goal: '0',
							verdict: verdict(appLong, 0)
						},
						{
							what: 'app: longest task (any run)',
							unit: 'ms',
							value: appLongest,
							goal: '≤ 50 ms',
							verdict: verdict(appLongest, 50)
						},
						{
							what: `app: most CPU in one task while streaming (floor: ${floorCpu.toFixed(0)} ms)`,
							unit: 'ms',
							value: appCpu,
							goal: '≤ 50 ms',
							verdict: verdict(appCpu, 50)
						},
						{
							what: "app: most CPU in one task in the stream's last second",
							unit: 'ms',
							value: appEndCpu,
							goal: '≤ 50 ms',
							verdict: verdict(appEndCpu, 50)
						}
					];
				} finally {
					await browser.close();
					await floor.close();
				}
			}
		}
	];
}

/**
 * Opening a long conversation in the browser: Chromium (headless, driven by Playwright) opens
 * `/c/{id}` of the built app for a conversation of 5,000 markdown messages (headings, lists, a
 * highlighted code block in every reply) and for one of 50 (the floor: what any conversation
 * costs). Measured per run, in a fresh browser context: the time from navigation to the last
 * message shown in the view (rendered, code highlighted), the DOM size
 * (`document.getElementsByTagName('*').length`) and the JS heap (CDP `Performance.getMetrics`
 * JSHeapUsedSize after a forced garbage collection), then the DOM size again after scrolling up
 * through the history.
 */
import { randomUUID } from 'node:crypto';
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { ChatRepository } from '../src/lib/server/chat/repository';
import { openDatabase } from '../src/lib/server/db/client';
import { findChromium } from '../tests/support/chromium';
import { rng, summarize } from './lib/stats';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';

export interface LongChatBenchOptions {
	/** Messages of the long conversation (and of the floor's). */
	messages?: number;
	floorMessages?: number;
	/** Measured runs of each (after one warm-up of each). */
	runs?: number;
	/** Screens scrolled up (by 1.5 viewports each) for the DOM size after a long scroll. */
	scrollScreens?: number;
}

const CHROMIUM_ARGS = [
	'--no-sandbox',
	'--disable-gpu',
	'--disable-background-networking',
	'--disable-component-update',
	'--no-first-run',
	'--disable-sync'
];

/** The last reply of a seeded conversation of `count` messages ends with this. */
const marker = (count: number) => `LONGCHAT-END-${count}`;

const WORDS = (
	'the a of to and in is it that for on with as this be at or from by not but what all when we can an your which ' +
	'their if will each about how up out then many some so these would other into more two like time could make than ' +
	'first been who now people way find use may long little very after words called just where most know server ' +
	'database kitchen bicycle mountain river planet guitar camera window coffee letter market winter summer forest'
).split(' ');
const LANGUAGES = ['ts', 'python', 'js', 'bash', 'sql'];

function words(random: () => number, count: number): string {
	const out = Array.from({ length: count }, () => WORDS[Math.floor(random() * WORDS.length)]);
	out[0] = out[0][0].toUpperCase() + out[0].slice(1);
	return out.join(' ');
}
const sentences = (random: () => number, count: number) =>
	Array.from({ length: count }, () => `${words(random, 8 + Math.floor(random() * 10))}.`).join(' ');

function code(random: () => number, lang: string, turn: number): string {
	const name = `step${turn}`;
	if (lang === 'python')
		return [
			`def ${name}(items, limit=${turn % 97}):`,
			`    """${words(random, 6)}."""`,
			'    total = 0',
			'    for index, item in enumerate(items):',
			'        if index > limit:',
			'            break',
			`        total += item * ${(turn % 7) + 2}`,
			'    return {"total": total, "count": len(items)}'
		].join('\n');
	if (lang === 'bash')
		return [
			`for file in ./data/${name}/*.json; do`,
			`  echo "checking $file" # ${words(random, 4)}`,
			`  jq '.items | length' "$file" > "/tmp/${name}.out" || exit 1`,
			'done'
		].join('\n');
	if (lang === 'sql')
		return [
			`select session_id, count(*) as n -- ${words(random, 4)}`,
			'from messages',
			`where created_at > '2025-0${(turn % 9) + 1}-01' and role = 'assistant'`,
			'group by session_id',
			`order by n desc limit ${(turn % 50) + 10};`
		].join('\n');
	return [
		`export function ${name}(items: number[], limit = ${turn % 97}): { total: number } {`,
		`\t// ${words(random, 7)}`,
		'\tlet total = 0;',
		'\tfor (const [index, item] of items.entries()) {',
		'\t\tif (index > limit) break;',
		`\t\ttotal += item * ${(turn % 7) + 2};`,
		'\t}',
		"\treturn { total, label: 'done' };",
		'}'
	].join('\n');
}

/** A reply as models write them: a heading, prose, a list, a code block, a closing line. */
function reply(random: () => number, turn: number, end: string): string {
	const lang = LANGUAGES[turn % LANGUAGES.length];
	return [
		`## Turn ${turn}: ${words(random, 4)}`,
		sentences(random, 3),
		[1, 2, 3].map((n) => `- **${words(random, 2)}** ${words(random, 6 + n)}`).join('\n'),
		`\`\`\`${lang}\n${code(random, lang, turn)}\n\`\`\``,
		`${sentences(random, 2)} Use \`step${turn}()\` for it.${end}`
	].join('\n\n');
}

const usage = { prompt_tokens: 812, completion_tokens: 164, total_tokens: 976, cost: 0.00431 };

/** Writes a conversation of `count` messages (question, reply, …) straight into the database. */
function seedConversation(repo: ChatRepository, title: string, count: number, start: number) {
	const sessionId = randomUUID();
	const random = rng(count);
	let clock = start;
	const at = () => new Date((clock += 1000)).toISOString();
	repo.createConversation(sessionId, title, at());
	for (let m = 0; m < count; m++) {
		const turn = Math.floor(m / 2) + 1;
		const user = m % 2 === 0;
		repo.addMessage({
			sessionId,
			role: user ? 'user' : 'assistant',
			content: user
				? `Question ${turn}: ${words(random, 6 + Math.floor(random() * 12))}?`
				: reply(random, turn, m === count - 1 ? ` ${marker(count)}` : ''),
			modelId: user ? null : 'openai/gpt-4o',
			usage: user ? null : usage,
			finishReason: user ? null : 'stop',
			createdAt: at()
		});
	}
	return sessionId;
}

/**
 * Runs in the page before its scripts. `__watch(marker)` checks on every frame whether the last
 * reply, ending with `marker`, is rendered (its code block highlighted) and its end inside the
 * conversation's view, and notes when it first was in `__shownAt`.
 */
const WATCH = `(() => {
	window.__watch = (marker) => {
		window.__shownAt = undefined;
		const check = () => {
			const replies = document.querySelectorAll('article[aria-label="Assistant reply"]');
			const last = replies[replies.length - 1];
			if (last && document.documentElement.dataset.ready === 'true' && last.querySelector('pre code') &&
				last.textContent.includes(marker)) {
				const scroller = last.closest('[class*="scroller"]') ?? document.documentElement;
				const view = scroller.getBoundingClientRect();
				const box = last.getBoundingClientRect();
				const top = Math.max(view.top, 0), bottom = Math.min(view.bottom, innerHeight);
				if (box.bottom <= bottom + 1 && box.bottom > top) {
					window.__shownAt = performance.now();
					return;
				}
			}
			requestAnimationFrame(check);
		};
		requestAnimationFrame(check);
	};
})();`;

interface RunFigures {
	/** Page load (fresh context, nothing cached) → last message shown. */
	loadMs: number;
	/** From the link's click in an open conversation (client-side navigation) → last message shown. */
	switchMs: number;
	nodes: number;
	heapMb: number;
	/** After scrolling up (0 when not measured), and the turn then at the top of the view. */
	scrolledNodes: number;
	scrolledHeapMb: number;
	scrolledTo: string;
}

async function heapMb(cdp: CDPSession): Promise<number> {
	await cdp.send('HeapProfiler.collectGarbage');
	const { metrics } = await cdp.send('Performance.getMetrics');
	return (metrics.find((metric) => metric.name === 'JSHeapUsedSize')?.value ?? NaN) / 1024 / 1024;
}

const domNodes = () => document.getElementsByTagName('*').length;
const shownAt = (page: Page) =>
	page
		.waitForFunction(() => (window as unknown as { __shownAt?: number }).__shownAt, null, {
			polling: 100,
			timeout: 180_000
		})
		.then((handle) => handle.jsonValue() as Promise<number>);

interface Target {
	url: string;
	path: string;
	marker: string;
}

/**
 * One run in a fresh browser context: loads `target` (timed), measures DOM and heap once it
 * settled, scrolls up if asked (DOM and heap again), then opens `other` and comes back to
 * `target` through a link, as the sidebar does (timed).
 */
async function run(
	browser: Browser,
	target: Target,
	other: Target,
	scrollScreens: number
): Promise<RunFigures> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	try {
		// Watching from the document's start.
		await context.addInitScript(`${WATCH}\nwindow.__watch(${JSON.stringify(target.marker)});`);
		const page = await context.newPage();
		const cdp = await context.newCDPSession(page);
		await cdp.send('Performance.enable');
		await page.goto(target.url, { waitUntil: 'commit' });
		const loadMs = await shownAt(page);
		// Whatever the page does right after (measuring, filling the view) settles first.
		await page.waitForTimeout(1_000);
		const nodes = await page.evaluate(domNodes);
		const heap = await heapMb(cdp);
		let scrolledNodes = 0;
		let scrolledHeapMb = 0;
		let scrolledTo = '';
		if (scrollScreens > 0) {
			// The way a person reads back: a screen and a half at a time, pausing for what loads.
			for (let i = 0; i < scrollScreens; i++) {
				await page.evaluate(() => {
					const scroller = document.querySelector<HTMLElement>('[class*="scroller"]');
					if (scroller) scroller.scrollTop -= scroller.clientHeight * 1.5;
				});
				await page.waitForTimeout(150);
			}
			await page.waitForTimeout(1_000);
			scrolledNodes = await page.evaluate(domNodes);
			scrolledHeapMb = await heapMb(cdp);
			scrolledTo = await page.evaluate(() => {
				const scroller = document.querySelector<HTMLElement>('[class*="scroller"]')!;
				const box = scroller.getBoundingClientRect();
				let at = document.elementFromPoint(box.left + box.width / 2, box.top + 40);
				for (; at; at = at.parentElement) {
					const turn = /(?:Turn|Question) (\d+)/.exec(at.textContent ?? '');
					if (turn) return `turn ${turn[1]}`;
				}
				return '?';
			});
		}
		// Client-side navigation: the other conversation, then back through a link.
		const follow = async (to: Target) => {
			const started = await page.evaluate(
				({ path, marker }) => {
					const link = document.createElement('a');
					link.href = path;
					document.body.append(link);
					(window as unknown as Watch).__watch(marker);
					const at = performance.now();
					link.click();
					link.remove();
					return at;
				},
				{ path: to.path, marker: to.marker }
			);
			return (await shownAt(page)) - started;
		};
		await follow(other);
		await page.waitForTimeout(500);
		const switchMs = await follow(target);
		return { loadMs, switchMs, nodes, heapMb: heap, scrolledNodes, scrolledHeapMb, scrolledTo };
	} finally {
		await context.close();
	}
}

interface Watch {
	__watch(marker: string): void;
}

const median = (values: number[]) => summarize(values).p50;

export function longChatBench({
	messages = 5_000,
	floorMessages = 50,
	runs = 5,
	scrollScreens = 40
}: LongChatBenchOptions = {}): BenchSection[] {
	const ids = { long: '', floor: '', other: '' };
	return [
		{
			name: `long chat: open a ${messages.toLocaleString('en')}-message conversation in Chromium`,
			seed({ dataDir, log }) {
				const db = openDatabase(dataDir);
				const repo = new ChatRepository(db);
				// Older than what other sections seed, so it never crowds their first pages.
				const start = Date.parse('2024-06-01T00:00:00Z');
				db.$client.transaction(() => {
					ids.long = seedConversation(repo, 'A long markdown conversation', messages, start);
					ids.floor = seedConversation(repo, 'A short one', floorMessages, start);
					// Where the client-side navigations start from (as short as the floor).
					ids.other = seedConversation(repo, 'Another short one', floorMessages + 2, start);
				})();
				db.$client.pragma('wal_checkpoint(TRUNCATE)');
				db.$client.close();
				log(`seeded conversations of ${messages} and ${floorMessages} markdown messages`);
			},
			async run(ctx: BenchContext): Promise<BenchRow[]> {
				const executablePath = findChromium();
				if (!executablePath) {
					ctx.log('  no Chromium (CHROMIUM_PATH, /usr/bin/chromium or Playwright’s): skipped');
					return [{ what: 'skipped: no Chromium found', unit: '' }];
				}
				const browser = await chromium.launch({
					executablePath,
					headless: true,
					args: CHROMIUM_ARGS
				});
				const target = (id: string, count: number): Target => ({
					url: `${ctx.appUrl}/c/${id}`,
					path: `/c/${id}`,
					marker: marker(count)
				});
				const longChat = target(ids.long, messages);
				const floorChat = target(ids.floor, floorMessages);
				const otherChat = target(ids.other, floorMessages + 2);
				try {
					// One of each first: JIT, fonts and the server's caches warm for both.
					await run(browser, floorChat, otherChat, 0);
					await run(browser, longChat, otherChat, 0);
					const long: RunFigures[] = [];
					const floor: RunFigures[] = [];
					for (let i = 0; i < runs; i++) {
						// Alternate who goes first, so neither always meets a busier machine.
						for (const which of i % 2 ? ['long', 'floor'] : ['floor', 'long']) {
							const figures =
								which === 'long'
									? await run(browser, longChat, otherChat, i === 0 ? scrollScreens : 0)
									: await run(browser, floorChat, otherChat, 0);
							(which === 'long' ? long : floor).push(figures);
							ctx.log(
								`  ${which.padEnd(5)} run ${i + 1}: last message shown ${figures.loadMs.toFixed(0)} ms after the page load began, ` +
									`${figures.switchMs.toFixed(0)} ms after the link's click; ` +
									`${figures.nodes} DOM nodes, heap ${figures.heapMb.toFixed(1)} MB` +
									(figures.scrolledNodes
										? `; after scrolling up ${scrollScreens} × 1.5 screens (to ${figures.scrolledTo}) ${figures.scrolledNodes} nodes, heap ${figures.scrolledHeapMb.toFixed(1)} MB`
										: '')
							);
						}
					}
					const timing = (what: string, values: number[], goal?: number): BenchRow => {
						const t = summarize(values);
						return {
							what,
							unit: 'ms',
							n: t.n,
							p50: t.p50,
							p99: t.p99,
							...(goal === undefined
								? {}
								: { goal: `p50 ≤ ${goal} ms`, verdict: verdict(t.p50, goal) })
						};
					};
					const nodes = median(long.map((f) => f.nodes));
					const scrolled = long.find((f) => f.scrolledNodes) ?? long[0];
					return [
						timing(
							`${messages} messages: link click → last message shown`,
							long.map((f) => f.switchMs),
							300
						),
						timing(
							`${messages} messages: page load → last message shown`,
							long.map((f) => f.loadMs)
						),
						{
							what: `${messages} messages: DOM nodes`,
							unit: '',
							value: nodes,
							goal: '≤ 5,000',
							verdict: verdict(nodes, 5_000)
						},
						{
							what: `${messages} messages: JS heap (after GC)`,
							unit: 'MB',
							value: median(long.map((f) => f.heapMb))
						},
						{
							what: `${messages} messages, scrolled up ${scrollScreens} × 1.5 screens: DOM nodes`,
							unit: '',
							value: scrolled.scrolledNodes,
							goal: `≤ 5,000 (heap ${scrolled.scrolledHeapMb.toFixed(1)} MB)`,
							verdict: verdict(scrolled.scrolledNodes, 5_000)
						},
						timing(
							`floor, ${floorMessages} messages: link click → last message shown`,
							floor.map((f) => f.switchMs)
						),
						timing(
							`floor, ${floorMessages} messages: page load → last message shown`,
							floor.map((f) => f.loadMs)
						),
						{
							what: `floor, ${floorMessages} messages: DOM nodes`,
							unit: '',
							value: median(floor.map((f) => f.nodes))
						},
						{
							what: `floor, ${floorMessages} messages: JS heap (after GC)`,
							unit: 'MB',
							value: median(floor.map((f) => f.heapMb))
						}
					];
				} finally {
					await browser.close();
				}
			}
		}
	];
}

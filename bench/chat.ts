import { summarize } from './lib/stats';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';
import { gaps, isAppToken, isUpstreamToken, timeStream, type StreamTiming } from './lib/stream';

export interface ChatBenchOptions {
	/** Interleaved direct/app pairs for time-to-first-token. */
	pairs?: number;
	warmup?: number;
	/** Concurrent streams, tokens per stream, ms between tokens. */
	streams?: number;
	words?: number;
	paceMs?: number;
}

const direct = (ctx: BenchContext, content: string) =>
	timeStream(
		ctx.http,
		`${ctx.standinUrl}/chat/completions`,
		{ model: 'openai/gpt-4o', stream: true, messages: [{ role: 'user', content }] },
		isUpstreamToken,
		{
			authorization: `Bearer ${ctx.apiKey}`
		}
	);

const viaApp = (ctx: BenchContext, message: string) =>
	timeStream(ctx.http, `${ctx.appUrl}/api/chat`, { message }, isAppToken);

function expectTokens(timings: StreamTiming[], what: string) {
	const broken = timings.filter((t) => t.status !== 200 || t.tokenTimes.length === 0);
	if (broken.length)
		throw new Error(`${broken.length} ${what} streams failed (status ${broken[0].status})`);
}

/** (a) What `POST /api/chat` adds to the time to the first token, against the stand-in itself. */
function firstToken({ pairs = 1000, warmup = 50 }: ChatBenchOptions): BenchSection {
	return {
		name: 'chat: time to first token',
		async run(ctx) {
			const directTimes: number[] = [];
			const appTimes: number[] = [];
			let cpuBefore = 0;
			for (let i = -warmup; i < pairs; i++) {
				if (i === 0) cpuBefore = ctx.serverCpuMs();
				// Alternate who goes first, so neither side always meets a warmer cache.
				const order = i % 2 ? [direct, viaApp] : [viaApp, direct];
				const [first, second] = [
					await order[0](ctx, `ping ${i}`),
					await order[1](ctx, `ping ${i}`)
				];
				const [d, a] = order[0] === direct ? [first, second] : [second, first];
				expectTokens([d, a], 'first-token');
				if (i < 0) continue;
				directTimes.push(d.firstTokenMs);
				appTimes.push(a.firstTokenMs);
			}
			// CPU time is the steadier measure on a busy machine: wall-clock percentiles include waiting for a core.
			const cpuPerTurn = (ctx.serverCpuMs() - cpuBefore) / pairs;
			const d = summarize(directTimes);
			const a = summarize(appTimes);
			const added = { p50: a.p50 - d.p50, p99: a.p99 - d.p99 };
			return [
				{ what: 'stand-in directly', unit: 'ms', n: d.n, p50: d.p50, p99: d.p99 },
				{
					what: 'through POST /api/chat (CPU: the whole turn)',
					unit: 'ms',
					n: a.n,
					p50: a.p50,
					p99: a.p99,
					cpu: cpuPerTurn
				},
				{
					what: 'added by the app',
					unit: 'ms',
					p50: added.p50,
					p99: added.p99,
					goal: 'p50 ≤ 2 ms (must ≤ 5)',
					verdict: verdict(added.p50, 2, 5)
				}
			];
		}
	};
}

/** (b) Many streams at once: how much jitter the app adds between tokens, and its memory. */
function concurrentStreams({
	streams = 200,
	words = 100,
	paceMs = 20,
	rounds = 2
}: ChatBenchOptions & { rounds?: number }): BenchSection {
	const message = (i: number) =>
		`[[pace:${paceMs}]] ${Array.from({ length: words }, (_, w) => `s${i}w${w}`).join(' ')}`;
	const wave = (ctx: BenchContext, count: number, via: typeof direct) =>
		Promise.all(Array.from({ length: count }, (_, i) => via(ctx, message(i))));
	return {
		name: `chat: ${streams} concurrent streams`,
		async run(ctx) {
			// A small wave each first, then the two sides take turns, so neither meets a colder
			// stand-in or a machine that got busier in the meantime.
			await wave(ctx, Math.ceil(streams / 10), direct);
			await wave(ctx, Math.ceil(streams / 10), viaApp);
			const idleRss = ctx.serverRssMb();
			let peakRss = idleRss;
			const directTimings: StreamTiming[] = [];
			const appTimings: StreamTiming[] = [];
			const seconds = { direct: 0, app: 0 };
			for (let round = 0; round < rounds; round++) {
				let started = performance.now();
				directTimings.push(...(await wave(ctx, streams, direct)));
				seconds.direct += (performance.now() - started) / 1000 / rounds;
				const sampler = setInterval(() => (peakRss = Math.max(peakRss, ctx.serverRssMb())), 50);
				started = performance.now();
				appTimings.push(...(await wave(ctx, streams, viaApp)));
				seconds.app += (performance.now() - started) / 1000 / rounds;
				clearInterval(sampler);
			}
			expectTokens(directTimings, 'direct');
			expectTokens(appTimings, 'app');
			const expected = directTimings[0].tokenTimes.length;
			const complete = appTimings.filter((t) => t.tokenTimes.length === expected).length;

			const d = summarize(gaps(directTimings));
			const a = summarize(gaps(appTimings));
			const rows: BenchRow[] = [
				{
					what: `gap between tokens, stand-in directly (paced ${paceMs} ms)`,
					unit: 'ms',
					n: d.n,
					p50: d.p50,
					p99: d.p99
				},
				{
					what: 'gap between tokens, through POST /api/chat',
					unit: 'ms',
					n: a.n,
					p50: a.p50,
					p99: a.p99
				},
				{ what: 'added inter-chunk p99', unit: 'ms', value: a.p99 - d.p99 },
				{
					what: `streams complete through the app (${rounds} waves)`,
					unit: '',
					value: complete,
					goal: `${streams * rounds} of ${streams * rounds}`,
					verdict: complete === streams * rounds ? 'ok' : 'MISSED'
				},
				{ what: 'wall time of a wave, stand-in directly', unit: 's', value: seconds.direct },
				{ what: 'wall time of a wave, through the app', unit: 's', value: seconds.app },
				{ what: 'server RSS before the waves', unit: 'MB', value: idleRss },
				{ what: `server RSS peak with ${streams} streams`, unit: 'MB', value: peakRss }
			];
			return rows;
		}
	};
}

export function chatBench(options: ChatBenchOptions = {}): BenchSection[] {
	return [firstToken(options), concurrentStreams(options)];
}

import { summarize } from './lib/stats';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';
import {
	gaps,
	isAiSdkToken,
	isAppToken,
	isUpstreamToken,
	timeStream,
	type StreamTiming
} from './lib/stream';

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

/** The bare Vercel AI SDK route on the same stand-in (bench/lib/ai-sdk-peer.ts). */
const viaPeer = (ctx: BenchContext, message: string) =>
	timeStream(ctx.http, `${ctx.peerUrl}/api/chat`, { message }, isAiSdkToken);

/** The bare relay (bench/lib/relay-floor.ts): the stand-in's own events, passed through. */
const viaFloor = (ctx: BenchContext, message: string) =>
	timeStream(ctx.http, `${ctx.floorUrl}/api/chat`, { message }, isUpstreamToken);

/** The same relay as the only route of a bare SvelteKit app (bench/sveltekit-floor). */
const viaKitFloor = (ctx: BenchContext, message: string) =>
	timeStream(ctx.http, `${ctx.kitFloorUrl}/api/chat`, { message }, isUpstreamToken);

type Side = typeof direct;

function expectTokens(timings: StreamTiming[], what: string) {
	const broken = timings.filter((t) => t.status !== 200 || t.tokenTimes.length === 0);
	if (broken.length)
		throw new Error(
			`${broken.length} ${what} streams failed (status ${broken[0].status}${broken[0].errors.length ? `: ${broken[0].errors[0]}` : ''})`
		);
}

/**
 * (a) What `POST /api/chat` adds to the time to the first token, against the stand-in itself, with
 * the AI SDK route as the peer in the same run.
 */
function firstToken({ pairs = 1000, warmup = 50 }: ChatBenchOptions): BenchSection {
	return {
		name: 'chat: time to first token',
		async run(ctx) {
			const sides: Side[] = [direct, viaApp, viaPeer, viaFloor, viaKitFloor];
			const times = new Map<Side, number[]>(sides.map((side) => [side, []]));
			let cpuBefore = { app: 0, peer: 0, floor: 0, kitFloor: 0 };
			for (let i = -warmup; i < pairs; i++) {
				if (i === 0)
					cpuBefore = {
						app: ctx.serverCpuMs(),
						peer: ctx.peerCpuMs(),
						floor: ctx.floorCpuMs(),
						kitFloor: ctx.kitFloorCpuMs()
					};
				// Rotate who goes first, so no side always meets a warmer cache.
				for (let k = 0; k < sides.length; k++) {
					const side = sides[(i + warmup + k) % sides.length];
					const timing = await side(ctx, `ping ${i}`);
					expectTokens([timing], 'first-token');
					if (i >= 0) times.get(side)!.push(timing.firstTokenMs);
				}
			}
			// CPU time is the steadier measure on a busy machine: wall-clock percentiles include waiting for a core.
			const cpu = {
				app: (ctx.serverCpuMs() - cpuBefore.app) / pairs,
				peer: (ctx.peerCpuMs() - cpuBefore.peer) / pairs,
				floor: (ctx.floorCpuMs() - cpuBefore.floor) / pairs,
				kitFloor: (ctx.kitFloorCpuMs() - cpuBefore.kitFloor) / pairs
			};
			const d = summarize(times.get(direct)!);
			const a = summarize(times.get(viaApp)!);
			const p = summarize(times.get(viaPeer)!);
			const f = summarize(times.get(viaFloor)!);
			const k = summarize(times.get(viaKitFloor)!);
			const added = { p50: a.p50 - d.p50, p99: a.p99 - d.p99 };
			const peerAdded = { p50: p.p50 - d.p50, p99: p.p99 - d.p99 };
			return [
				{ what: 'stand-in directly', unit: 'ms', n: d.n, p50: d.p50, p99: d.p99 },
				{
					what: 'through POST /api/chat (CPU: the whole turn)',
					unit: 'ms',
					n: a.n,
					p50: a.p50,
					p99: a.p99,
					cpu: cpu.app
				},
				{
					what: 'through the AI SDK route (peer; CPU: the whole turn)',
					unit: 'ms',
					n: p.n,
					p50: p.p50,
					p99: p.p99,
					cpu: cpu.peer
				},
				{
					what: 'through a bare Node relay (floor; CPU: the whole turn)',
					unit: 'ms',
					n: f.n,
					p50: f.p50,
					p99: f.p99,
					cpu: cpu.floor
				},
				{
					what: 'through the bare relay as a SvelteKit route (SvelteKit floor; CPU: the whole turn)',
					unit: 'ms',
					n: k.n,
					p50: k.p50,
					p99: k.p99,
					cpu: cpu.kitFloor
				},
				{
					what: 'added by the bare relay (floor)',
					unit: 'ms',
					p50: f.p50 - d.p50,
					p99: f.p99 - d.p99
				},
				{
					what: 'added by the SvelteKit floor',
					unit: 'ms',
					p50: k.p50 - d.p50,
					p99: k.p99 - d.p99
				},
				{
					what: 'added by the AI SDK route',
					unit: 'ms',
					p50: peerAdded.p50,
					p99: peerAdded.p99
				},
				{
					what: 'added by the app',
					unit: 'ms',
					p50: added.p50,
					p99: added.p99,
					goal: `p50 ≤ 2 ms and < the peer's (${peerAdded.p50.toFixed(2)} ms)`,
					verdict:
						added.p50 <= 2 && added.p50 < peerAdded.p50
							? 'ok'
							: added.p50 <= 5
								? 'over goal'
								: 'MISSED'
				}
			];
		}
	};
}

/**
 * (b) Many streams at once: how much longer a wave takes through the app than from the stand-in
 * directly, the jitter it adds between tokens, and its memory; the AI SDK route as the peer.
 */
function concurrentStreams({
	streams = 200,
	words = 100,
	paceMs = 20,
	rounds = 2
}: ChatBenchOptions & { rounds?: number }): BenchSection {
	const message = (i: number) =>
		`[[pace:${paceMs}]] ${Array.from({ length: words }, (_, w) => `s${i}w${w}`).join(' ')}`;
	const wave = (ctx: BenchContext, count: number, via: Side) =>
		Promise.all(Array.from({ length: count }, (_, i) => via(ctx, message(i))));
	return {
		name: `chat: ${streams} concurrent streams`,
		async run(ctx) {
			const sides = [
				{ via: direct, label: 'stand-in directly' },
				{ via: viaApp, label: 'through POST /api/chat' },
				{ via: viaPeer, label: 'through the AI SDK route (peer)' },
				{ via: viaFloor, label: 'through a bare Node relay (floor)' },
				{ via: viaKitFloor, label: 'through the SvelteKit floor' }
			].map((side) => ({ ...side, timings: [] as StreamTiming[], seconds: 0, cpuMs: 0 }));
			const cpuOf = (via: Side) =>
				via === viaApp
					? ctx.serverCpuMs()
					: via === viaPeer
						? ctx.peerCpuMs()
						: via === viaFloor
							? ctx.floorCpuMs()
							: via === viaKitFloor
								? ctx.kitFloorCpuMs()
								: NaN;
			// A small wave each first, then the sides take turns, so none meets a colder stand-in
			// or a machine that got busier in the meantime.
			for (const side of sides) await wave(ctx, Math.ceil(streams / 10), side.via);
			const idleRss = ctx.serverRssMb();
			let peakRss = idleRss;
			for (let round = 0; round < rounds; round++) {
				for (const side of sides) {
					const sampler =
						side.via === viaApp
							? setInterval(() => (peakRss = Math.max(peakRss, ctx.serverRssMb())), 50)
							: undefined;
					const started = performance.now();
					const cpuBefore = cpuOf(side.via);
					try {
						side.timings.push(...(await wave(ctx, streams, side.via)));
					} finally {
						clearInterval(sampler);
					}
					side.seconds += (performance.now() - started) / 1000 / rounds;
					side.cpuMs += (cpuOf(side.via) - cpuBefore) / (streams * rounds);
				}
			}
			// The stand-in must work; a stream the app (or a peer) lost is a result, reported below.
			expectTokens(sides[0].timings, sides[0].label);
			for (const side of sides.slice(1)) {
				const lost = side.timings.filter((t) => t.status !== 200 || t.tokenTimes.length === 0);
				if (lost.length)
					ctx.log(
						`${lost.length} streams ${side.label} failed: ${lost[0].errors[0] ?? lost[0].status}`
					);
			}
			const [d, a, p, f, k] = sides;
			const expected = d.timings[0].tokenTimes.length;
			const complete = a.timings.filter((t) => t.tokenTimes.length === expected).length;

			const gap = sides.map((side) => summarize(gaps(side.timings)));
			const ratio = a.seconds / d.seconds;
			const addedP99 = gap[1].p99 - gap[0].p99;
			const rows: BenchRow[] = [
				...sides.map((side, i): BenchRow => ({
					what: `gap between tokens, ${side.label}${i === 0 ? ` (paced ${paceMs} ms)` : ''}`,
					unit: 'ms',
					n: gap[i].n,
					p50: gap[i].p50,
					p99: gap[i].p99
				})),
				{
					what: 'added inter-chunk p99 by the app',
					unit: 'ms',
					value: addedP99,
					goal: '≤ 20 ms',
					verdict: verdict(addedP99, 20, 40)
				},
				{ what: 'added inter-chunk p99 by the peer', unit: 'ms', value: gap[2].p99 - gap[0].p99 },
				{ what: 'added inter-chunk p99 by the floor', unit: 'ms', value: gap[3].p99 - gap[0].p99 },
				{
					what: 'added inter-chunk p99 by the SvelteKit floor',
					unit: 'ms',
					value: gap[4].p99 - gap[0].p99
				},
				{
					what: `streams complete through the app (${rounds} waves)`,
					unit: '',
					value: complete,
					goal: `${streams * rounds} of ${streams * rounds}`,
					verdict: complete === streams * rounds ? 'ok' : 'MISSED'
				},
				...sides.map((side): BenchRow => ({
					what: `wall time of a wave, ${side.label}${Number.isNaN(side.cpuMs) ? '' : ' (CPU: per stream)'}`,
					unit: 's',
					value: side.seconds,
					...(Number.isNaN(side.cpuMs) ? {} : { cpu: side.cpuMs })
				})),
				{
					what: 'wave through the app / stand-in directly',
					unit: '',
					value: ratio,
					goal: '≤ 1.5×',
					verdict: verdict(ratio, 1.5, 2)
				},
				{
					what: 'wave through the peer / stand-in directly',
					unit: '',
					value: p.seconds / d.seconds
				},
				{
					what: 'wave through the floor / stand-in directly',
					unit: '',
					value: f.seconds / d.seconds
				},
				{
					what: 'wave through the SvelteKit floor / stand-in directly',
					unit: '',
					value: k.seconds / d.seconds
				},
				{ what: 'server RSS before the waves', unit: 'MB', value: idleRss },
				{
					what: `server RSS peak with ${streams} streams`,
					unit: 'MB',
					value: peakRss,
					...(streams >= 500 ? { goal: '≤ 300 MB', verdict: verdict(peakRss, 300, 400) } : {})
				}
			];
			return rows;
		}
	};
}

/**
 * (c) One long reply (a 34 kB markdown answer in `chunks` chunks): the server CPU it costs the app,
 * which stores it as it streams (a checkpoint a second, then the finished row and its search
 * index), against the SvelteKit floor, which only passes it on.
 */
function longReply({ chunks = 6_000, paceMs = 2, runs = 3 }: LongReplyOptions): BenchSection {
	const message = `[[pace:${paceMs}]] [[long-markdown:${chunks}]]`;
	return {
		name: `chat: one reply of ${chunks} chunks`,
		async run(ctx) {
			const sides = [
				{ via: viaApp, cpu: ctx.serverCpuMs, label: 'through POST /api/chat' },
				{ via: viaKitFloor, cpu: ctx.kitFloorCpuMs, label: 'through the SvelteKit floor' }
			].map((side) => ({ ...side, cpuMs: [] as number[], seconds: [] as number[] }));
			for (let run = 0; run < runs; run++) {
				for (const side of sides) {
					const before = side.cpu();
					const started = performance.now();
					const timing = await side.via(ctx, message);
					expectTokens([timing], side.label);
					side.seconds.push((performance.now() - started) / 1000);
					side.cpuMs.push(side.cpu() - before);
				}
			}
			const [app, floor] = sides.map((side) => ({
				cpu: summarize(side.cpuMs).p50,
				seconds: summarize(side.seconds).p50
			}));
			return [
				...sides.map((side, i): BenchRow => ({
					what: `server CPU for the reply, ${side.label} (of ${[app, floor][i].seconds.toFixed(1)} s)`,
					unit: 'ms',
					n: runs,
					value: [app, floor][i].cpu
				})),
				{ what: 'app / SvelteKit floor', unit: '', value: app.cpu / floor.cpu }
			];
		}
	};
}

interface LongReplyOptions {
	chunks?: number;
	paceMs?: number;
	runs?: number;
}

/** `streams`: one section per count (default 200 and 500). */
export function chatBench(
	options: Omit<ChatBenchOptions, 'streams'> & {
		streams?: number | number[];
		longReply?: LongReplyOptions;
	} = {}
): BenchSection[] {
	const { streams: count, longReply: long, ...rest } = options;
	const counts = [count ?? [200, 500]].flat();
	return [
		firstToken(rest),
		...counts.map((streams) => concurrentStreams({ ...rest, streams })),
		longReply(long ?? {})
	];
}

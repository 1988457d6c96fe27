/**
 * `npm run bench [-- [--quick] [section filter…]]`: starts the OpenRouter stand-in and the built
 * app (`node build`) against it, with a temp DATA_DIR seeded by the sections, and prints one
 * table of medians, p99s and goals. Not a test: it always exits 0 unless something breaks.
 *
 * Sections live in their own modules (bench/chat.ts, sessions.ts, mcp.ts, attachments.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'undici';
import { benchAttachments } from './attachments';
import { browserBench } from './browser';
import { chatBench } from './chat';
import { firstLoadBench } from './first-load';
import { mcpBench } from './mcp';
import { redactionBench } from './redaction';
import { sessionsBench } from './sessions';
import { treeBench } from './tree';
import { voiceBench } from './voice';
import {
	cpuMs,
	ensureBuild,
	freePort,
	printTable,
	root,
	rssMb,
	startApp,
	startAiSdkPeer,
	startFloorRelay,
	startSvelteKitFloor,
	startStandin,
	verdict,
	type BenchContext,
	type BenchRow,
	type BenchSection
} from './lib/harness';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((arg) => !arg.startsWith('--'));

const sections: BenchSection[] = [
	...chatBench(
		quick
			? { pairs: 200, warmup: 20, streams: 50, words: 40, longReply: { chunks: 2_000, runs: 1 } }
			: {}
	),
	...sessionsBench(quick ? { longMessages: 5_000, sessions: 2_000, runs: 20 } : {}),
	...mcpBench(quick ? { calls: 200, warmup: 20, starts: 3 } : {}),
	...redactionBench(quick ? { runs: 3 } : {}),
	...treeBench(quick ? { runs: 10 } : {}),
	...browserBench(quick ? { chunks: 2_000, runs: 1 } : {}),
	...voiceBench(quick ? { runs: 5 } : {}),
	...firstLoadBench(),
	...(await import('./long-chat')).longChatBench(quick ? { runs: 3, scrollScreens: 20 } : {})
].filter(
	(section) => filters.length === 0 || filters.some((filter) => section.name.includes(filter))
);

const log = (message: string) => console.log(`[bench] ${message}`);
/** Timings on a busy machine mean little; say how busy it was. */
const machine = () =>
	`${cpus().length} CPUs, load average ${loadavg()
		.map((load) => load.toFixed(2))
		.join(' ')}`;
const API_KEY = 'sk-or-v1-bench-not-a-real-key';

const buildDir = path.resolve(root, process.env.SB_BUILD_DIR ?? 'build');
ensureBuild(buildDir, log);
log(`machine before: ${machine()}`);

const stateDir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-'));
const dataDir = path.join(stateDir, 'data');
const logDir = path.join(stateDir, 'logs');
const stops: (() => Promise<void>)[] = [];

try {
	for (const section of sections) await section.seed?.({ dataDir, log });
	const seeded = sections.some((section) => section.seed);

	const standin = await startStandin();
	stops.push(standin.stop);
	const peer = await startAiSdkPeer(standin.url, API_KEY);
	stops.unshift(peer.stop);
	const floor = await startFloorRelay(standin.url, API_KEY);
	stops.unshift(floor.stop);
	const kitFloor = await startSvelteKitFloor(standin.url, API_KEY, log);
	stops.unshift(kitFloor.stop);
	const port = await freePort();
	const app = await startApp(buildDir, {
		HOST: '127.0.0.1',
		PORT: String(port),
		ORIGIN: `http://127.0.0.1:${port}`,
		BODY_SIZE_LIMIT: '25M',
		DATA_DIR: dataDir,
		LOG_DIR: logDir,
		OPENROUTER_API_KEY: API_KEY,
		OPENROUTER_BASE_URL: standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
		// The stream cap (256 by default) would refuse part of the 500-stream wave with 429.
		CHAT_MAX_STREAMS: '1000'
	});
	stops.unshift(app.stop);
	log(
		`app ${app.url} (pid ${app.pid}, ${path.relative(root, buildDir)}), stand-in ${standin.url}, AI SDK peer ${peer.url}, floor relay ${floor.url}, SvelteKit floor ${kitFloor.url}, data in ${stateDir}`
	);

	const http = new Agent({ keepAliveTimeout: 30_000, connections: null });
	stops.unshift(() => http.close());
	const ctx: BenchContext = {
		appUrl: app.url,
		standinUrl: standin.url,
		peerUrl: peer.url,
		floorUrl: floor.url,
		kitFloorUrl: kitFloor.url,
		apiKey: API_KEY,
		http,
		serverRssMb: () => rssMb(app.pid),
		serverCpuMs: () => cpuMs(app.pid),
		peerCpuMs: () => cpuMs(peer.pid),
		peerRssMb: () => rssMb(peer.pid),
		floorCpuMs: () => cpuMs(floor.pid),
		kitFloorCpuMs: () => cpuMs(kitFloor.pid),
		log
	};

	const results: { section: string; rows: BenchRow[] }[] = [
		{
			section: 'server',
			rows: [
				{
					what: `start: node build to /api/health answering (${seeded ? 'seeded data' : 'empty data'})`,
					unit: 'ms',
					value: app.startupMs
				},
				{
					what: 'RSS idle (after start-up settled, before any request)',
					unit: 'MB',
					value: app.idleRssMb,
					goal: '≤ 120 MB',
					verdict: verdict(app.idleRssMb, 120, 150)
				}
			]
		}
	];
	for (const section of sections) {
		log(`running ${section.name}…`);
		const started = performance.now();
		results.push({ section: section.name, rows: await section.run(ctx) });
		log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
	}
	// Uploads need their own apps (local disk and GCS), so that section starts them itself.
	if (filters.length === 0 || filters.some((filter) => 'attachments'.includes(filter))) {
		log('running attachments (its own apps)…');
		try {
			results.push(
				...(await benchAttachments(quick ? { runs: 5, warmup: 1, concurrent: 20 } : {}))
			);
		} catch (error) {
			// One broken section must not cost the table of the others.
			log(`attachments failed: ${(error as Error).message}`);
		}
	}
	log(`machine after: ${machine()}`);
	printTable(results);
	const missed = results.flatMap((r) =>
		r.rows
			.filter((row) => row.verdict && row.verdict !== 'ok')
			.map((row) => `${r.section} › ${row.what}: ${row.verdict}`)
	);
	console.log(missed.length ? `Goals not met:\n  ${missed.join('\n  ')}` : 'Every goal met.');
} finally {
	for (const stop of stops) await stop().catch(() => {});
	if (!process.env.BENCH_KEEP) rmSync(stateDir, { recursive: true, force: true });
}

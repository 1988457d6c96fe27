import { spawn, execSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Agent } from 'undici';

/** One line of the results table. Timings in ms; `value` for single numbers (RSS, sizes). */
export interface BenchRow {
	what: string;
	unit: 'ms' | 'MB' | 'KB' | 's' | '';
	n?: number;
	p50?: number;
	p99?: number;
	value?: number;
	/**
	 * Server CPU time per request in ms (from /proc): steadier than wall-clock percentiles on a
	 * busy machine, where those include waiting for a core.
	 */
	cpu?: number;
	/** Human text of the goal, e.g. "p50 ≤ 2 ms (must ≤ 5)". */
	goal?: string;
	/** Whether the goal is met: 'ok', 'over goal' (within the hard limit) or 'MISSED'. */
	verdict?: 'ok' | 'over goal' | 'MISSED';
}

/** What a section may do before the server starts: write data straight into DATA_DIR. */
export interface SeedContext {
	dataDir: string;
	log(message: string): void;
}

/** What a section gets while the server runs. */
export interface BenchContext {
	/** The app under test (`node build`), e.g. http://127.0.0.1:4310. */
	appUrl: string;
	/** The OpenRouter stand-in the app talks to (…/api/v1), tokenDelayMs 0; `[[pace:MS]]` slows one answer. */
	standinUrl: string;
	/** The Vercel AI SDK route on the same stand-in (bench/lib/ai-sdk-peer.ts): `POST /api/chat`. */
	peerUrl: string;
	/** The bare Node relay (bench/lib/relay-floor.ts): the stand-in's bytes passed through. */
	floorUrl: string;
	/** The same relay as the one route of a bare SvelteKit app (bench/sveltekit-floor). */
	kitFloorUrl: string;
	apiKey: string;
	/** Keep-alive client for both (no connection limit per origin). */
	http: Agent;
	/** The server's resident memory now, from /proc/<pid>/status VmRSS. */
	serverRssMb(): number;
	/** CPU time the server has used so far (user + system, /proc/<pid>/stat), in ms. */
	serverCpuMs(): number;
	/** The same for the AI SDK peer. */
	peerCpuMs(): number;
	peerRssMb(): number;
	floorCpuMs(): number;
	kitFloorCpuMs(): number;
	log(message: string): void;
}

/**
 * A part of `npm run bench`. Add one (MCP, uploads…) by writing a module that returns sections
 * and listing it in bench/run.ts.
 */
export interface BenchSection {
	name: string;
	seed?(ctx: SeedContext): Promise<void> | void;
	run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** ok / over goal / MISSED for a value against a goal and an optional hard limit (lower is better). */
export function verdict(value: number, goal: number, limit = goal): BenchRow['verdict'] {
	if (value <= goal) return 'ok';
	return value <= limit ? 'over goal' : 'MISSED';
}

export const root = path.resolve(import.meta.dirname, '../..');

function newestMtime(dir: string): number {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
	}
	return newest;
}

/** Builds the app when its build folder is missing; warns when the sources are newer than it. */
export function ensureBuild(buildDir: string, log: (message: string) => void): void {
	const entry = path.join(buildDir, 'index.js');
	if (!existsSync(entry)) {
		log(`no build in ${path.relative(root, buildDir) || '.'}: running npx vite build…`);
		execSync('npx vite build', {
			cwd: root,
			stdio: 'inherit',
			env: { ...process.env, SB_BUILD_DIR: buildDir }
		});
		return;
	}
	if (newestMtime(path.join(root, 'src')) > statSync(entry).mtimeMs) {
		log(
			`warning: src/ is newer than ${path.relative(root, entry)}; the numbers are for the old build (npm run build to refresh)`
		);
	}
}

/** A free port in 4300-4399 (BENCH_PORT wins). */
export async function freePort(from = 4310, to = 4399): Promise<number> {
	if (process.env.BENCH_PORT) return Number(process.env.BENCH_PORT);
	for (let port = from; port <= to; port++) {
		const free = await new Promise<boolean>((resolve) => {
			const server = createServer()
				.once('error', () => resolve(false))
				.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
		});
		if (free) return port;
	}
	throw new Error(`no free port in ${from}-${to}`);
}

export interface Child {
	process: ChildProcess;
	output(): string;
	stop(): Promise<void>;
}

function spawnChild(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
	const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout!.on('data', (chunk) => (output += chunk));
	child.stderr!.on('data', (chunk) => (output += chunk));
	return {
		process: child,
		output: () => output,
		stop: () =>
			new Promise<void>((resolve) => {
				if (child.exitCode !== null || child.signalCode !== null) return resolve();
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
				setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
			})
	};
}

/** The OpenRouter stand-in in its own process, so its work does not disturb the timings here. */
export function startStandin(): Promise<Child & { url: string; pid: number }> {
	return startScript('bench/lib/standin-process.ts', [], 'the stand-in');
}

/**
 * The Vercel AI SDK route (bench/lib/ai-sdk-peer.ts) in its own process, relaying the same
 * stand-in: the peer the app's added latency is compared with.
 */
export function startAiSdkPeer(
	standinUrl: string,
	apiKey: string
): Promise<Child & { url: string; pid: number }> {
	return startScript('bench/lib/ai-sdk-peer.ts', [standinUrl, apiKey], 'the AI SDK peer');
}

/**
 * The floor (bench/lib/relay-floor.ts): node:http in, an undici Pool out, the stand-in's SSE bytes
 * passed through untouched. What any Node relay costs at least.
 */
export function startFloorRelay(
	standinUrl: string,
	apiKey: string
): Promise<Child & { url: string; pid: number }> {
	return startScript('bench/lib/relay-floor.ts', [standinUrl, apiKey], 'the floor relay');
}

const kitFloorDir = path.join(root, 'bench/sveltekit-floor');

/**
 * The SvelteKit floor (bench/sveltekit-floor): the floor relay as the only route of a SvelteKit app
 * built with the app's versions of SvelteKit and adapter-node, without hooks. What the framework
 * adds per request, which no app built on it can avoid. Built on first use (about 15 s).
 */
export async function startSvelteKitFloor(
	standinUrl: string,
	apiKey: string,
	log: (message: string) => void
): Promise<Child & { url: string; pid: number }> {
	const entry = path.join(kitFloorDir, 'build/index.js');
	if (!existsSync(entry) || newestMtime(path.join(kitFloorDir, 'src')) > statSync(entry).mtimeMs) {
		log('building the SvelteKit floor (bench/sveltekit-floor)…');
		execSync('npx vite build', { cwd: kitFloorDir, stdio: 'inherit' });
	}
	const port = await freePort(4400, 4499);
	const child = spawnChild(process.execPath, [path.join(kitFloorDir, 'build')], {
		...process.env,
		HOST: '127.0.0.1',
		PORT: String(port),
		FLOOR_UPSTREAM: standinUrl,
		FLOOR_API_KEY: apiKey
	});
	const url = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + 30_000;
	for (;;) {
		if (child.process.exitCode !== null)
			throw new Error(`the SvelteKit floor exited:\n${child.output()}`);
		// Any answer (its only route is a POST) means it listens.
		if (
			await fetch(url).then(
				() => true,
				() => false
			)
		)
			break;
		if (Date.now() > deadline)
			throw new Error(`the SvelteKit floor did not start:\n${child.output()}`);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	return { ...child, url, pid: child.process.pid! };
}

/** A bench script run with tsx that prints `ready <url>` once it listens. */
async function startScript(
	script: string,
	args: string[],
	what: string
): Promise<Child & { url: string; pid: number }> {
	const child = spawnChild(
		process.execPath,
		['--import', 'tsx', path.join(root, script), ...args],
		process.env
	);
	const url = await new Promise<string>((resolve, reject) => {
		const timer = setTimeout(
			() => reject(new Error(`${what} did not start:\n${child.output()}`)),
			30_000
		);
		child.process.stdout!.on('data', () => {
			const match = /^ready (\S+)$/m.exec(child.output());
			if (match) {
				clearTimeout(timer);
				resolve(match[1]);
			}
		});
		child.process.once('exit', (code) =>
			reject(new Error(`${what} exited (${code}):\n${child.output()}`))
		);
	});
	return { ...child, url, pid: child.process.pid! };
}

/**
 * `node build` with the given environment; resolves once /api/health answers.
 * BENCH_NODE_ARGS adds node flags for the app only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
export async function startApp(
	buildDir: string,
	env: Record<string, string>
): Promise<Child & { url: string; pid: number; startupMs: number; idleRssMb: number }> {
	const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
	const spawned = performance.now();
	const child = spawnChild(process.execPath, [...nodeArgs, buildDir], { ...process.env, ...env });
	const url = `http://${env.HOST}:${env.PORT}`;
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (child.process.exitCode !== null)
			throw new Error(`the app exited (${child.process.exitCode}):\n${child.output()}`);
		try {
			const response = await fetch(`${url}/api/health`);
			if (response.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline)
			throw new Error(`the app did not answer /api/health within 60 s:\n${child.output()}`);
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	const startupMs = performance.now() - spawned;
	// Idle means after the work start-up leaves for later (MCP connections, warm-ups on timers).
	await new Promise((resolve) => setTimeout(resolve, 5_000));
	await settle(child.process.pid!);
	const idleRssMb = rssMb(child.process.pid!);
	return { ...child, url, pid: child.process.pid!, startupMs, idleRssMb };
}

/**
 * Waits until the server has done its start-up work in the background (MCP servers connecting,
 * the calculator's worker loading mathjs…): measuring while it runs would charge it to requests.
 */
async function settle(
	pid: number,
	{ idleShare = 0.05, windowMs = 500, maxMs = 30_000 } = {}
): Promise<void> {
	const deadline = Date.now() + maxMs;
	while (Date.now() < deadline) {
		const before = cpuMs(pid);
		await new Promise((resolve) => setTimeout(resolve, windowMs));
		if (cpuMs(pid) - before <= windowMs * idleShare) return;
	}
}

export function cpuMs(pid: number): number {
	// Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
	const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
	return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** NaN once the process is gone (a sampler may tick after it exited). */
export function rssMb(pid: number): number {
	let status: string;
	try {
		status = readFileSync(`/proc/${pid}/status`, 'utf8');
	} catch {
		return NaN;
	}
	const kb = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN);
	return kb / 1024;
}

/** Prints the rows of every section as one table. */
export function printTable(results: { section: string; rows: BenchRow[] }[]): void {
	const format = (value: number | undefined, unit: string) =>
		value === undefined || Number.isNaN(value)
			? ''
			: `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${unit}`.trim();
	const header = [
		'section',
		'measurement',
		'n',
		'p50',
		'p99',
		'CPU/req',
		'value',
		'goal',
		'result'
	];
	const lines = results.flatMap(({ section, rows }) =>
		rows.map((row, index) => [
			index === 0 ? section : '',
			row.what,
			row.n === undefined ? '' : String(row.n),
			format(row.p50, row.unit),
			format(row.p99, row.unit),
			format(row.cpu, 'ms'),
			format(row.value, row.unit),
			row.goal ?? '',
			row.verdict ?? ''
		])
	);
	const widths = header.map((title, column) =>
		Math.max(title.length, ...lines.map((line) => line[column].length))
	);
	const render = (cells: string[]) =>
		cells
			.map((cell, column) =>
				column >= 2 && column <= 6 ? cell.padStart(widths[column]) : cell.padEnd(widths[column])
			)
			.join('  ');
	console.log('');
	console.log(render(header));
	console.log(widths.map((width) => '─'.repeat(width)).join('  '));
	let previous = '';
	for (const line of lines) {
		if (line[0] && previous) console.log('');
		previous = line[0] || previous;
		console.log(render(line));
	}
	console.log('');
}

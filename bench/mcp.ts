/**
 * MCP numbers (issue 3): calculator call latency in-process and over stdio, and how long the first
 * chat takes while 20 servers are still connecting. In-process (no app build needed):
 *   npx tsx bench/mcp.ts [--quick]      or as sections of `npm run bench` (mcpBench()).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { McpServerConfig } from '$lib/api/mcp';
import { loadConfig } from '$lib/server/config';
import { silentLogger } from '$lib/server/log';
import { McpAggregator } from '$lib/server/mcp/aggregator';
import { calculatorServer } from '$lib/server/mcp/builtin/calculator';
import { BuiltinRegistry } from '$lib/server/mcp/builtin/registry';
import { createMcpConfigStore } from '$lib/server/mcp/config-store';
import { createServices } from '$lib/server/services';
import { printTable, root, verdict, type BenchRow, type BenchSection } from './lib/harness';
import { summarize, timeRuns } from './lib/stats';

export interface McpBenchOptions {
	calls?: number;
	warmup?: number;
	/** Fresh app instances for the first-chat measurement. */
	starts?: number;
	connecting?: number;
}

const support = path.join(root, 'tests/support/mcp');
const tempDir = () => mkdtempSync(path.join(tmpdir(), 'switchboard-bench-mcp-'));

async function withAggregator<T>(
	configs: McpServerConfig[],
	work: (aggregator: McpAggregator) => Promise<T>
): Promise<T> {
	const dir = tempDir();
	const builtins = new BuiltinRegistry([calculatorServer()]);
	const store = createMcpConfigStore(dir, builtins);
	await store.write(configs);
	const aggregator = new McpAggregator({
		store,
		builtins,
		log: silentLogger,
		timings: { initTimeoutMs: 60_000 }
	});
	try {
		await aggregator.start();
		await aggregator.settled();
		return await work(aggregator);
	} finally {
		await aggregator.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

function calculatorLatency(
	label: string,
	config: McpServerConfig,
	goalMs: number,
	{ calls = 1000, warmup = 50 }: McpBenchOptions
): BenchSection {
	return {
		name: `mcp: calculator ${label}`,
		async run() {
			return withAggregator([config], async (aggregator) => {
				const name = `${config.id}__evaluate`;
				const status = (await aggregator.listServers())[0];
				if (status.status !== 'connected')
					throw new Error(`${config.id} did not connect: ${status.error}`);
				let n = 0;
				const call = async () => {
					const outcome = await aggregator.callTool(name, { expression: `${n++ % 97} + 3 * 4` });
					if (outcome.isError) throw new Error(outcome.content);
				};
				const times = await timeRuns(call, { runs: calls, warmup });
				const s = summarize(times);
				return [
					{
						what: `${calls} evaluate calls`,
						unit: 'ms',
						n: s.n,
						p50: s.p50,
						p99: s.p99,
						goal: `p50 ≤ ${goalMs} ms`,
						verdict: verdict(s.p50, goalMs)
					} satisfies BenchRow
				];
			});
		}
	};
}

/**
 * One app start (createServices, then start()) to the end of its first chat turn on the offline
 * demo model, sent as soon as the built-in servers are up, while `extraServers` never finish
 * `initialize`.
 */
async function firstChatMs(
	extraServers: number
): Promise<{ readyMs: number; doneMs: number; connecting: number }> {
	const dir = tempDir();
	const dataDir = path.join(dir, 'data');
	mkdirSync(dataDir, { recursive: true });
	const hanging = Array.from({ length: extraServers }, (_, i): McpServerConfig => ({
		id: `slow_${i}`,
		enabled: true,
		transport: 'stdio',
		command: process.execPath,
		args: [path.join(support, 'hang-initialize.mjs')]
	}));
	const builtins: McpServerConfig[] = ['calculator', 'housekeeping'].map((id) => ({
		id,
		enabled: true,
		transport: 'builtin'
	}));
	writeFileSync(path.join(dataDir, 'mcp_servers.json'), JSON.stringify([...builtins, ...hanging]));
	const started = performance.now();
	const services = createServices(
		loadConfig({ DATA_DIR: dataDir, LOG_DIR: path.join(dir, 'logs') }),
		{ log: silentLogger, demoTokenDelayMs: 0 }
	);
	services.start();
	try {
		while (services.mcp.counts().connected < builtins.length)
			await new Promise((resolve) => setTimeout(resolve, 1));
		const readyMs = performance.now() - started;
		const turn = await services.chat.start({ message: 'hello there', modelId: 'switchboard/demo' });
		for await (const event of turn.events()) {
			if (event.event === 'error') throw new Error(event.data.message);
		}
		const doneMs = performance.now() - started;
		const connecting = (await services.mcp.listServers()).filter(
			(server) => server.status === 'connecting'
		).length;
		return { readyMs, doneMs, connecting };
	} finally {
		await services.close();
		rmSync(dir, { recursive: true, force: true });
	}
}

function firstChat({ starts = 7, connecting = 20 }: McpBenchOptions): BenchSection {
	return {
		name: `mcp: first chat, ${connecting} servers connecting`,
		async run() {
			await firstChatMs(0); // loads modules once, outside the numbers
			const ready: number[] = [];
			const baseline: number[] = [];
			const loaded: number[] = [];
			let stillConnecting = Infinity;
			for (let i = 0; i < starts; i++) {
				baseline.push((await firstChatMs(0)).doneMs);
				const run = await firstChatMs(connecting);
				ready.push(run.readyMs);
				loaded.push(run.doneMs);
				stillConnecting = Math.min(stillConnecting, run.connecting);
			}
			const r = summarize(ready);
			const b = summarize(baseline);
			const l = summarize(loaded);
			const added = l.p50 - b.p50;
			return [
				{
					what: `start → built-ins connected (${connecting} others starting)`,
					unit: 'ms',
					n: r.n,
					p50: r.p50,
					p99: r.p99
				},
				{
					what: 'start → first reply done, built-ins only',
					unit: 'ms',
					n: b.n,
					p50: b.p50,
					p99: b.p99
				},
				{
					what: `start → first reply done, ${connecting} still connecting (${stillConnecting} left at the end)`,
					unit: 'ms',
					n: l.n,
					p50: l.p50,
					p99: l.p99
				},
				{
					what: 'added by the connecting servers',
					unit: 'ms',
					p50: added,
					goal: 'p50 ≤ 50 ms (must ≤ 200)',
					verdict: verdict(added, 50, 200)
				}
			];
		}
	};
}

export function mcpBench(options: McpBenchOptions = {}): BenchSection[] {
	return [
		calculatorLatency(
			'in-process',
			{ id: 'calculator', enabled: true, transport: 'builtin' },
			1,
			options
		),
		calculatorLatency(
			'over stdio',
			{
				id: 'calc_stdio',
				enabled: true,
				transport: 'stdio',
				command: process.execPath,
				args: ['--import', 'tsx', path.join(support, 'calculator-stdio.ts')],
				cwd: root
			},
			5,
			options
		),
		firstChat(options)
	];
}

/** Runs the MCP sections on their own and prints their table. */
export async function benchMcp(options: McpBenchOptions = {}): Promise<BenchRow[]> {
	const results: { section: string; rows: BenchRow[] }[] = [];
	for (const section of mcpBench(options)) {
		console.log(`[bench] running ${section.name}…`);
		results.push({ section: section.name, rows: await section.run(undefined as never) });
	}
	printTable(results);
	return results.flatMap((result) => result.rows);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const quick = process.argv.includes('--quick');
	await benchMcp(quick ? { calls: 200, warmup: 20, starts: 3 } : {});
}

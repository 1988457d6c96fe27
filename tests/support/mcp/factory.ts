import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { McpServerConfig } from '$lib/api/mcp';
import { silentLogger, type Logger } from '$lib/server/log';
import { McpAggregator } from '$lib/server/mcp/aggregator';
import { BuiltinRegistry, type BuiltinServer } from '$lib/server/mcp/builtin/registry';
import { createMcpConfigStore } from '$lib/server/mcp/config-store';
import type { ConnectionTimings } from '$lib/server/mcp/connection';
import { createFixtureServer } from './fixture-server.mjs';

const here = path.dirname(new URL(import.meta.url).pathname);

/** Stdio configs for the fixture processes in this folder (plain node, no shell). */
export const stdioFixture = (
	id: string,
	extra: Partial<McpServerConfig> = {}
): McpServerConfig => ({
	id,
	enabled: true,
	transport: 'stdio',
	command: process.execPath,
	args: [path.join(here, 'stdio-server.mjs'), id],
	...extra
});

export const hangingFixture = (id: string): McpServerConfig => ({
	id,
	enabled: true,
	transport: 'stdio',
	command: process.execPath,
	args: [path.join(here, 'hang-initialize.mjs')]
});

/** A builtin fixture server that counts how often it was (re)created. */
export function countingBuiltin(id: string): BuiltinServer & { created: number } {
	const server = {
		id,
		created: 0,
		create() {
			server.created++;
			return createFixtureServer({ name: id });
		}
	};
	return server;
}

export const FAST: Partial<ConnectionTimings> = {
	initTimeoutMs: 3_000,
	callTimeoutMs: 5_000,
	retryBaseMs: 50,
	retryMaxMs: 400
};

export interface TestAggregator {
	aggregator: McpAggregator;
	dataDir: string;
	cleanup(): Promise<void>;
}

/** An aggregator over a temp DATA_DIR; `configs` is written to mcp_servers.json first when given. */
export async function makeAggregator({
	configs,
	builtins = [],
	timings = FAST,
	log = silentLogger,
	maxResultBytes
}: {
	configs?: McpServerConfig[];
	builtins?: BuiltinServer[];
	timings?: Partial<ConnectionTimings>;
	log?: Logger;
	maxResultBytes?: number;
} = {}): Promise<TestAggregator> {
	const dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-mcp-'));
	const registry = new BuiltinRegistry(builtins);
	const store = createMcpConfigStore(dataDir, registry);
	if (configs) await store.write(configs);
	const aggregator = new McpAggregator({
		store,
		builtins: registry,
		log,
		timings,
		maxResultBytes,
		version: 'test',
		refreshWaitMs: 2_000
	});
	await aggregator.start();
	return {
		aggregator,
		dataDir,
		async cleanup() {
			await aggregator.close();
			rmSync(dataDir, { recursive: true, force: true });
		}
	};
}

/** Polls until `check` passes (the aggregator works in the background). */
export async function eventually<T>(
	check: () => T | Promise<T>,
	{ timeoutMs = 8_000, intervalMs = 20 } = {}
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			return await check();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, intervalMs));
		}
	}
}

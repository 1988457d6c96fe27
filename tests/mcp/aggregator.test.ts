import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { McpServerConfig } from '$lib/api/mcp';
import { AppError } from '$lib/server/errors';
import type { ToolProgress } from '$lib/server/chat/tools';
import { createLogger, silentLogger } from '$lib/server/log';
import { McpAggregator } from '$lib/server/mcp/aggregator';
import { calculatorServer } from '$lib/server/mcp/builtin/calculator';
import { BuiltinRegistry } from '$lib/server/mcp/builtin/registry';
import { createMcpConfigStore } from '$lib/server/mcp/config-store';
import {
	countingBuiltin,
	eventually,
	hangingFixture,
	makeAggregator,
	stdioFixture,
	type TestAggregator
} from '../support/mcp/factory';
import { createFixtureServer } from '../support/mcp/fixture-server.mjs';
import { startHttpFixture } from '../support/mcp/http-server.mjs';

let current: TestAggregator | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
	await current?.cleanup();
	current = undefined;
	for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function setup(...args: Parameters<typeof makeAggregator>) {
	current = await makeAggregator(...args);
	return current.aggregator;
}

const builtin = (id: string, extra: Partial<McpServerConfig> = {}): McpServerConfig => ({
	id,
	enabled: true,
	transport: 'builtin',
	...extra
});
const toolNames = (aggregator: TestAggregator['aggregator']) =>
	aggregator
		.listTools()
		.map((tool) => tool.name)
		.sort();
async function server(aggregator: TestAggregator['aggregator'], id: string) {
	return (await aggregator.listServers()).find((view) => view.id === id)!;
}

describe('mcp aggregator: defaults and the server list', () => {
	it('offers the built-in calculator and housekeeping servers when there is no mcp_servers.json', async () => {
		const aggregator = await setup({
			builtins: [calculatorServer(), countingBuiltin('housekeeping')]
		});
		await aggregator.settled();
		const servers = await aggregator.listServers();
		expect(servers.map((s) => [s.id, s.transport, s.enabled, s.status])).toEqual([
			['calculator', 'builtin', true, 'connected'],
			['housekeeping', 'builtin', true, 'connected']
		]);
		expect(toolNames(aggregator)).toContain('calculator__evaluate');
		expect(servers[0].tools).toEqual([
			expect.objectContaining({ name: 'calculator__evaluate', original_name: 'evaluate' })
		]);
	});

	it('marks a built-in id that does not exist unavailable with a clear error', async () => {
		const aggregator = await setup({
			configs: [builtin('google')],
			builtins: [calculatorServer()]
		});
		await aggregator.settled();
		const google = await server(aggregator, 'google');
		expect(google.status).toBe('unavailable');
		expect(google.error).toMatch(/no built-in server named "google"/);
		expect(aggregator.counts()).toEqual({ connected: 0, unavailable: 1 });
	});

	it('shows a built-in server that says it cannot run as unavailable with its reason', async () => {
		const notReady = {
			...countingBuiltin('google'),
			unavailableReason: () => 'Google is not connected'
		};
		const aggregator = await setup({ configs: [builtin('google')], builtins: [notReady] });
		await aggregator.settled();
		expect(await server(aggregator, 'google')).toMatchObject({
			status: 'unavailable',
			error: 'Google is not connected'
		});
		expect(notReady.created).toBe(0);
	});

	it('reports a corrupt mcp_servers.json instead of replacing it', async () => {
		const dataDir = mkdtempSync(path.join(tmpdir(), 'switchboard-mcp-'));
		const file = path.join(dataDir, 'mcp_servers.json');
		writeFileSync(file, '{ not json');
		const registry = new BuiltinRegistry([calculatorServer()]);
		const broken = new McpAggregator({
			store: createMcpConfigStore(dataDir, registry),
			builtins: registry,
			log: silentLogger
		});
		cleanups.push(() => broken.close());
		await broken.start();
		expect(broken.listTools()).toEqual([]);
		await expect(broken.listServers()).rejects.toMatchObject({ code: 'corrupt_settings_file' });
		await expect(broken.replaceConfigs([])).rejects.toMatchObject({
			code: 'corrupt_settings_file'
		});
		expect(readFileSync(file, 'utf8')).toBe('{ not json');
	});
});

describe('mcp aggregator: PUT semantics', () => {
	it('persists the exact array and answers what GET answers', async () => {
		const aggregator = await setup({ builtins: [calculatorServer()] });
		const list: McpServerConfig[] = [
			builtin('calculator', { approval: 'ask', disabled_tools: [] }),
			{ ...stdioFixture('files'), enabled: false }
		];
		const views = await aggregator.replaceConfigs(list);
		expect(views).toEqual(await aggregator.listServers());
		const onDisk = JSON.parse(
			readFileSync(path.join(current!.dataDir, 'mcp_servers.json'), 'utf8')
		);
		expect(onDisk).toEqual(list);
		expect(views[1]).toMatchObject({ id: 'files', status: 'disabled', tools: [], error: null });
	});

	it.each([
		[[{ id: 'x', transport: 'stdio' }], /0\.command: required for the stdio transport/],
		[[{ id: 'x', transport: 'http' }], /0\.url: required for the http transport/],
		[
			[{ id: 'x', transport: 'sse', url: 'ftp://example.com' }],
			/0\.url: expected an http\(s\) URL/
		],
		[[{ id: 'has space', transport: 'builtin' }], /0\.id: use 1-64 letters/],
		[
			[
				{ id: 'a', transport: 'builtin' },
				{ id: 'a', transport: 'builtin' }
			],
			/1\.id: "a" is used by another server/
		],
		[[{ id: 'a', transport: 'carrier-pigeon' }], /0\.transport/],
		[[{ id: 'a', transport: 'builtin', approval: 'sometimes' }], /0\.approval/],
		[{ servers: [] }, /expected array/]
	])('rejects %j with a 400 naming the field', async (body, message) => {
		const aggregator = await setup({ builtins: [calculatorServer()] });
		const error = await aggregator.replaceConfigs(body).catch((e) => e);
		expect(error).toBeInstanceOf(AppError);
		expect(error.status).toBe(400);
		expect(error.message).toMatch(message);
	});

	it('disables everything with []', async () => {
		const aggregator = await setup({ builtins: [calculatorServer()] });
		await aggregator.settled();
		expect(toolNames(aggregator)).toEqual(['calculator__evaluate']);
		expect(await aggregator.replaceConfigs([])).toEqual([]);
		expect(aggregator.listTools()).toEqual([]);
		expect(aggregator.counts()).toEqual({ connected: 0, unavailable: 0 });
	});

	it('hot-reloads: starts added, stops removed, restarts changed, leaves the rest alone', async () => {
		const a = countingBuiltin('alpha');
		const b = countingBuiltin('beta');
		const c = countingBuiltin('gamma');
		const d = countingBuiltin('delta');
		const aggregator = await setup({
			configs: [builtin('alpha'), builtin('beta'), builtin('delta')],
			builtins: [a, b, c, d]
		});
		await aggregator.settled();
		expect([a.created, b.created, c.created, d.created]).toEqual([1, 1, 0, 1]);

		await aggregator.replaceConfigs([
			builtin('alpha'),
			builtin('beta', { env: { MODE: 'changed' } }),
			builtin('gamma')
		]);
		await aggregator.settled();
		expect([a.created, b.created, c.created, d.created]).toEqual([1, 2, 1, 1]);
		const names = toolNames(aggregator);
		expect(names).toContain('gamma__echo');
		expect(names.some((name) => name.startsWith('delta__'))).toBe(false);

		// Tool and approval changes apply without a reconnect.
		await aggregator.replaceConfigs([
			builtin('alpha', { disabled_tools: ['echo'], approval: 'deny' }),
			builtin('beta', { env: { MODE: 'changed' } }),
			builtin('gamma', { enabled: false })
		]);
		await aggregator.settled();
		expect([a.created, b.created, c.created]).toEqual([1, 2, 1]);
		expect(toolNames(aggregator)).not.toContain('alpha__echo');
		expect(toolNames(aggregator)).toContain('alpha__add');
		expect(aggregator.describe('alpha__add')).toEqual({ serverId: 'alpha', approval: 'deny' });
		expect(aggregator.describe('alpha__echo')).toBeUndefined();
		expect(toolNames(aggregator).some((name) => name.startsWith('gamma__'))).toBe(false);
		expect(await server(aggregator, 'alpha')).toMatchObject({
			status: 'connected',
			disabled_tools: ['echo']
		});
		expect((await server(aggregator, 'alpha')).tools.map((tool) => tool.original_name)).toContain(
			'echo'
		);
		expect(await server(aggregator, 'gamma')).toMatchObject({ status: 'disabled' });
	});

	it('exposes the approval policy of each server', async () => {
		const aggregator = await setup({
			configs: [
				builtin('alpha', { approval: 'ask' }),
				builtin('beta', { approval: 'deny' }),
				builtin('gamma')
			],
			builtins: [countingBuiltin('alpha'), countingBuiltin('beta'), countingBuiltin('gamma')]
		});
		await aggregator.settled();
		expect(aggregator.describe('alpha__echo')).toEqual({ serverId: 'alpha', approval: 'ask' });
		expect(aggregator.describe('beta__echo')).toEqual({ serverId: 'beta', approval: 'deny' });
		expect(aggregator.describe('gamma__echo')).toEqual({ serverId: 'gamma', approval: 'auto' });
		expect(aggregator.describe('nobody__echo')).toBeUndefined();
	});

	it('gives presets the configs and the same replace path', async () => {
		const aggregator = await setup({
			builtins: [calculatorServer(), countingBuiltin('housekeeping')]
		});
		const snapshot = await aggregator.listConfigs();
		await aggregator.replaceConfigs([]);
		expect(await aggregator.listConfigs()).toEqual([]);
		await aggregator.replaceConfigs(snapshot);
		expect((await aggregator.listConfigs()).map((c) => c.id)).toEqual([
			'calculator',
			'housekeeping'
		]);
	});
});

describe('mcp aggregator: tool calls', () => {
	it('answers requests while a server is still starting', async () => {
		const aggregator = await setup({
			configs: [hangingFixture('slowpoke'), builtin('calculator')],
			builtins: [calculatorServer()],
			timings: { initTimeoutMs: 5_000 }
		});
		const views = await aggregator.listServers();
		expect(views.find((view) => view.id === 'slowpoke')?.status).toBe('connecting');
		await eventually(() => expect(toolNames(aggregator)).toEqual(['calculator__evaluate']));
		expect(await aggregator.callTool('calculator__evaluate', { expression: '2+3*4' })).toEqual({
			content: '14',
			isError: false
		});
		expect((await server(aggregator, 'slowpoke')).status).toBe('connecting');
	});

	it('validates arguments against the tool schema before calling', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		const wrong = await aggregator.callTool('alpha__add', { a: 'one', b: 2 });
		expect(wrong.isError).toBe(true);
		expect(wrong.content).toMatch(/do not match its schema: \/a must be integer/);
		const missing = await aggregator.callTool('alpha__add', { a: 1 });
		expect(missing.content).toMatch(/missing "b"/);
		expect(await aggregator.callTool('alpha__add', { a: 1, b: 2 })).toEqual({
			content: '3',
			isError: false
		});
	});

	it('cuts results over the size limit with a note', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		const outcome = await aggregator.callTool('alpha__big', { bytes: 2 * 1024 * 1024 });
		expect(Buffer.byteLength(outcome.content)).toBeLessThanOrEqual(1024 * 1024);
		expect(outcome.content).toMatch(/Switchboard cut this tool result: it was 2097152 bytes/);
		expect(outcome.isError).toBe(false);
	});

	it('returns images as files and forwards progress', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		const picture = await aggregator.callTool('alpha__picture', {});
		expect(picture.content).toBe('here is a pixel');
		expect(picture.files?.[0].mimeType).toBe('image/png');
		expect(picture.files?.[0].data.subarray(1, 4).toString()).toBe('PNG');

		const progress: ToolProgress[] = [];
		const counted = await aggregator.callTool(
			'alpha__count',
			{ n: 3 },
			{ onProgress: (p) => progress.push(p) }
		);
		expect(counted.content).toBe('counted to 3');
		expect(progress).toEqual([
			{ progress: 1, total: 3, message: 'step 1 of 3' },
			{ progress: 2, total: 3, message: 'step 2 of 3' },
			{ progress: 3, total: 3, message: 'step 3 of 3' }
		]);
	});

	it('passes tool errors on as error results', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		expect(await aggregator.callTool('alpha__fail', {})).toEqual({
			content: 'this tool always fails',
			isError: true
		});
		expect(await aggregator.callTool('alpha__nothing', {})).toMatchObject({
			isError: true,
			content: expect.stringMatching(/no tool named alpha__nothing/)
		});
	});

	it('gives up on a call that takes longer than the call timeout', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')],
			timings: { callTimeoutMs: 150 }
		});
		await aggregator.settled();
		const outcome = await aggregator.callTool('alpha__sleep', { ms: 3_000 });
		expect(outcome).toEqual({ content: 'The tool did not answer within 0.2 s.', isError: true });
		expect((await server(aggregator, 'alpha')).status).toBe('connected');
	});

	it('stops a call when the chat is stopped', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		const controller = new AbortController();
		const call = aggregator.callTool('alpha__sleep', { ms: 3_000 }, { signal: controller.signal });
		setTimeout(() => controller.abort(), 50);
		expect(await call).toEqual({ content: 'The call was stopped.', isError: true });
	});

	it('picks up a changed tool list after notifications/tools/list_changed', async () => {
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')]
		});
		await aggregator.settled();
		expect(toolNames(aggregator)).not.toContain('alpha__extra_1');
		expect((await aggregator.callTool('alpha__grow', {})).content).toBe('added extra_1');
		await eventually(() => expect(toolNames(aggregator)).toContain('alpha__extra_1'));
		expect(await aggregator.callTool('alpha__extra_1', {})).toEqual({
			content: 'extra 1',
			isError: false
		});
	});
});

describe('mcp aggregator: reconnecting a built-in server', () => {
	/** A builtin like `google`: it can close its own servers (a new grant) and be asked to reconnect. */
	function closableBuiltin(id: string) {
		const servers: McpServer[] = [];
		return {
			id,
			servers,
			create() {
				const server = createFixtureServer({ name: id });
				servers.push(server);
				return server;
			}
		};
	}

	it('gives a connected builtin a fresh server on reconnect', async () => {
		const closable = closableBuiltin('gmail');
		const aggregator = await setup({ configs: [builtin('gmail')], builtins: [closable] });
		await aggregator.settled();
		await aggregator.reconnect('gmail');
		expect(closable.servers).toHaveLength(2);
		expect(await server(aggregator, 'gmail')).toMatchObject({ status: 'connected', error: null });
		expect(await aggregator.callTool('gmail__add', { a: 1, b: 2 })).toEqual({
			content: '3',
			isError: false
		});
	});

	it('reconnects once, with no retry later, when the builtin closed its server just before', async () => {
		const closable = closableBuiltin('gmail');
		const aggregator = await setup({ configs: [builtin('gmail')], builtins: [closable] });
		await aggregator.settled();
		await closable.servers[0].close();
		await aggregator.reconnect('gmail');
		expect(await server(aggregator, 'gmail')).toMatchObject({ status: 'connected', error: null });
		// Longer than the retry a lost connection schedules (FAST.retryBaseMs plus jitter).
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(closable.servers).toHaveLength(2);
		expect(await server(aggregator, 'gmail')).toMatchObject({ status: 'connected', error: null });
	});
});

describe('mcp aggregator: stdio servers', () => {
	it('connects, lists and calls a server process', async () => {
		const aggregator = await setup({ configs: [stdioFixture('local')] });
		await aggregator.settled();
		expect(await server(aggregator, 'local')).toMatchObject({ status: 'connected', error: null });
		expect(toolNames(aggregator)).toEqual(
			expect.arrayContaining(['local__echo', 'local__add', 'local__crash'])
		);
		expect(await aggregator.callTool('local__echo', { text: 'over stdio' })).toEqual({
			content: 'over stdio',
			isError: false
		});
	});

	it('marks a command that does not exist unavailable', async () => {
		const aggregator = await setup({
			configs: [
				{ id: 'ghost', enabled: true, transport: 'stdio', command: 'switchboard-no-such-command' }
			],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect(await server(aggregator, 'ghost')).toMatchObject({
			status: 'unavailable',
			error: 'The command "switchboard-no-such-command" was not found.'
		});
		expect(aggregator.counts()).toEqual({ connected: 0, unavailable: 1 });
	});

	it('runs the command itself, never through a shell', async () => {
		const aggregator = await setup({
			configs: [
				{
					id: 'sneaky',
					enabled: true,
					transport: 'stdio',
					command: 'echo hi; touch /tmp/switchboard-pwned'
				}
			],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect((await server(aggregator, 'sneaky')).error).toMatch(/was not found/);
	});

	it('times out a server that never answers initialize', async () => {
		const aggregator = await setup({
			configs: [hangingFixture('mute')],
			timings: { initTimeoutMs: 300, retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect(await server(aggregator, 'mute')).toMatchObject({
			status: 'unavailable',
			error: 'The server did not finish starting (initialize and tools/list) within 0.3 s.'
		});
	});

	it('turns a crash mid-call into an error result, marks the server unavailable and reconnects it', async () => {
		const aggregator = await setup({
			configs: [stdioFixture('fragile')],
			timings: { retryBaseMs: 300 }
		});
		await aggregator.settled();
		const outcome = await aggregator.callTool('fragile__crash', {});
		expect(outcome.isError).toBe(true);
		expect(outcome.content).toMatch(
			/fragile server stopped answering during the call; Switchboard is reconnecting it/
		);
		const lost = await server(aggregator, 'fragile');
		expect(lost.status).toBe('unavailable');
		expect(lost.error).toMatch(/crashing on purpose/);
		expect(aggregator.listTools()).toEqual([]);
		await eventually(async () =>
			expect((await server(aggregator, 'fragile')).status).toBe('connected')
		);
		expect(await aggregator.callTool('fragile__echo', { text: 'back' })).toEqual({
			content: 'back',
			isError: false
		});
	});

	it('retries an unavailable server on refresh', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-mcp-'));
		const script = path.join(dir, 'late-server.sh');
		writeFileSync(script, '#!/bin/sh\nexit 7\n');
		chmodSync(script, 0o755);
		const aggregator = await setup({
			configs: [{ id: 'late', enabled: true, transport: 'stdio', command: script }],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect((await server(aggregator, 'late')).status).toBe('unavailable');
		writeFileSync(
			script,
			`#!/bin/sh\nexec "${process.execPath}" "${stdioFixture('x').args![0]}" late\n`
		);
		const views = await aggregator.refresh();
		expect(views.find((view) => view.id === 'late')).toMatchObject({
			status: 'connected',
			error: null
		});
	});
});

describe('mcp aggregator: HTTP servers', () => {
	it('connects over Streamable HTTP with the configured headers', async () => {
		const http = await startHttpFixture({
			requireHeader: ['authorization', 'Bearer fixture-token']
		});
		cleanups.push(http.close);
		const aggregator = await setup({
			configs: [
				{
					id: 'remote',
					enabled: true,
					transport: 'http',
					url: http.url,
					headers: { Authorization: 'Bearer fixture-token' }
				},
				{ id: 'nokey', enabled: true, transport: 'http', url: http.url }
			],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect((await server(aggregator, 'remote')).status).toBe('connected');
		expect(await aggregator.callTool('remote__add', { a: 20, b: 22 })).toEqual({
			content: '42',
			isError: false
		});
		const nokey = await server(aggregator, 'nokey');
		expect(nokey.status).toBe('unavailable');
		expect(nokey.error).toBe(
			`${http.url} answered HTTP 401. Check the headers (e.g. Authorization).`
		);
	});

	it('connects over legacy SSE', async () => {
		const http = await startHttpFixture();
		cleanups.push(http.close);
		const aggregator = await setup({
			configs: [{ id: 'legacy', enabled: true, transport: 'sse', url: http.sseUrl }]
		});
		await aggregator.settled();
		expect((await server(aggregator, 'legacy')).status).toBe('connected');
		expect(await aggregator.callTool('legacy__echo', { text: 'via sse' })).toEqual({
			content: 'via sse',
			isError: false
		});
	});

	it('says clearly when nothing listens at the URL', async () => {
		const http = await startHttpFixture();
		const url = http.url;
		await http.close();
		const aggregator = await setup({
			configs: [{ id: 'gone', enabled: true, transport: 'http', url }],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect((await server(aggregator, 'gone')).error).toBe(
			`Could not reach ${url} (connection refused).`
		);
	});

	it('names the port when fetch refuses it (e.g. 6000), instead of "fetch failed"', async () => {
		const aggregator = await setup({
			configs: [{ id: 'x11', enabled: true, transport: 'http', url: 'http://127.0.0.1:6000/mcp' }],
			timings: { retryBaseMs: 60_000 }
		});
		await aggregator.settled();
		expect((await server(aggregator, 'x11')).error).toBe(
			'fetch refuses to connect to port 6000 (a port the Fetch standard blocks); run the server on another port.'
		);
	});
});

describe('mcp aggregator: logs', () => {
	it('logs the server lifecycle and each call with name, duration and outcome, secrets masked', async () => {
		const logDir = mkdtempSync(path.join(tmpdir(), 'switchboard-mcp-logs-'));
		const log = createLogger({ dir: logDir });
		const aggregator = await setup({
			configs: [builtin('alpha')],
			builtins: [countingBuiltin('alpha')],
			log
		});
		await aggregator.settled();
		await aggregator.callTool('alpha__echo', {
			text: 'use Bearer abcdefghijklmnopqrstuvwxyz please',
			api_key: 'hunter2-hunter2'
		});
		await aggregator.callTool('alpha__add', { a: 'x', b: 1 });
		await log.close();
		const [day] = readdirSync(path.join(logDir, 'app'));
		const lines = readFileSync(path.join(logDir, 'app', day, 'app.log'), 'utf8')
			.trim()
			.split('\n')
			.map((line) => JSON.parse(line));
		expect(lines.find((line) => line.msg === 'mcp server connected')).toMatchObject({
			mcp_server: 'alpha',
			tools: expect.any(Number)
		});
		const calls = lines.filter((line) => line.msg === 'mcp tool call');
		expect(calls[0]).toMatchObject({
			mcp_server: 'alpha',
			tool: 'echo',
			name: 'alpha__echo',
			outcome: 'ok',
			duration_ms: expect.any(Number)
		});
		expect(calls[0].arguments).toEqual({
			text: 'use Bearer [redacted] please',
			api_key: '[redacted]'
		});
		expect(calls[1]).toMatchObject({ tool: 'add', outcome: 'invalid_arguments' });
		expect(JSON.stringify(lines)).not.toContain('hunter2');
	});
});

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MCP_HIDDEN_VALUE, mcpServersResponse, type McpServerConfig } from '$lib/api';
import type { Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { GET as LIST_SERVERS, PUT as PUT_SERVERS } from '../../src/routes/api/mcp/servers/+server';
import { POST as CREATE_PRESET } from '../../src/routes/api/presets/+server';
import { PUT as PUT_PRESET } from '../../src/routes/api/presets/[name]/+server';
import { POST as APPLY_PRESET } from '../../src/routes/api/presets/[name]/apply/+server';
import { GET as EXPORT_PRESETS } from '../../src/routes/api/presets/export/+server';
import { POST as IMPORT_PRESETS } from '../../src/routes/api/presets/import/+server';
import { PUT as PUT_MODEL } from '../../src/routes/api/settings/model/+server';
import {
	callRoute,
	errorOf,
	onDispose,
	readChatEvents,
	tempDir,
	TEST_API_KEY,
	testServices,
	useOpenRouterStandin
} from '../support/factories';
import { eventually, stdioFixture } from '../support/mcp/factory';

const openrouter = useOpenRouterStandin({ tokenDelayMs: 0 });

function services(): Services {
	return testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
	});
}

const putServers = (s: Services, body: unknown) =>
	callRoute(PUT_SERVERS, s, { method: 'PUT', path: '/api/mcp/servers', body });
const listServers = async (s: Services) =>
	mcpServersResponse.parse(
		await (await callRoute(LIST_SERVERS, s, { path: '/api/mcp/servers' })).json()
	);
/** What the /mcp page sends back: the list it was shown, runtime fields dropped. */
const shownConfigs = async (s: Services): Promise<McpServerConfig[]> =>
	(await listServers(s)).map(({ status: _s, error: _e, tools: _t, ...config }) => config);

/** Every line the app logged so far (app log and conversation logs). */
function logText(s: Services): string {
	const files = readdirSync(s.config.logDir, { recursive: true, withFileTypes: true });
	return files
		.filter((entry) => entry.isFile())
		.map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
		.join('\n');
}

/** An HTTP server that records the headers of every request it gets and answers 404. */
async function collector(): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
	const seen: IncomingHttpHeaders[] = [];
	const server = createServer((req, res) => {
		seen.push(req.headers);
		req.resume();
		res.writeHead(404).end();
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	onDispose(() => new Promise((resolve) => server.close(resolve)));
	return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
	const server = createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

const settle = (ms = 400) => new Promise((resolve) => setTimeout(resolve, ms));

describe('attack: re-point an MCP server and keep its saved token', () => {
	it('a stdio server whose command or args changed does not get the hidden token (400)', async () => {
		const s = services();
		const token = 'tok-stdio-7f3a9c21';
		expect(
			(await putServers(s, [stdioFixture('files', { env: { API_TOKEN: token } })])).status
		).toBe(200);
		await s.mcp.settled();

		const out = path.join(tempDir(), 'stolen.txt');
		const steal = `require('fs').writeFileSync(${JSON.stringify(out)}, process.env.API_TOKEN ?? 'none')`;
		const [shown] = await shownConfigs(s);
		expect(shown.env).toEqual({ API_TOKEN: MCP_HIDDEN_VALUE });
		for (const moved of [
			{ ...shown, args: ['-e', steal] },
			{ ...shown, command: '/usr/bin/env', args: ['node', '-e', steal] }
		]) {
			const refused = await errorOf(await putServers(s, [moved]));
			expect(refused).toEqual({
				status: 400,
				code: 'invalid_request',
				message: expect.stringMatching(
					/^0\.env\.API_TOKEN: re-enter the value: the server's command\/URL changed/
				)
			});
		}
		await settle();
		expect(existsSync(out)).toBe(false);
		expect((await s.mcp.listConfigs())[0]).toEqual(
			stdioFixture('files', { env: { API_TOKEN: token } })
		);

		// Typing the value again is the way to move it.
		const retyped = await putServers(s, [
			{ ...shown, args: ['-e', steal], env: { API_TOKEN: 'typed' } }
		]);
		expect(retyped.status).toBe(200);
		await eventually(() => expect(readFileSync(out, 'utf8')).toBe('typed'));
	});

	it('an HTTP server whose URL changed does not send the hidden header there (400)', async () => {
		const s = services();
		const original: McpServerConfig = {
			id: 'github',
			enabled: true,
			transport: 'http',
			url: `http://127.0.0.1:${await closedPort()}/mcp`,
			headers: { Authorization: 'Bearer ghp_saved_0123456789' }
		};
		await putServers(s, [original]);
		const evil = await collector();
		const [shown] = await shownConfigs(s);
		const refused = await errorOf(await putServers(s, [{ ...shown, url: evil.url }]));
		expect(refused.status).toBe(400);
		expect(refused.message).toMatch(
			/^0\.headers\.Authorization: re-enter the value: the server's command\/URL changed \(URL\)/
		);
		await settle();
		expect(evil.seen).toEqual([]);
		expect((await s.mcp.listConfigs())[0]).toEqual(original);
	});

	it('a preset edit or import that re-points a server does not keep its hidden token (400)', async () => {
		const s = services();
		const remote: McpServerConfig = {
			id: 'remote',
			enabled: false,
			transport: 'http',
			url: 'https://mcp.example.test/mcp',
			headers: { 'X-Api-Key': 'key-preset-5566778899' }
		};
		await putServers(s, [remote]);
		const created = await (
			await callRoute(CREATE_PRESET, s, {
				method: 'POST',
				path: '/api/presets',
				body: { name: 'P' }
			})
		).json();
		const moved = { ...created.mcp_servers[0], url: 'https://collector.evil.test/mcp' };
		const edit = await errorOf(
			await callRoute(PUT_PRESET, s, {
				method: 'PUT',
				path: '/api/presets/P',
				params: { name: 'P' },
				body: { mcp_servers: [moved] }
			})
		);
		expect(edit.status).toBe(400);
		expect(edit.message).toMatch(/^mcp_servers\.0\.headers\.X-Api-Key: re-enter the value/);
		const imported = await errorOf(
			await callRoute(IMPORT_PRESETS, s, {
				method: 'POST',
				path: '/api/presets/import',
				body: {
					on_conflict: 'replace',
					presets: [{ name: 'P', model_id: 'openai/gpt-4o', mcp_servers: [moved] }]
				}
			})
		);
		expect(imported.status).toBe(400);
		expect(imported.message).toMatch(
			/^presets\.0\.mcp_servers\.0\.headers\.X-Api-Key: re-enter the value/
		);
		const file = await (
			await callRoute(EXPORT_PRESETS, s, { path: '/api/presets/export?include_secrets=true' })
		).json();
		expect(file.presets[0].mcp_servers).toEqual([remote]);
	});
});

describe('attack: read secrets out of MCP error text', () => {
	it("a server's stderr that prints its token and a URL with credentials: not in the API error nor the log", async () => {
		const s = services();
		const token = 'tok-stderr-5a6b7c8d';
		// Built from pieces, so the secrets appear only in what the process prints.
		const script = [
			"const pw = ['hunter2', 'secret'].join('');",
			"const q = ['qtok', '777777'].join('-');",
			"console.error('login failed for ' + process.env.API_TOKEN + ' via https://bob:' + pw + '@mcp.example.test/x?token=' + q);",
			'setTimeout(() => process.exit(1), 50);'
		].join('\n');
		await putServers(s, [
			{
				id: 'leaky',
				enabled: true,
				transport: 'stdio',
				command: process.execPath,
				args: ['-e', script],
				env: { API_TOKEN: token }
			}
		]);
		const error = await eventually(async () => {
			const [view] = await listServers(s);
			expect(view.error).toContain('Its last output');
			return view.error!;
		});
		expect(error).toContain(
			`login failed for ${MCP_HIDDEN_VALUE} via https://mcp.example.test/x?token=`
		);
		for (const secret of [token, 'hunter2secret', 'qtok-777777'])
			for (const text of [error, logText(s)]) expect(text).not.toContain(secret);
		expect(logText(s)).toContain('mcp server unavailable');
	});

	it.each([
		[
			'user:pass@',
			'http://bob:pw-secret-5150@127.0.0.1:PORT/mcp',
			/^http:\/\/127\.0\.0\.1:\d+\/mcp cannot hold a user name or password/
		],
		[
			'a query token',
			'http://127.0.0.1:PORT/mcp?token=qtok-5150&region=eu',
			/^Could not reach http:\/\/127\.0\.0\.1:\d+\/mcp\?token=\S+&region=•+ \(connection refused\)/
		]
	])('a URL with %s: shown without it in the API error and the log', async (_what, url, shown) => {
		const s = services();
		await putServers(s, [
			{
				id: 'remote',
				enabled: true,
				transport: 'http',
				url: url.replace('PORT', String(await closedPort())),
				headers: { Authorization: 'Bearer hdr-secret-5150' }
			}
		]);
		const error = await eventually(async () => {
			const [view] = await listServers(s);
			expect(view.status).toBe('unavailable');
			return view.error!;
		});
		expect(error).toMatch(shown);
		for (const secret of ['pw-secret-5150', 'qtok-5150', 'hdr-secret-5150'])
			for (const text of [error, logText(s)]) expect(text).not.toContain(secret);
	});
});

describe('attack: take the secrets home in a preset file', () => {
	async function withTokenPreset() {
		const s = services();
		await putServers(s, [
			stdioFixture('files', { enabled: false, env: { API_TOKEN: 'tok-export-31415926' } })
		]);
		await callRoute(CREATE_PRESET, s, {
			method: 'POST',
			path: '/api/presets',
			body: { name: 'Work' }
		});
		return s;
	}

	it('an export leaves MCP secrets out unless include_secrets=true', async () => {
		const s = await withTokenPreset();
		const plain = await callRoute(EXPORT_PRESETS, s, { path: '/api/presets/export' });
		const file = await plain.json();
		expect(JSON.stringify(file)).not.toContain('tok-export-31415926');
		expect(file.presets[0].mcp_servers[0].env).toEqual({ API_TOKEN: MCP_HIDDEN_VALUE });

		const full = await callRoute(EXPORT_PRESETS, s, {
			path: '/api/presets/export?include_secrets=true'
		});
		expect((await full.json()).presets[0].mcp_servers[0].env).toEqual({
			API_TOKEN: 'tok-export-31415926'
		});
	});

	it('applying a preset without MCP servers answers the servers in use with markers', async () => {
		const s = await withTokenPreset();
		await callRoute(IMPORT_PRESETS, s, {
			method: 'POST',
			path: '/api/presets/import',
			body: { presets: [{ name: 'Model only', model_id: 'openai/gpt-4o' }] }
		});
		const applied = await callRoute(APPLY_PRESET, s, {
			method: 'POST',
			path: '/api/presets/Model only/apply',
			params: { name: 'Model only' }
		});
		expect(applied.status).toBe(200);
		const body = await applied.json();
		expect(JSON.stringify(body)).not.toContain('tok-export-31415926');
		expect(body.mcp_servers[0].env).toEqual({ API_TOKEN: MCP_HIDDEN_VALUE });
	});
});

describe('attack: model ids that are not model ids', () => {
	const chat = (s: Services, modelId: string) =>
		callRoute(CHAT, s, {
			method: 'POST',
			path: '/api/chat',
			body: { message: 'hi', model_id: modelId }
		});
	const putModel = (s: Services, modelId: string) =>
		callRoute(PUT_MODEL, s, {
			method: 'PUT',
			path: '/api/settings/model',
			body: { model_id: modelId }
		});
	const putPreset = (s: Services, modelId: string) =>
		callRoute(PUT_PRESET, s, {
			method: 'PUT',
			path: '/api/presets/P',
			params: { name: 'P' },
			body: { model_id: modelId }
		});
	const importPreset = (s: Services, modelId: string) =>
		callRoute(IMPORT_PRESETS, s, {
			method: 'POST',
			path: '/api/presets/import',
			body: { presets: [{ name: 'Q', model_id: modelId }] }
		});
	const everywhere = [chat, putModel, putPreset, importPreset];

	async function withPreset(knownCatalogue: boolean) {
		const s = services();
		if (knownCatalogue) await s.models.list();
		await callRoute(CREATE_PRESET, s, {
			method: 'POST',
			path: '/api/presets',
			body: { name: 'P' }
		});
		return s;
	}

	it.each([
		['a path', '../x'],
		['a space', 'a b/c'],
		['a NUL', 'x/y\u0000'],
		['a newline', 'x/y\nINFO forged log line'],
		['10 kB', `vendor/${'m'.repeat(10_000)}`],
		['two slashes', 'a/b/c'],
		['no vendor', 'gpt-4o']
	])(
		'%s is a 400 on the chat, the model setting, a preset edit and an import',
		async (_what, id) => {
			const s = await withPreset(true);
			for (const send of everywhere) {
				const error = await errorOf(await send(s, id));
				expect([error.status, error.code], send.name).toEqual([400, 'invalid_request']);
				expect(error.message).toMatch(/model_id: /);
			}
			expect(s.repo.listSessions({ limit: 10 }).sessions).toEqual([]);
		}
	);

	it('an id the known catalogue does not list is a 400 unknown_model naming it', async () => {
		const s = await withPreset(true);
		for (const send of everywhere) {
			const error = await errorOf(await send(s, 'evil/not-a-model'));
			expect([error.status, error.code], send.name).toEqual([400, 'unknown_model']);
			expect(error.message).toContain('"evil/not-a-model"');
		}
		expect(openrouter.standin.requests.filter((r) => r.path === '/chat/completions')).toEqual([]);
	});

	it.each([
		['a listed id with a catalogue', true, 'deepseek/deepseek-r1'],
		['the demo model with a catalogue', true, 'switchboard/demo'],
		['any well-formed id without a catalogue', false, 'someone/new-model:free']
	])('%s is taken everywhere', async (_what, knownCatalogue, id) => {
		const s = await withPreset(knownCatalogue);
		expect(s.models.knownIds() !== undefined).toBe(knownCatalogue);
		for (const send of everywhere) {
			const response = await send(s, id);
			expect(response.status, send.name).toBe(200);
			if (send === chat) await readChatEvents(response);
		}
	});
});

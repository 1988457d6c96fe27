import { describe, expect, it } from 'vitest';
import { MCP_HIDDEN_VALUE, mcpServersResponse } from '$lib/api';
import type { ChatEvent } from '$lib/api';
import { isSseComment, readSse } from '$lib/api/sse';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import type { Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { POST as DECIDE } from '../../src/routes/api/chat/approvals/+server';
import { GET as SESSION } from '../../src/routes/api/sessions/[id]/+server';
import { GET as HEALTH } from '../../src/routes/api/health/+server';
import { GET, PUT } from '../../src/routes/api/mcp/servers/+server';
import { POST as REFRESH } from '../../src/routes/api/mcp/servers/refresh/+server';
import {
	callRoute,
	errorOf,
	eventsNamed,
	readChatEvents,
	TEST_API_KEY,
	testServices,
	textOf,
	useOpenRouterStandin
} from '../support/factories';
import { stdioFixture } from '../support/mcp/factory';
import { startHttpFixture } from '../support/mcp/http-server.mjs';

const openrouter = useOpenRouterStandin();

async function services(): Promise<Services> {
	const s = testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
	});
	await s.mcp.settled();
	return s;
}
const list = async (s: Services) =>
	mcpServersResponse.parse(await (await callRoute(GET, s, { path: '/api/mcp/servers' })).json());
const put = (s: Services, body: unknown) =>
	callRoute(PUT, s, { method: 'PUT', path: '/api/mcp/servers/', body });
const offeredTools = (index: number) =>
	(
		openrouter.standin.requests.filter((r) => r.path.endsWith('/chat/completions'))[index]?.body
			.tools ?? []
	).map((t: { function: { name: string } }) => t.function.name);

describe('MCP servers API', () => {
	it('GET lists the default built-in servers with status and tools', async () => {
		const s = await services();
		const servers = await list(s);
		expect(servers.map((server) => [server.id, server.transport, server.status])).toEqual([
			['calculator', 'builtin', 'connected'],
			['housekeeping', 'builtin', 'connected'],
			['google', 'builtin', 'unavailable']
		]);
		expect(servers[2].error).toMatch(/Google is not (configured|connected)/);
		expect(servers[1].tools.map((tool) => tool.name)).toEqual(
			expect.arrayContaining([
				'housekeeping__current_time',
				'housekeeping__search_conversations',
				'housekeeping__rename_conversation',
				'housekeeping__app_status'
			])
		);
		const health = await (await callRoute(HEALTH, s, { path: '/api/health' })).json();
		expect(health.mcp).toEqual({ connected: 2, unavailable: 1 });
	});

	it('PUT answers 400 naming the bad field, and keeps the list', async () => {
		const s = await services();
		const bad = await errorOf(
			await put(s, [
				{ id: 'calculator', transport: 'builtin' },
				{ id: 'files', transport: 'stdio', args: [] }
			])
		);
		expect(bad).toEqual({
			status: 400,
			code: 'invalid_request',
			message: '1.command: required for the stdio transport (server "files")'
		});
		expect(await errorOf(await put(s, 'not json {'))).toMatchObject({
			status: 400,
			code: 'invalid_json'
		});
		expect((await list(s)).map((server) => server.id)).toEqual([
			'calculator',
			'housekeeping',
			'google'
		]);
	});

	it('PUT replaces the list, hot-reloads, and answers what GET answers', async () => {
		const s = await services();
		const response = await put(s, [
			{ id: 'calculator', enabled: false, transport: 'builtin' },
			stdioFixture('local')
		]);
		expect(response.status).toBe(200);
		const body = mcpServersResponse.parse(await response.json());
		expect(body.map((server) => [server.id, server.status])).toEqual([
			['calculator', 'disabled'],
			['local', 'connecting']
		]);
		await s.mcp.settled();
		const after = await list(s);
		expect(after[1]).toMatchObject({ id: 'local', status: 'connected', error: null });
		expect(s.tools.listTools().map((tool) => tool.name)).not.toContain('calculator__evaluate');
	});

	it('hides env and header values from the browser and keeps them when PUT sends them back hidden', async () => {
		const s = await services();
		const http = await startHttpFixture({
			requireHeader: ['authorization', 'Bearer fixture-token']
		});
		try {
			const remote = {
				id: 'remote',
				enabled: true,
				transport: 'http' as const,
				url: http.url,
				headers: { Authorization: 'Bearer fixture-token' }
			};
			const local = stdioFixture('local', { env: { API_TOKEN: 'tok-123', MODE: 'test' } });
			const answer = await put(s, [remote, local]);
			expect(JSON.stringify(await answer.json())).not.toMatch(/fixture-token|tok-123/);
			await s.mcp.settled();

			const shown = await list(s);
			expect(shown[0]).toMatchObject({
				status: 'connected',
				headers: { Authorization: MCP_HIDDEN_VALUE }
			});
			expect(shown[1].env).toEqual({ API_TOKEN: MCP_HIDDEN_VALUE, MODE: MCP_HIDDEN_VALUE });

			// What the /mcp page does: send back what it was shown, with one change each.
			const back = shown.map(({ status: _s, error: _e, tools: _t, ...config }) => config);
			back[0].approval = 'ask';
			back[1].env = { ...back[1].env, MODE: 'live' };
			expect((await put(s, back)).status).toBe(200);
			expect(await s.mcp.listConfigs()).toMatchObject([
				{ approval: 'ask', headers: { Authorization: 'Bearer fixture-token' } },
				{ env: { API_TOKEN: 'tok-123', MODE: 'live' } }
			]);
			await s.mcp.refresh();
			expect((await list(s))[0].status).toBe('connected');

			const renamed = await errorOf(await put(s, [{ ...back[0], id: 'renamed' }]));
			expect(renamed).toEqual({
				status: 400,
				code: 'invalid_request',
				message: expect.stringMatching(/^0\.headers\.Authorization: .*type the value/)
			});
			expect((await s.mcp.listConfigs()).map((server) => server.id)).toEqual(['remote', 'local']);
		} finally {
			await http.close();
		}
	});

	it('refresh retries and answers the list', async () => {
		const s = await services();
		const response = await callRoute(REFRESH, s, {
			method: 'POST',
			path: '/api/mcp/servers/refresh'
		});
		expect(response.status).toBe(200);
		const statuses = mcpServersResponse.parse(await response.json()).map((server) => server.status);
		expect(statuses).toEqual(['connected', 'connected', 'unavailable']);
	});
});

describe('chat with MCP tools', () => {
	it('offers the calculator, runs the call and streams its result', async () => {
		const s = await services();
		const response = await callRoute(CHAT, s, {
			method: 'POST',
			path: '/api/chat',
			body: { message: 'What is it? [[tool:calculator__evaluate {"expression":"2+3*4"}]]' }
		});
		const events = await readChatEvents(response);
		expect(eventsNamed(events, 'tool_call')[0].data).toMatchObject({
			name: 'calculator__evaluate',
			arguments: { expression: '2+3*4' }
		});
		expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
			name: 'calculator__evaluate',
			content: '14',
			is_error: false
		});
		expect(textOf(events)).toContain('14');
		expect(offeredTools(0)).toContain('calculator__evaluate');
		const second = openrouter.standin.requests.filter((r) =>
			r.path.endsWith('/chat/completions')
		)[1].body;
		expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: '14' });
	});

	it('stops offering the tools of a server that was switched off', async () => {
		const s = await services();
		await readChatEvents(
			await callRoute(CHAT, s, { method: 'POST', path: '/api/chat', body: { message: 'hello' } })
		);
		expect(offeredTools(0)).toContain('calculator__evaluate');
		await put(s, [
			{ id: 'calculator', enabled: false, transport: 'builtin' },
			{ id: 'housekeeping', enabled: true, transport: 'builtin' }
		]);
		await readChatEvents(
			await callRoute(CHAT, s, {
				method: 'POST',
				path: '/api/chat',
				body: { message: 'hello again' }
			})
		);
		expect(offeredTools(1)).not.toContain('calculator__evaluate');
		expect(offeredTools(1)).toContain('housekeeping__current_time');
	});

	it('sends invalid arguments back to the model as an error result', async () => {
		const s = await services();
		const events = await readChatEvents(
			await callRoute(CHAT, s, {
				method: 'POST',
				path: '/api/chat',
				body: { message: '[[tool:calculator__evaluate {"expr":"1+1"}]]' }
			})
		);
		expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
			is_error: true,
			content: expect.stringMatching(/missing "expression"/)
		});
	});

	it('runs nothing on a server set to deny, and waits for a person on one set to ask', async () => {
		const s = await services();
		const turn = async (decision?: 'approve' | 'deny') => {
			const started = await s.chat.start({
				message: '[[tool:calculator__evaluate {"expression":"6*7"}]]'
			});
			const events: ChatEvent[] = [];
			for await (const event of started.events()) {
				events.push(event);
				if (event.event === 'tool_approval' && decision)
					s.approvals.decide(ApprovalRegistry.key(started.sessionId, event.data.id), decision);
			}
			return events;
		};

		await put(s, [{ id: 'calculator', enabled: true, transport: 'builtin', approval: 'deny' }]);
		const denied = await turn();
		expect(eventsNamed(denied, 'tool_approval')).toEqual([]);
		expect(eventsNamed(denied, 'tool_result')[0].data).toMatchObject({
			is_error: true,
			content: expect.stringMatching(/set to deny/)
		});

		await put(s, [{ id: 'calculator', enabled: true, transport: 'builtin', approval: 'ask' }]);
		const approved = await turn('approve');
		expect(eventsNamed(approved, 'tool_approval')[0].data).toMatchObject({
			name: 'calculator__evaluate',
			server_id: 'calculator'
		});
		expect(eventsNamed(approved, 'tool_result')[0].data).toMatchObject({
			is_error: false,
			content: '42'
		});

		const refused = await turn('deny');
		expect(eventsNamed(refused, 'tool_result')[0].data).toMatchObject({
			is_error: true,
			content: 'The person denied it; calculator__evaluate did not run.'
		});

		const stopped = new AbortController();
		const waiting = await s.chat.start({
			message: '[[tool:calculator__evaluate {"expression":"6*7"}]]'
		});
		const events: ChatEvent[] = [];
		for await (const event of waiting.events(stopped.signal)) {
			events.push(event);
			if (event.event === 'tool_approval') stopped.abort();
		}
		expect(eventsNamed(events, 'tool_result')[0].data.content).toBe(
			'The reply was stopped before anyone decided; calculator__evaluate did not run.'
		);
		expect(events.at(-1)).toMatchObject({ event: 'done', data: { finish_reason: 'aborted' } });
		expect(s.approvals.size).toBe(0);
	});

	it('pauses on a call until POST /api/chat/approvals decides, and a reload shows the call and its result', async () => {
		const s = await services();
		await put(s, [{ id: 'calculator', enabled: true, transport: 'builtin', approval: 'ask' }]);
		const response = await callRoute(CHAT, s, {
			method: 'POST',
			path: '/api/chat',
			body: { message: 'Multiply [[tool:calculator__evaluate {"expression":"6*7"}]]' }
		});
		const decide = (body: unknown) =>
			callRoute(DECIDE, s, { method: 'POST', path: '/api/chat/approvals', body });
		const events: ChatEvent[] = [];
		let sessionId = '';
		let decided: Response | undefined;
		for await (const item of readSse(response.body!)) {
			if (isSseComment(item)) continue;
			const event = { event: item.event, data: JSON.parse(item.data) } as ChatEvent;
			events.push(event);
			if (event.event === 'session') sessionId = event.data.session_id;
			if (event.event === 'tool_approval') {
				expect(
					await errorOf(
						await decide({ session_id: sessionId, tool_call_id: 'nope', decision: 'approve' })
					)
				).toMatchObject({ status: 404, code: 'approval_not_found' });
				expect(
					await errorOf(
						await decide({ session_id: sessionId, tool_call_id: event.data.id, decision: 'maybe' })
					)
				).toMatchObject({ status: 400, message: expect.stringMatching(/^decision/) });
				decided = await decide({
					session_id: sessionId,
					tool_call_id: event.data.id,
					decision: 'approve'
				});
			}
		}
		expect(decided?.status).toBe(200);
		const call = eventsNamed(events, 'tool_call')[0].data;
		expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
			id: call.id,
			content: '42',
			is_error: false
		});
		expect(
			await errorOf(
				await decide({ session_id: sessionId, tool_call_id: call.id, decision: 'approve' })
			)
		).toMatchObject({ status: 404 });

		const reloaded = await (
			await callRoute(SESSION, s, { path: `/api/sessions/${sessionId}`, params: { id: sessionId } })
		).json();
		const roles = reloaded.messages.map((m: { role: string }) => m.role);
		expect(roles).toEqual(['user', 'assistant', 'tool', 'assistant']);
		expect(reloaded.messages[1].tool_calls[0]).toMatchObject({
			id: call.id,
			function: { name: 'calculator__evaluate' }
		});
		expect(reloaded.messages[2]).toMatchObject({ tool_call_id: call.id, content: '42' });

		// The next turn sends the call and its answer upstream, in a history the provider accepts.
		openrouter.standin.requests.length = 0;
		await readChatEvents(
			await callRoute(CHAT, s, {
				method: 'POST',
				path: '/api/chat',
				body: { session_id: sessionId, message: 'thanks' }
			})
		);
		const sent = openrouter.standin.requests.find((r) => r.path.endsWith('/chat/completions'))!.body
			.messages;
		expect(sent.map((m: { role: string }) => m.role)).toEqual([
			'user',
			'assistant',
			'tool',
			'assistant',
			'user'
		]);
		expect(sent[1].tool_calls[0].id).toBe(call.id);
		expect(sent[2]).toMatchObject({ tool_call_id: call.id, content: '42' });
	});
});

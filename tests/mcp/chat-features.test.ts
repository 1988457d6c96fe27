import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatEvent } from '$lib/api';
import { isSseComment, readSse } from '$lib/api/sse';
import type { Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { POST as ELICIT } from '../../src/routes/api/chat/elicitations/+server';
import { POST as SAMPLE } from '../../src/routes/api/chat/samplings/+server';
import { PUT } from '../../src/routes/api/mcp/servers/+server';
import { GET as SESSION, PATCH } from '../../src/routes/api/sessions/[id]/+server';
import { POST as STOP } from '../../src/routes/api/sessions/[id]/stop/+server';
import {
	callRoute,
	errorOf,
	eventsNamed,
	readChatEvents,
	TEST_API_KEY,
	testServices,
	useOpenRouterStandin
} from '../support/factories';
import { stdioFixture } from '../support/mcp/factory';
import { startHttpFixture } from '../support/mcp/http-server.mjs';

const openrouter = useOpenRouterStandin();
let http: Awaited<ReturnType<typeof startHttpFixture>>;
beforeAll(async () => {
	http = await startHttpFixture();
});
afterAll(() => http.close());

async function services(extra: Record<string, unknown> = {}): Promise<Services> {
	const s = testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
	});
	await callRoute(PUT, s, {
		method: 'PUT',
		path: '/api/mcp/servers',
		body: [
			{ id: 'calculator', enabled: true, transport: 'builtin' },
			stdioFixture('local', extra),
			{ id: 'remote', enabled: true, transport: 'http', url: http.url, ...extra }
		]
	});
	await s.mcp.settled();
	return s;
}

const chat = (s: Services, body: unknown) =>
	callRoute(CHAT, s, { method: 'POST', path: '/api/chat', body });
const session = async (s: Services, id: string) =>
	(await callRoute(SESSION, s, { path: `/api/sessions/${id}`, params: { id } })).json();
const completions = () =>
	openrouter.standin.requests.filter((request) => request.path.endsWith('/chat/completions'));
const offered = (index: number) =>
	(completions()[index]?.body.tools ?? []).map(
		(tool: { function: { name: string } }) => tool.function.name
	);

/** Reads a chat's events, calling `on` for each as it arrives (to answer questions mid-turn). */
async function follow(
	response: Response,
	on: (event: ChatEvent, sessionId: string) => Promise<void> | void
): Promise<ChatEvent[]> {
	const events: ChatEvent[] = [];
	let sessionId = '';
	for await (const item of readSse(response.body!)) {
		if (isSseComment(item)) continue;
		const event = { event: item.event, data: JSON.parse(item.data) } as ChatEvent;
		events.push(event);
		if (event.event === 'session') sessionId = event.data.session_id;
		await on(event, sessionId);
	}
	return events;
}

describe('resources attached to a question', () => {
	it('sends their text upstream under a header naming the URI and keeps them after reload', async () => {
		const s = await services();
		const events = await readChatEvents(
			await chat(s, {
				message: 'What does it say?',
				resources: [
					{ server_id: 'local', uri: 'fixture://readme' },
					{ server_id: 'remote', uri: 'fixture://notes/tides' }
				]
			})
		);
		const sessionId = eventsNamed(events, 'session')[0].data.session_id;
		const sent = completions()[0].body.messages.at(-1).content;
		expect(sent).toBe(
			'What does it say?\n\n--- Resource fixture://readme (readme, from local) ---\nThe fixture readme says hi.\n\n--- Resource fixture://notes/tides (remote) ---\nNotes on tides.'
		);
		const detail = await session(s, sessionId);
		expect(detail.messages[0].resources).toEqual([
			{ server_id: 'local', uri: 'fixture://readme', name: 'readme', mime_type: 'text/plain' },
			{ server_id: 'remote', uri: 'fixture://notes/tides' }
		]);

		// The next turn sends the same text again, from what was stored.
		await readChatEvents(await chat(s, { session_id: sessionId, message: 'And now?' }));
		const history = completions()[1].body.messages;
		expect(history[0].content).toBe(sent);
	});

	it('cuts a resource over 1 MB with a note and marks it cut', async () => {
		const s = await services();
		const events = await readChatEvents(
			await chat(s, { message: 'big', resources: [{ server_id: 'local', uri: 'fixture://big' }] })
		);
		const sent: string = completions()[0].body.messages.at(-1).content;
		expect(sent).toMatch(/Switchboard cut this resource: it was 1200000 bytes/);
		expect(Buffer.byteLength(sent)).toBeLessThan(1024 * 1024 + 200);
		const detail = await session(s, eventsNamed(events, 'session')[0].data.session_id);
		expect(detail.messages[0].resources[0]).toMatchObject({ truncated: true });
	});

	it('refuses a URI of another server before anything is saved', async () => {
		const s = await services();
		expect(
			await errorOf(
				await chat(s, {
					message: 'x',
					resources: [{ server_id: 'calculator', uri: 'fixture://readme' }]
				})
			)
		).toMatchObject({ status: 404, code: 'resource_not_found' });
		expect(
			await errorOf(
				await chat(s, {
					message: 'x',
					resources: [{ server_id: 'ghost', uri: 'fixture://readme' }]
				})
			)
		).toMatchObject({ status: 404, code: 'server_not_found' });
		expect(completions()).toEqual([]);
		expect(s.repo.listSessions({ limit: 10 }).sessions).toEqual([]);
	});
});

describe('a prompt of several messages', () => {
	it('is saved and sent with its roles before the question', async () => {
		const s = await services();
		const events = await readChatEvents(
			await chat(s, {
				message: 'Now summarize tides in one line.',
				prompt_messages: [
					{ role: 'user', text: 'Let us talk about tides.' },
					{ role: 'assistant', text: 'Sure, tides it is.' }
				]
			})
		);
		const sent = completions()[0].body.messages.map((m: { role: string; content: string }) => [
			m.role,
			m.content
		]);
		expect(sent).toEqual([
			['user', 'Let us talk about tides.'],
			['assistant', 'Sure, tides it is.'],
			['user', 'Now summarize tides in one line.']
		]);
		const detail = await session(s, eventsNamed(events, 'session')[0].data.session_id);
		expect(detail.title).toBe('Now summarize tides in one line.');
		expect(detail.messages.map((m: { role: string }) => m.role)).toEqual([
			'user',
			'assistant',
			'user',
			'assistant'
		]);
	});
});

describe('tools per chat', () => {
	it('omits the tools of servers switched off and refuses a call to one as a tool error', async () => {
		const s = await services();
		const events = await readChatEvents(
			await chat(s, {
				message: 'Add [[tool:local__add {"a":1,"b":2}]]',
				disabled_servers: ['local']
			})
		);
		const sessionId = eventsNamed(events, 'session')[0].data.session_id;
		expect(offered(0)).toContain('remote__add');
		expect(offered(0).some((name: string) => name.startsWith('local__'))).toBe(false);
		expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
			is_error: true,
			content: expect.stringMatching(/local server is switched off in this chat/)
		});
		expect((await session(s, sessionId)).disabled_servers).toEqual(['local']);

		// Switched back on for this chat: offered again.
		const patched = await callRoute(PATCH, s, {
			method: 'PATCH',
			path: `/api/sessions/${sessionId}`,
			params: { id: sessionId },
			body: { disabled_servers: ['remote'] }
		});
		expect(await patched.json()).toMatchObject({
			session_id: sessionId,
			disabled_servers: ['remote']
		});
		await readChatEvents(await chat(s, { session_id: sessionId, message: 'again' }));
		const last = offered(completions().length - 1);
		expect(last).toContain('local__add');
		expect(last.some((name: string) => name.startsWith('remote__'))).toBe(false);

		// A new chat starts with every enabled server.
		openrouter.standin.requests.length = 0;
		await readChatEvents(await chat(s, { message: 'fresh' }));
		expect(offered(0)).toEqual(expect.arrayContaining(['local__add', 'remote__add']));
	});

	it('PATCH answers 400 for a bad body and 404 for an unknown chat', async () => {
		const s = await services();
		const id = '00000000-0000-4000-8000-000000000000';
		const patch = (body: unknown) =>
			callRoute(PATCH, s, { method: 'PATCH', path: `/api/sessions/${id}`, params: { id }, body });
		expect(await errorOf(await patch({}))).toMatchObject({ status: 400 });
		expect(await errorOf(await patch({ disabled_servers: ['../x'] }))).toMatchObject({
			status: 400
		});
		expect(await errorOf(await patch({ disabled_servers: [] }))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
	});
});

describe('elicitation during a tool call', () => {
	it('asks the person, refuses content off the schema (still open), returns the answer', async () => {
		const s = await services();
		const answer = (body: unknown) =>
			callRoute(ELICIT, s, { method: 'POST', path: '/api/chat/elicitations', body });
		const seen: unknown[] = [];
		const events = await follow(
			await chat(s, { message: 'Who? [[tool:remote__ask_name {}]]' }),
			async (event, sessionId) => {
				if (event.event !== 'elicitation') return;
				expect(event.data).toMatchObject({
					server_id: 'remote',
					message: 'Who are you?',
					requested_schema: { properties: { name: { type: 'string' } }, required: ['name'] }
				});
				const base = { session_id: sessionId, elicitation_id: event.data.id };
				seen.push(await errorOf(await answer({ ...base, action: 'accept', content: { age: 3 } })));
				seen.push(
					await errorOf(
						await answer({ ...base, action: 'accept', content: { name: 'Ada', color: 'pink' } })
					)
				);
				seen.push(
					await errorOf(await answer({ ...base, action: 'accept', content: { name: 'Ada', x: 1 } }))
				);
				seen.push(await errorOf(await answer({ ...base, session_id: 'other', action: 'cancel' })));
				seen.push(await errorOf(await answer({ ...base, action: 'maybe' })));
				const ok = await answer({
					...base,
					action: 'accept',
					content: { name: 'Ada', age: 36, subscribe: true, color: 'green' }
				});
				seen.push(await ok.json());
				seen.push(await errorOf(await answer({ ...base, action: 'cancel' })));
			}
		);
		expect(seen).toEqual([
			expect.objectContaining({
				status: 400,
				code: 'invalid_content',
				message: expect.stringMatching(/name/)
			}),
			expect.objectContaining({ status: 400, code: 'invalid_content' }),
			expect.objectContaining({ status: 400, code: 'invalid_content' }),
			expect.objectContaining({ status: 404, code: 'elicitation_not_found' }),
			expect.objectContaining({ status: 400, code: 'invalid_request' }),
			{ ok: true },
			expect.objectContaining({ status: 404, code: 'elicitation_not_found' })
		]);
		expect(eventsNamed(events, 'elicitation_result')[0].data.action).toBe('accept');
		expect(eventsNamed(events, 'tool_result')[0].data.content).toBe(
			'accepted {"name":"Ada","age":36,"subscribe":true,"color":"green"}'
		);
	});

	it('a stop cancels the open question', async () => {
		const s = await services();
		const events = await follow(
			await chat(s, { message: 'Who? [[tool:local__ask_name {}]]' }),
			async (event, sessionId) => {
				if (event.event !== 'elicitation') return;
				await callRoute(STOP, s, {
					method: 'POST',
					path: `/api/sessions/${sessionId}/stop`,
					params: { id: sessionId }
				});
			}
		);
		expect(eventsNamed(events, 'elicitation_result')[0].data.action).toBe('cancel');
		expect(s.elicitations.size).toBe(0);
	});
});

describe('sampling during a tool call', () => {
	it('waits for approval, completes with the chat model, counts the usage in the turn', async () => {
		const s = await services();
		const decide = (body: unknown) =>
			callRoute(SAMPLE, s, { method: 'POST', path: '/api/chat/samplings', body });
		let unknown: unknown;
		const events = await follow(
			await chat(s, { message: 'Sum [[tool:local__summarize {"text":"the sea"}]]' }),
			async (event, sessionId) => {
				if (event.event !== 'sampling_request') return;
				expect(event.data).toMatchObject({
					server_id: 'local',
					messages: [{ role: 'user', text: 'Summarize: the sea' }],
					max_tokens: 100
				});
				unknown = await errorOf(
					await decide({ session_id: sessionId, sampling_id: 'nope', action: 'approve' })
				);
				await decide({ session_id: sessionId, sampling_id: event.data.id, action: 'approve' });
			}
		);
		expect(unknown).toMatchObject({ status: 404, code: 'sampling_not_found' });
		const sampled = completions()[1].body;
		expect(sampled).toMatchObject({ model: 'openai/gpt-4o', max_tokens: 100 });
		expect(sampled.tools).toBeUndefined();
		expect(eventsNamed(events, 'tool_result')[0].data.content).toBe(
			'summary from openai/gpt-4o: Echo: Summarize: the sea'
		);
		// Three completions (the call, the sampling, the answer) in the turn's usage: the stand-in
		// counts a request's prompt tokens as a quarter of its messages' JSON.
		expect(completions()).toHaveLength(3);
		const promptTokens = completions().reduce(
			(sum, request) => sum + Math.ceil(JSON.stringify(request.body.messages).length / 4),
			0
		);
		expect(eventsNamed(events, 'usage')[0].data.prompt_tokens).toBe(promptTokens);
	});

	it('a server set to deny or auto never asks; a denial reaches the server as an error', async () => {
		const denied = await services({ sampling: 'deny' });
		const events = await readChatEvents(
			await chat(denied, { message: 'Sum [[tool:local__summarize {"text":"x"}]]' })
		);
		expect(eventsNamed(events, 'sampling_request')).toEqual([]);
		expect(eventsNamed(events, 'tool_result')[0].data.content).toMatch(/sampling failed: .*refuse/);

		openrouter.standin.requests.length = 0;
		const auto = await services({ sampling: 'auto' });
		const ran = await readChatEvents(
			await chat(auto, { message: 'Sum [[tool:remote__summarize {"text":"y"}]]' })
		);
		expect(eventsNamed(ran, 'sampling_request')).toEqual([]);
		expect(eventsNamed(ran, 'tool_result')[0].data.content).toMatch(/^summary from openai\/gpt-4o/);
	});
});

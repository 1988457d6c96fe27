import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import type { ChatEvent } from '$lib/api';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import { noAttachments, type ChatAttachments } from '$lib/server/chat/attachments';
import { ServerShutdown, type ChatTurnInput } from '$lib/server/chat/orchestrator';
import { attachments, messageAttachments, type MessageRow } from '$lib/server/db/schema';
import type { ToolProvider } from '$lib/server/chat/tools';
import { AppError } from '$lib/server/errors';
import { DEMO_MODEL_ID } from '$lib/server/openrouter/client';
import type { Transport } from '$lib/server/openrouter/transport';
import type { UpstreamMessage } from '$lib/server/openrouter/types';
import {
	eventsNamed,
	fakeTools,
	fixedSettings,
	memoryLogger,
	seedConversation,
	testClient,
	testOrchestrator,
	testRepository,
	testTransport,
	textOf,
	useOpenRouterStandin
} from '../support/factories';

const openrouter = useOpenRouterStandin();

interface Setup {
	tools?: ToolProvider;
	maxToolRounds?: number;
	transport?: Transport;
	apiKey?: string | null;
	systemPrompt?: string | null;
}

function setup(options: Setup = {}) {
	const { repo } = testRepository();
	const client = testClient({
		baseUrl: openrouter.standin.url,
		transport: options.transport,
		apiKey: options.apiKey
	});
	return testOrchestrator({
		repo,
		client,
		tools: options.tools,
		maxToolRounds: options.maxToolRounds,
		settings: fixedSettings({ systemPrompt: options.systemPrompt ?? null })
	});
}

type Orchestrator = ReturnType<typeof setup>['chat'];

async function turn(
	chat: Orchestrator,
	input: ChatTurnInput,
	onEvent?: (event: ChatEvent, abort: () => void) => void
) {
	const started = await chat.start(input);
	const controller = new AbortController();
	const events: ChatEvent[] = [];
	for await (const event of started.events(controller.signal)) {
		events.push(event);
		onEvent?.(event, () => controller.abort());
	}
	return {
		sessionId: started.sessionId,
		events,
		text: textOf(events),
		done: eventsNamed(events, 'done')[0]?.data
	};
}

const chatRequests = () =>
	openrouter.standin.requests.filter((r) => r.path === '/chat/completions');
const upstreamMessages = (index: number): UpstreamMessage[] => chatRequests()[index].body.messages;

/** What OpenAI-compatible providers require of a history: tool answers right after their calls. */
function expectValidHistory(messages: UpstreamMessage[]) {
	for (let i = 0; i < messages.length; i++) {
		const message = messages[i];
		if (message.role === 'assistant') {
			expect(
				message.content !== null || (message.tool_calls?.length ?? 0) > 0,
				`assistant message ${i} says nothing`
			).toBe(true);
			const ids = (message.tool_calls ?? []).map((call) => call.id);
			const answers = messages.slice(i + 1, i + 1 + ids.length);
			expect(answers.map((m) => (m.role === 'tool' ? m.tool_call_id : m.role)).sort()).toEqual(
				[...ids].sort()
			);
		}
		if (message.role === 'tool') {
			const owner = messages.slice(0, i).findLast((m) => m.role !== 'tool');
			expect(owner?.role, `tool message ${i} follows no tool call`).toBe('assistant');
			expect(
				owner?.role === 'assistant' &&
					owner.tool_calls?.some((call) => call.id === message.tool_call_id)
			).toBe(true);
		}
	}
}

describe('chat orchestrator', () => {
	it('streams the reply and saves it with its usage and model', async () => {
		const { chat, repo } = setup();
		const { sessionId, events, text, done } = await turn(chat, {
			message: 'Hello, model',
			modelId: 'anthropic/claude-sonnet-4'
		});

		expect(events[0]).toEqual({
			event: 'session',
			data: {
				session_id: sessionId,
				title: 'Hello, model',
				user_message_id: repo.listMessages(sessionId)[0].id
			}
		});
		expect(events.at(-1)?.event).toBe('done');
		expect(text).toBe('Echo: Hello, model');
		expect(chatRequests()[0].body.model).toBe('anthropic/claude-sonnet-4');

		const rows = repo.listMessages(sessionId);
		expect(rows.map((r) => r.role)).toEqual(['user', 'assistant']);
		const [question, reply] = rows;
		expect(question).toMatchObject({
			content: 'Hello, model',
			modelId: 'anthropic/claude-sonnet-4'
		});
		expect(reply).toMatchObject({
			id: done.message_id,
			content: text,
			modelId: 'anthropic/claude-sonnet-4',
			finishReason: 'stop',
			error: null
		});
		const usage = eventsNamed(events, 'usage')[0].data;
		expect(usage).toMatchObject({
			prompt_tokens: expect.any(Number),
			completion_tokens: expect.any(Number),
			cost: expect.any(Number)
		});
		expect(reply.usage).toEqual(usage);
	});

	it('uses the configured model when the request names none, and sends the system prompt first', async () => {
		const { chat } = setup({ systemPrompt: 'Be brief.' });
		await turn(chat, { message: 'hi' });
		expect(chatRequests()[0].body.model).toBe('openai/gpt-4o');
		expect(upstreamMessages(0)).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'hi' }
		]);
	});

	it('saves the question while its request goes upstream, before the answer is read', async () => {
		const { repo } = testRepository();
		const http = testTransport(openrouter.standin.url);
		const saved: { atCall?: string[]; atAnswer?: string[] } = {};
		const rows = () => {
			const [session] = repo.listSessions({ limit: 1 }).sessions;
			return session
				? repo.listMessages(session.sessionId).map((r) => `${r.role}: ${r.content}`)
				: [];
		};
		const transport: Transport = async (request) => {
			saved.atCall = rows();
			const response = await http(request);
			saved.atAnswer = rows();
			return response;
		};
		const { chat } = testOrchestrator({
			repo,
			client: testClient({ baseUrl: openrouter.standin.url, transport })
		});
		const started = await chat.start({ message: 'Is this saved first?' });
		// Sent before the question's row (and its full-text index) was written...
		expect(saved.atCall).toEqual([]);
		// ...which is there when start() returns, long before the provider answers.
		expect(rows()).toEqual(['user: Is this saved first?']);
		for await (const _ of started.events()) {
			// read to the end
		}
		expect(saved.atAnswer).toEqual(['user: Is this saved first?']);
	});

	it('aborts the request it sent early when the question cannot be saved', async () => {
		const { repo } = testRepository();
		repo.startConversation = () => {
			throw new Error('SQLITE_FULL: database or disk is full');
		};
		const marker = '[[slow]] never saved';
		const { chat } = testOrchestrator({
			repo,
			client: testClient({ baseUrl: openrouter.standin.url })
		});
		await expect(chat.start({ message: marker })).rejects.toThrow(/SQLITE_FULL/);
		// Never sent (the connection was still opening) or closed while the stand-in answered.
		await new Promise((resolve) => setTimeout(resolve, 300));
		const sent = openrouter.standin.requests.filter((request) =>
			JSON.stringify(request.body).includes(marker)
		);
		expect(sent.every((request) => request.aborted)).toBe(true);
	});

	it('keeps the question and records the failure when upstream refuses before streaming', async () => {
		const { chat, repo } = setup();
		const { sessionId, events, done } = await turn(chat, { message: 'Rate me [[status:429]]' });
		expect(events.map((e) => e.event)).toEqual(['session', 'error', 'done']);
		expect(eventsNamed(events, 'error')[0].data).toEqual({
			code: 'upstream_rate_limited',
			message: expect.stringContaining('retry after 7 s')
		});
		expect(done.finish_reason).toBe('error');
		expect(repo.getConversation(sessionId)?.title).toBe('Rate me [[status:429]]');
		const rows = repo.listMessages(sessionId);
		expect(rows.map((r) => [r.role, r.content, r.finishReason])).toEqual([
			['user', 'Rate me [[status:429]]', null],
			['assistant', '', 'error']
		]);
		expect(rows[1].error?.code).toBe('upstream_rate_limited');
	});

	it('keeps the partial reply when the provider fails mid-stream', async () => {
		const { chat, repo } = setup();
		const { sessionId, events, text, done } = await turn(chat, { message: '[[midstream-error]]' });
		expect(text).toBe('This reply starts fine but ');
		expect(events.slice(-2).map((e) => e.event)).toEqual(['error', 'done']);
		const reply = repo.listMessages(sessionId)[1];
		expect(reply).toMatchObject({
			id: done.message_id,
			content: 'This reply starts fine but ',
			finishReason: 'error'
		});
		expect(reply.error).toEqual({
			code: 'upstream_stream_error',
			message: expect.stringContaining('Provider disconnected')
		});
	});

	it('keeps the partial reply when the connection is cut', async () => {
		const { chat, repo } = setup();
		const { sessionId, events } = await turn(chat, { message: '[[truncate]]' });
		expect(eventsNamed(events, 'error')[0].data.code).toBe('upstream_incomplete');
		expect(repo.listMessages(sessionId)[1]).toMatchObject({
			content: 'This reply is cut ',
			finishReason: 'error'
		});
	});

	it('keeps the partial reply and stops upstream when the person stops', async () => {
		const { chat, repo } = setup();
		const upstreamClosed = once(openrouter.standin.events, 'aborted');
		let deltas = 0;
		const { sessionId, events, text, done } = await turn(
			chat,
			{ message: '[[slow]]' },
			(event, abort) => {
				if (event.event === 'delta' && ++deltas === 3) abort();
			}
		);
		await upstreamClosed;
		expect(text).toBe('word0 word1 word2 ');
		expect(eventsNamed(events, 'error')).toEqual([]);
		expect(done.finish_reason).toBe('aborted');
		expect(repo.listMessages(sessionId)[1]).toMatchObject({
			id: done.message_id,
			content: text,
			finishReason: 'aborted',
			error: null
		});
	});

	it('titles the conversation from its first message only', async () => {
		const { chat, repo } = setup();
		const long = `# Plan a   **three-week** trip through Japan in spring, with trains, temples and food markets\nmore detail`;
		const first = await turn(chat, { message: long });
		const title = repo.getConversation(first.sessionId)!.title;
		expect(title).toBe('Plan a three-week trip through Japan in spring, with…');
		await turn(chat, { sessionId: first.sessionId, message: 'Something else entirely' });
		expect(repo.getConversation(first.sessionId)!.title).toBe(title);
	});

	it('names OPENROUTER_API_KEY in the error when no key is set, and keeps the question', async () => {
		const { chat, repo } = setup({ apiKey: null });
		const { sessionId, events } = await turn(chat, { message: 'hello' });
		const [error] = eventsNamed(events, 'error');
		expect(error.data.code).toBe('missing_api_key');
		expect(error.data.message).toContain('OPENROUTER_API_KEY');
		expect(repo.listMessages(sessionId).map((r) => r.role)).toEqual(['user', 'assistant']);
		expect(chatRequests()).toEqual([]);
	});

	it('answers with the offline demo model without a key', async () => {
		const { chat, repo } = setup({ apiKey: null });
		const { sessionId, events, text } = await turn(chat, {
			message: 'hello',
			modelId: DEMO_MODEL_ID
		});
		expect(eventsNamed(events, 'error')).toEqual([]);
		expect(eventsNamed(events, 'reasoning').length).toBeGreaterThan(0);
		expect(text).toContain('offline demo model');
		expect(repo.listMessages(sessionId)[1]).toMatchObject({
			modelId: DEMO_MODEL_ID,
			finishReason: 'stop',
			content: text
		});
	});

	it('ends the stream with an error event when the server itself fails mid-turn', async () => {
		const { repo } = testRepository();
		const log = memoryLogger();
		const addMessage = repo.addMessage.bind(repo);
		repo.addMessage = (message) => {
			if (message.role === 'assistant') throw new Error('SQLITE_FULL: database or disk is full');
			return addMessage(message);
		};
		const { chat } = testOrchestrator({
			repo,
			log,
			client: testClient({ baseUrl: openrouter.standin.url })
		});
		const { events, done } = await turn(chat, { message: 'hello' });
		expect(events.slice(-2).map((e) => e.event)).toEqual(['error', 'done']);
		expect(eventsNamed(events, 'error')[0].data.code).toBe('internal_error');
		expect(done).toMatchObject({ message_id: null, finish_reason: 'error' });
		expect(log.records).toContainEqual(
			expect.objectContaining({ level: 'error', error: expect.any(Error) })
		);
	});

	describe('the reply while it streams', () => {
		it('is written to its one row as it grows, and that row is the reply at the end', async () => {
			const { repo } = testRepository();
			const { chat } = testOrchestrator({
				repo,
				client: testClient({ baseUrl: openrouter.standin.url }),
				checkpointMs: 100
			});
			let sessionId = '';
			let deltas = 0;
			const snapshots: { text: string; rows: MessageRow[] }[] = [];
			let streamed = '';
			const { done, text } = await turn(chat, { message: '[[slow]]' }, (event, abort) => {
				if (event.event === 'session') sessionId = event.data.session_id;
				if (event.event !== 'delta') return;
				streamed += event.data.text;
				snapshots.push({ text: streamed, rows: repo.listMessages(sessionId) });
				if (++deltas === 15) abort();
			});

			// The row appears just after the first word went out (written in the next turn of the
			// event loop, with the drafts of other turns), marked as still being written.
			expect(snapshots[0].rows.map((row) => row.role)).toEqual(['user']);
			expect(snapshots[1].rows.map((row) => [row.role, row.content, row.finishReason])).toEqual([
				['user', '[[slow]]', null],
				['assistant', 'word0 ', 'streaming']
			]);
			const replyIds = new Set(snapshots.flatMap(({ rows }) => rows.slice(1).map((r) => r.id)));
			expect(replyIds).toEqual(new Set([done.message_id]));
			// Later words reach it within the interval (40 ms a word, written every 100 ms).
			const last = snapshots.at(-1)!;
			expect(last.rows[1].content.length).toBeGreaterThan('word0 '.length);
			expect(last.text.startsWith(last.rows[1].content)).toBe(true);
			expect(last.text.length - last.rows[1].content.length).toBeLessThan('word10 '.length * 4);

			expect(repo.listMessages(sessionId)[1]).toMatchObject({
				id: done.message_id,
				content: text,
				finishReason: 'aborted'
			});
		});

		it('ends as interrupted, not aborted, when the server shuts down', async () => {
			const { chat, repo } = setup();
			const started = await chat.start({ message: '[[slow]]' });
			const controller = new AbortController();
			const events: ChatEvent[] = [];
			for await (const event of started.events(controller.signal)) {
				events.push(event);
				if (eventsNamed(events, 'delta').length === 2) controller.abort(new ServerShutdown());
			}
			expect(eventsNamed(events, 'done')[0].data.finish_reason).toBe('interrupted');
			expect(eventsNamed(events, 'error')).toEqual([]);
			expect(repo.listMessages(started.sessionId)[1]).toMatchObject({
				content: 'word0 word1 ',
				finishReason: 'interrupted',
				error: null
			});
		});

		it('is not left marked as streaming when saving its end fails', async () => {
			const { repo } = testRepository();
			const updateMessage = repo.updateMessage.bind(repo);
			repo.updateMessage = (id, patch) => {
				if (patch.createdAt) throw new Error('SQLITE_IOERR: disk I/O error');
				return updateMessage(id, patch);
			};
			const { chat } = testOrchestrator({
				repo,
				client: testClient({ baseUrl: openrouter.standin.url })
			});
			const { sessionId, events } = await turn(chat, { message: 'hello' });
			expect(eventsNamed(events, 'error')[0].data.code).toBe('internal_error');
			expect(repo.listMessages(sessionId)[1]).toMatchObject({
				content: expect.stringMatching(/^Echo/),
				finishReason: 'error',
				error: { code: 'internal_error', message: expect.any(String) }
			});
		});
	});

	describe('before anything is saved', () => {
		it('rejects an empty message without creating a conversation', async () => {
			const { chat, repo } = setup();
			await expect(chat.start({ message: '  \n ' })).rejects.toMatchObject({ status: 400 });
			expect(repo.listSessions({ limit: 10 }).sessions).toEqual([]);
			expect(chatRequests()).toEqual([]);
		});

		it('rejects an unknown conversation with 404', async () => {
			const { chat } = setup();
			const error = await chat
				.start({ sessionId: crypto.randomUUID(), message: 'hi' })
				.catch((e) => e);
			expect(error).toBeInstanceOf(AppError);
			expect(error).toMatchObject({ status: 404, code: 'session_not_found' });
		});

		it('rejects attachments when no attachment service is configured, creating nothing', async () => {
			const { chat, repo } = setup();
			await expect(
				chat.start({ message: 'see file', attachmentIds: ['a1'] })
			).rejects.toMatchObject({ status: 400 });
			expect(repo.listSessions({ limit: 10 }).sessions).toEqual([]);
		});
	});

	describe('retry (regenerate)', () => {
		it('answers the last question again beside the first reply, saving the question once', async () => {
			const { chat, repo } = setup();
			const first = await turn(chat, { message: 'Tell me again' });
			const again = await turn(chat, { sessionId: first.sessionId, message: '', regenerate: true });
			expect(again.sessionId).toBe(first.sessionId);
			expect(again.text).toBe('Echo: Tell me again');
			const rows = repo.listMessages(first.sessionId);
			expect(rows.map((r) => [r.role, r.content, r.parentId])).toEqual([
				['user', 'Tell me again', null],
				['assistant', 'Echo: Tell me again', rows[0].id],
				['assistant', 'Echo: Tell me again', rows[0].id]
			]);
			expect(repo.getConversation(first.sessionId)?.currentLeafId).toBe(rows[2].id);
			expect(upstreamMessages(1)).toEqual([{ role: 'user', content: 'Tell me again' }]);
		});

		it('answers a failed reply again, keeping the failed one as a version', async () => {
			const http = testTransport(openrouter.standin.url);
			let calls = 0;
			const flaky: Transport = async (request) => {
				if (calls++ > 0) return http(request);
				return {
					status: 500,
					header: () => undefined,
					body: (async function* () {})(),
					text: async () => '{"error":{"code":500,"message":"Internal Server Error"}}',
					close() {}
				};
			};
			const { chat, repo } = setup({ transport: flaky });
			const first = await turn(chat, { message: 'Try me' });
			expect(first.done.finish_reason).toBe('error');
			const again = await turn(chat, { sessionId: first.sessionId, message: '', regenerate: true });
			expect(again.done.finish_reason).toBe('stop');
			expect(repo.listMessages(first.sessionId).map((r) => [r.role, r.finishReason])).toEqual([
				['user', null],
				['assistant', 'error'],
				['assistant', 'stop']
			]);
		});

		it('needs a conversation with a question in it', async () => {
			const { chat, repo } = setup();
			await expect(chat.start({ message: '', regenerate: true })).rejects.toMatchObject({
				status: 400
			});
			const sessionId = crypto.randomUUID();
			repo.createConversation(sessionId, 'Empty', new Date().toISOString());
			await expect(chat.start({ sessionId, message: '', regenerate: true })).rejects.toMatchObject({
				status: 400,
				code: 'nothing_to_retry'
			});
		});
	});

	describe('history sent upstream', () => {
		it('leaves out a failed reply that said nothing', async () => {
			const { chat } = setup();
			const first = await turn(chat, { message: 'first [[status:500]]' });
			await turn(chat, { sessionId: first.sessionId, message: 'second' });
			expect(upstreamMessages(1)).toEqual([
				{ role: 'user', content: 'first [[status:500]]' },
				{ role: 'user', content: 'second' }
			]);
		});

		it('keeps tool calls followed by their results across turns', async () => {
			const { chat } = setup({ tools: fakeTools({ calc__add: {} }) });
			const first = await turn(chat, { message: '[[tool:calc__add {"a":1,"b":2}]]' });
			await turn(chat, { sessionId: first.sessionId, message: 'and now?' });
			const history = upstreamMessages(2);
			expect(history.map((m) => m.role)).toEqual([
				'user',
				'assistant',
				'tool',
				'assistant',
				'user'
			]);
			expectValidHistory(history);
		});

		it('sends attachments of earlier questions, asking only about messages that have them', async () => {
			const { db, repo } = testRepository();
			const sessionId = seedConversation(repo, {
				messages: [
					{ content: 'see the photo' },
					{ content: 'nice photo' },
					{ content: 'and this?' },
					{ content: 'ok' }
				]
			});
			const [withPhoto] = repo.listMessages(sessionId);
			const at = new Date().toISOString();
			db.insert(attachments)
				.values({
					attachmentId: 'att1',
					sessionId,
					fileName: 'cat.png',
					gcsBlob: 'cat.png',
					mimeType: 'image/png',
					sizeBytes: 3,
					sha256: 'x',
					createdAt: at,
					lastUsedAt: at
				})
				.run();
			db.insert(messageAttachments).values({ messageId: withPhoto.id, attachmentId: 'att1' }).run();
			const asked: number[] = [];
			const files: ChatAttachments = {
				...noAttachments,
				partsFor: async (messageId) => {
					asked.push(messageId);
					return [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }];
				}
			};
			const { chat } = testOrchestrator({
				repo,
				client: testClient({ baseUrl: openrouter.standin.url }),
				attachments: files
			});
			await turn(chat, { sessionId, message: 'what was in it?' });
			expect(asked).toEqual([withPhoto.id]);
			expect(upstreamMessages(0)[0]).toEqual({
				role: 'user',
				content: [
					{ type: 'text', text: 'see the photo' },
					{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } }
				]
			});
			expect(
				upstreamMessages(0)
					.slice(1)
					.map((m) => m.content)
			).toEqual(['nice photo', 'and this?', 'ok', 'what was in it?']);
		});

		it('drops tool calls that never got an answer (a crash between call and result)', async () => {
			const { chat, repo } = setup();
			const sessionId = crypto.randomUUID();
			const at = new Date().toISOString();
			repo.createConversation(sessionId, 'Crashed', at);
			repo.addMessage({ sessionId, role: 'user', content: 'use two tools', createdAt: at });
			repo.addMessage({
				sessionId,
				role: 'assistant',
				content: '',
				finishReason: 'tool_calls',
				toolCalls: [
					{ id: 'call_x', type: 'function', function: { name: 'calc__add', arguments: '{}' } },
					{ id: 'call_y', type: 'function', function: { name: 'calc__add', arguments: '{}' } }
				],
				createdAt: at
			});
			repo.addMessage({
				sessionId,
				role: 'tool',
				content: '3',
				toolCallId: 'call_x',
				createdAt: at
			});
			await turn(chat, { sessionId, message: 'still there?' });
			const history = upstreamMessages(0);
			expectValidHistory(history);
			expect(history[1]).toMatchObject({
				role: 'assistant',
				tool_calls: [expect.objectContaining({ id: 'call_x' })]
			});
		});
	});

	describe('tool loop', () => {
		it('runs a tool call and sends the result back to the model', async () => {
			const tools = fakeTools({
				calc__add: {
					run: ({ a, b }) => ({ content: String(Number(a) + Number(b)), isError: false })
				}
			});
			const { chat, repo } = setup({ tools });
			const { sessionId, events, text, done } = await turn(chat, {
				message: 'add [[tool:calc__add {"a":1,"b":2}]]'
			});

			expect(tools.calls.map((c) => [c.name, c.args])).toEqual([['calc__add', { a: 1, b: 2 }]]);
			const [call] = eventsNamed(events, 'tool_call');
			expect(call.data).toEqual({
				id: expect.any(String),
				name: 'calc__add',
				arguments: { a: 1, b: 2 }
			});
			expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
				id: call.data.id,
				name: 'calc__add',
				content: '3',
				is_error: false
			});
			expect(text).toBe('The tool answered: 3');

			// The tools were offered in the request, and the second request carries the result.
			expect(chatRequests()[0].body.tools).toEqual([
				{
					type: 'function',
					function: {
						name: 'calc__add',
						description: 'The calc__add tool',
						parameters: { type: 'object', properties: {} }
					}
				}
			]);
			const second = upstreamMessages(1);
			expectValidHistory(second);
			expect(second.slice(1)).toEqual([
				{
					role: 'assistant',
					content: null,
					tool_calls: [
						{
							id: call.data.id,
							type: 'function',
							function: { name: 'calc__add', arguments: '{"a":1,"b":2}' }
						}
					]
				},
				{ role: 'tool', tool_call_id: call.data.id, content: '3' }
			]);

			const rows = repo.listMessages(sessionId);
			expect(rows.map((r) => [r.role, r.finishReason])).toEqual([
				['user', null],
				['assistant', 'tool_calls'],
				['tool', 'stop'],
				['assistant', 'stop']
			]);
			expect(done.message_id).toBe(rows[3].id);
			// Usage adds up over both rounds.
			const usage = eventsNamed(events, 'usage')[0].data;
			expect(usage.total_tokens).toBe(rows[1].usage!.total_tokens + rows[3].usage!.total_tokens);
		});

		it('runs parallel calls at the same time and answers them in call order', async () => {
			const slow = (content: string) => async () => {
				await new Promise((resolve) => setTimeout(resolve, 150));
				return { content, isError: false };
			};
			const tools = fakeTools({
				slow__first: { run: slow('one') },
				slow__second: { run: slow('two') }
			});
			const { chat } = setup({ tools });
			const { events } = await turn(chat, {
				message: '[[tools:slow__first {"n":1}|slow__second {"n":2}]]'
			});
			const [a, b] = tools.calls;
			expect(b.startedAt).toBeLessThan(a.endedAt!);
			expect(eventsNamed(events, 'tool_call').map((e) => e.data.name)).toEqual([
				'slow__first',
				'slow__second'
			]);
			const second = upstreamMessages(1);
			expectValidHistory(second);
			expect(second.slice(2).map((m) => (m.role === 'tool' ? m.content : m.role))).toEqual([
				'one',
				'two'
			]);
		});

		it('tells the model when its arguments are not valid JSON, without running the tool', async () => {
			const tools = fakeTools({ calc__add: {} });
			const { chat } = setup({ tools });
			const { events } = await turn(chat, { message: '[[tool:calc__add {"a":1,]]' });
			expect(tools.calls).toEqual([]);
			expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
				is_error: true,
				content: expect.stringContaining('not a valid JSON object')
			});
			const toolMessage = upstreamMessages(1).find((m) => m.role === 'tool');
			expect(toolMessage?.content).toContain('not a valid JSON object');
		});

		it('tells the model about a tool that does not exist', async () => {
			const tools = fakeTools({ calc__add: {} });
			const { chat } = setup({ tools });
			const { events, done } = await turn(chat, { message: '[[tool:ghost__haunt {}]]' });
			expect(tools.calls).toEqual([]);
			expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
				name: 'ghost__haunt',
				is_error: true,
				content: expect.stringContaining('no tool named ghost__haunt')
			});
			expect(done.finish_reason).toBe('stop');
		});

		it('does not run a tool of a server set to deny', async () => {
			const tools = fakeTools({ shell__exec: { approval: 'deny' } });
			const { chat } = setup({ tools });
			const { events } = await turn(chat, { message: '[[tool:shell__exec {"cmd":"rm -rf /"}]]' });
			expect(tools.calls).toEqual([]);
			expect(eventsNamed(events, 'tool_result')[0].data).toMatchObject({
				is_error: true,
				content: expect.stringContaining('deny')
			});
		});

		it.each([
			['approve', 1, false],
			['deny', 0, true]
		] as const)(
			'asks before running a tool of a server set to ask (%s)',
			async (decision, runs, isError) => {
				const tools = fakeTools({ mail__send: { approval: 'ask' } });
				const { chat, approvals } = setup({ tools });
				let sessionId = '';
				const { events } = await turn(
					chat,
					{ message: '[[tool:mail__send {"to":"a@b.c"}]]' },
					(event) => {
						if (event.event === 'session') sessionId = event.data.session_id;
						if (event.event === 'tool_approval') {
							expect(event.data).toMatchObject({ name: 'mail__send', server_id: 'mail' });
							// A decision for another conversation must not release this call.
							expect(
								approvals.decide(
									ApprovalRegistry.key(crypto.randomUUID(), event.data.id),
									'approve'
								)
							).toBe(false);
							setTimeout(
								() =>
									expect(
										approvals.decide(ApprovalRegistry.key(sessionId, event.data.id), decision)
									).toBe(true),
								20
							);
						}
					}
				);
				expect(tools.calls).toHaveLength(runs);
				expect(eventsNamed(events, 'tool_result')[0].data.is_error).toBe(isError);
				expect(approvals.size).toBe(0);
			}
		);

		it('stops after the allowed number of tool rounds with a clear message', async () => {
			const tools = fakeTools({ calc__add: {} });
			const { chat, repo } = setup({ tools, maxToolRounds: 2 });
			const { sessionId, events, done } = await turn(chat, {
				message: '[[tool-loop:calc__add {"a":1}]]'
			});
			expect(tools.calls).toHaveLength(2);
			expect(chatRequests()).toHaveLength(3);
			expect(chatRequests()[2].body.tools).toBeUndefined();
			const [error] = eventsNamed(events, 'error');
			expect(error.data).toEqual({
				code: 'tool_rounds_exceeded',
				message: expect.stringContaining('after 2 rounds')
			});
			expect(done.finish_reason).toBe('error');
			expect(repo.listMessages(sessionId).at(-1)).toMatchObject({
				role: 'assistant',
				finishReason: 'error',
				toolCalls: null
			});
			for (let i = 0; i < 3; i++) expectValidHistory(upstreamMessages(i));
		});

		it('strips control characters from tool arguments', async () => {
			const tools = fakeTools({ notes__save: {} });
			const { chat } = setup({ tools });
			const { events } = await turn(chat, {
				message:
					'[[tool:notes__save {"text":"a\\u0000b\\u0007c\\td\\u001b","meta":{"tag":"x\\u0008y"}}]]'
			});
			expect(tools.calls[0].args).toEqual({ text: 'abc\td', meta: { tag: 'xy' } });
			expect(eventsNamed(events, 'tool_call')[0].data.arguments).toEqual({
				text: 'abc\td',
				meta: { tag: 'xy' }
			});
		});

		it('reports a tool that throws as a failed result and lets the model go on', async () => {
			const tools = fakeTools({
				flaky__run: {
					run: () => {
						throw new Error('socket hang up');
					}
				}
			});
			const { chat, repo } = setup({ tools });
			const { sessionId, events, done } = await turn(chat, { message: '[[tool:flaky__run {}]]' });
			const [result] = eventsNamed(events, 'tool_result');
			expect(result.data).toMatchObject({
				name: 'flaky__run',
				is_error: true,
				content: expect.stringContaining('socket hang up')
			});
			expect(done.finish_reason).toBe('stop');
			expect(repo.listMessages(sessionId).map((r) => r.role)).toEqual([
				'user',
				'assistant',
				'tool',
				'assistant'
			]);
			expectValidHistory(upstreamMessages(1));
		});

		it('stops a running tool when the person stops, without another model round', async () => {
			let toolSignal: AbortSignal | undefined;
			const tools = fakeTools({
				wait__forever: {
					run: (_args, options) =>
						new Promise((resolve) => {
							toolSignal = options?.signal;
							options?.signal?.addEventListener('abort', () =>
								resolve({ content: 'cancelled', isError: true })
							);
						})
				}
			});
			const { chat } = setup({ tools });
			const { done } = await turn(
				chat,
				{ message: '[[tool:wait__forever {}]]' },
				(event, abort) => {
					if (event.event === 'tool_call') setTimeout(abort, 20);
				}
			);
			expect(toolSignal?.aborted).toBe(true);
			expect(done.finish_reason).toBe('aborted');
			expect(chatRequests()).toHaveLength(1);
		});
	});
});

import { afterEach, describe, expect, it } from 'vitest';
import type { ChatEvent } from '$lib/api';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import { noAttachments, type ChatAttachments } from '$lib/server/chat/attachments';
import type { ChatRepository } from '$lib/server/chat/repository';
import { ToolRunner } from '$lib/server/chat/tool-runner';
import type { ToolProvider } from '$lib/server/chat/tools';
import type { UpstreamMessage, UpstreamToolCall } from '$lib/server/openrouter/types';
import {
	disposeAll,
	eventsNamed,
	fakeTools,
	memoryLogger,
	seedConversation,
	testRepository
} from '../support/factories';

afterEach(disposeAll);

let callIds = 0;
/** A tool call as the model sends it; `args` as an object, or as raw text for broken JSON. */
function toolCall(name: string, args: Record<string, unknown> | string = {}): UpstreamToolCall {
	return {
		id: `call_${++callIds}`,
		type: 'function',
		function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) }
	};
}

interface Setup {
	tools: ToolProvider;
	attachments?: ChatAttachments;
	repo?: ChatRepository;
}

function setup(options: Setup) {
	const { repo } = testRepository();
	const sessionId = seedConversation(repo);
	const approvals = new ApprovalRegistry();
	const log = memoryLogger();
	const runner = new ToolRunner({
		tools: options.tools,
		approvals,
		attachments: options.attachments ?? noAttachments,
		repo: options.repo ?? repo,
		log
	});
	/** Runs one round of calls to the end; `onEvent` sees each event as it streams. */
	async function run(
		calls: UpstreamToolCall[],
		onEvent?: (event: ChatEvent) => void,
		signal?: AbortSignal
	) {
		const events: ChatEvent[] = [];
		const stream = runner.run(sessionId, calls, signal);
		let next = await stream.next();
		while (!next.done) {
			events.push(next.value);
			onEvent?.(next.value);
			next = await stream.next();
		}
		const answers: UpstreamMessage[] = next.value;
		return { events, answers, results: eventsNamed(events, 'tool_result').map((e) => e.data) };
	}
	return { run, repo, sessionId, approvals, log };
}

describe('tool runner', () => {
	it('runs a call, saves its answer as a tool message and hands it back for the model', async () => {
		const tools = fakeTools({
			calc__add: { run: ({ a, b }) => ({ content: String(Number(a) + Number(b)), isError: false }) }
		});
		const { run, repo, sessionId } = setup({ tools });
		const call = toolCall('calc__add', { a: 1, b: 2 });
		const { events, answers } = await run([call]);

		expect(events.map((event) => event.event)).toEqual(['tool_call', 'tool_result']);
		expect(events[0].data).toEqual({ id: call.id, name: 'calc__add', arguments: { a: 1, b: 2 } });
		expect(events[1].data).toEqual({
			id: call.id,
			name: 'calc__add',
			content: '3',
			is_error: false,
			duration_ms: expect.any(Number)
		});
		expect(answers).toEqual([{ role: 'tool', tool_call_id: call.id, content: '3' }]);
		expect(repo.listMessages(sessionId).at(-1)).toMatchObject({
			role: 'tool',
			content: '3',
			toolCallId: call.id,
			finishReason: 'stop'
		});
	});

	it('runs the calls of a round at the same time and answers in call order', async () => {
		const after = (ms: number, content: string) => async () => {
			await new Promise((resolve) => setTimeout(resolve, ms));
			return { content, isError: false };
		};
		const tools = fakeTools({
			slow__first: { run: after(80, 'one') },
			fast__second: { run: after(5, 'two') }
		});
		const { run } = setup({ tools });
		const { results, answers } = await run([toolCall('slow__first'), toolCall('fast__second')]);

		expect(tools.calls[1].startedAt).toBeLessThan(tools.calls[0].endedAt!);
		expect(results.map((result) => result.content)).toEqual(['two', 'one']);
		expect(answers.map((answer) => answer.content)).toEqual(['one', 'two']);
	});

	it('streams the progress a tool reports while it runs', async () => {
		const tools = fakeTools({
			files__index: {
				run: (_args, options) => {
					options?.onProgress?.({ progress: 1, total: 2, message: 'half way' });
					return { content: 'indexed', isError: false };
				}
			}
		});
		const { run } = setup({ tools });
		const call = toolCall('files__index');
		const { events } = await run([call]);
		expect(events.map((event) => event.event)).toEqual([
			'tool_call',
			'tool_progress',
			'tool_result'
		]);
		expect(events[1].data).toEqual({ id: call.id, progress: 1, total: 2, message: 'half way' });
	});

	it.each([
		['broken JSON', '{"a":1,'],
		['an array', '[1, 2]'],
		['a string', '"add"']
	])('tells the model when its arguments are %s, without running the tool', async (_, raw) => {
		const tools = fakeTools({ calc__add: {} });
		const { run, repo, sessionId } = setup({ tools });
		const { events, results } = await run([toolCall('calc__add', raw)]);
		expect(tools.calls).toEqual([]);
		expect(eventsNamed(events, 'tool_call')[0].data.arguments).toEqual({});
		expect(results[0]).toMatchObject({
			is_error: true,
			content: expect.stringContaining('not a valid JSON object')
		});
		expect(repo.listMessages(sessionId).at(-1)?.finishReason).toBe('error');
	});

	it('runs a call with empty arguments as a call with no arguments', async () => {
		const tools = fakeTools({ clock__now: {} });
		const { run } = setup({ tools });
		await run([toolCall('clock__now', '  ')]);
		expect(tools.calls.map((call) => call.args)).toEqual([{}]);
	});

	it('strips control characters from the arguments before the tool and the browser see them', async () => {
		const tools = fakeTools({ notes__save: {} });
		const { run } = setup({ tools });
		const { events } = await run([
			toolCall('notes__save', { text: 'a\u0000b\u0007c\td\u001b', meta: { tags: ['x\u0008y'] } })
		]);
		const clean = { text: 'abc\td', meta: { tags: ['xy'] } };
		expect(tools.calls[0].args).toEqual(clean);
		expect(eventsNamed(events, 'tool_call')[0].data.arguments).toEqual(clean);
	});

	it('tells the model about a tool that does not exist', async () => {
		const tools = fakeTools({ calc__add: {} });
		const { run } = setup({ tools });
		const { results } = await run([toolCall('ghost__haunt')]);
		expect(tools.calls).toEqual([]);
		expect(results[0]).toMatchObject({
			name: 'ghost__haunt',
			is_error: true,
			content: 'There is no tool named ghost__haunt. Use one of the tools offered.'
		});
	});

	it('does not run a tool of a server set to deny', async () => {
		const tools = fakeTools({ shell__exec: { approval: 'deny' } });
		const { run } = setup({ tools });
		const { results } = await run([toolCall('shell__exec', { cmd: 'rm -rf /' })]);
		expect(tools.calls).toEqual([]);
		expect(results[0]).toMatchObject({
			is_error: true,
			content: 'The shell server is set to deny tool calls; shell__exec did not run.'
		});
	});

	describe('a server set to ask', () => {
		it('waits for the person and runs the tool once approved', async () => {
			const tools = fakeTools({ mail__send: { approval: 'ask' } });
			const { run, approvals, sessionId } = setup({ tools });
			const call = toolCall('mail__send', { to: 'a@b.c' });
			const { events } = await run([call], (event) => {
				if (event.event !== 'tool_approval') return;
				expect(tools.calls).toEqual([]);
				setTimeout(() => approvals.decide(ApprovalRegistry.key(sessionId, call.id), 'approve'));
			});
			expect(events.map((event) => event.event)).toEqual([
				'tool_call',
				'tool_approval',
				'tool_result'
			]);
			expect(events[1].data).toEqual({ id: call.id, name: 'mail__send', server_id: 'mail' });
			expect(tools.calls).toHaveLength(1);
			expect(approvals.size).toBe(0);
		});

		it('does not run the tool when the person denies it', async () => {
			const tools = fakeTools({ mail__send: { approval: 'ask' } });
			const { run, approvals, sessionId } = setup({ tools });
			const call = toolCall('mail__send');
			const { results } = await run([call], (event) => {
				if (event.event === 'tool_approval')
					setTimeout(() => approvals.decide(ApprovalRegistry.key(sessionId, call.id), 'deny'));
			});
			expect(tools.calls).toEqual([]);
			expect(results[0]).toMatchObject({
				is_error: true,
				content: 'The person denied it; mail__send did not run.'
			});
		});

		it('says the reply was stopped when the person stops it before deciding', async () => {
			const tools = fakeTools({ mail__send: { approval: 'ask' } });
			const { run, approvals } = setup({ tools });
			const controller = new AbortController();
			const { results } = await run(
				[toolCall('mail__send')],
				(event) => {
					if (event.event === 'tool_approval') controller.abort();
				},
				controller.signal
			);
			expect(tools.calls).toEqual([]);
			expect(results[0].content).toBe(
				'The reply was stopped before anyone decided; mail__send did not run.'
			);
			expect(approvals.size).toBe(0);
		});
	});

	it('reports a tool that throws as a failed result and logs it', async () => {
		const tools = fakeTools({
			flaky__run: {
				run: () => {
					throw new Error('socket hang up');
				}
			}
		});
		const { run, log } = setup({ tools });
		const { results, answers } = await run([toolCall('flaky__run')]);
		expect(results[0]).toMatchObject({
			is_error: true,
			content: 'The tool flaky__run failed: socket hang up'
		});
		expect(answers[0].content).toBe('The tool flaky__run failed: socket hang up');
		expect(log.records).toContainEqual(
			expect.objectContaining({ level: 'error', msg: 'tool call crashed', tool: 'flaky__run' })
		);
	});

	it('stores the files a tool returned, tells the model where they are and links them to the tool message', async () => {
		const stored = {
			attachment_id: '7d3c1a52-0000-4000-8000-000000000001',
			file_name: 'plot.png',
			mime_type: 'image/png',
			size_bytes: 68,
			signed_url: '/api/attachments/7d3c1a52-0000-4000-8000-000000000001/content?signature=x',
			signed_url_expires_at: '2026-01-08T00:00:00.000Z'
		};
		const links: { messageId: number; sessionId: string; ids: string[] }[] = [];
		const attachments: ChatAttachments = {
			...noAttachments,
			storeToolFiles: async (_sessionId, files) => ({
				lines: files.map((file) => `[Saved ${file.fileName}]`),
				attachments: [stored]
			}),
			link: (messageId, sessionId, ids) => links.push({ messageId, sessionId, ids })
		};
		const tools = fakeTools({
			plots__draw: {
				run: () => ({
					content: 'Here is the plot.',
					isError: false,
					files: [{ mimeType: 'image/png', data: Buffer.from('png'), fileName: 'plot.png' }]
				})
			}
		});
		const { run, repo, sessionId } = setup({ tools, attachments });
		const { results, answers } = await run([toolCall('plots__draw')]);

		expect(results[0]).toMatchObject({
			content: 'Here is the plot.\n[Saved plot.png]',
			is_error: false,
			attachments: [stored]
		});
		expect(answers[0].content).toBe('Here is the plot.\n[Saved plot.png]');
		const toolMessage = repo.listMessages(sessionId).at(-1)!;
		expect(links).toEqual([{ messageId: toolMessage.id, sessionId, ids: [stored.attachment_id] }]);
	});

	it('still answers the model and ends the round when a tool message cannot be saved', async () => {
		const { repo } = testRepository();
		const broken = Object.assign(Object.create(repo) as ChatRepository, {
			addMessage: () => {
				throw new Error('disk full');
			}
		});
		const { run, log } = setup({ tools: fakeTools({ calc__add: {} }), repo: broken });
		const { events, answers } = await run([toolCall('calc__add')]);
		expect(eventsNamed(events, 'tool_result')).toEqual([]);
		expect(answers[0].content).toBe('The tool call failed.');
		expect(log.records).toContainEqual(
			expect.objectContaining({ level: 'error', msg: 'tool call crashed' })
		);
	});
});

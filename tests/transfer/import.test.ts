import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
	conversationFile,
	conversationsFile,
	importResult,
	sessionDetail,
	type ConversationFile,
	type ExportedConversation
} from '$lib/api';
import { chatgptSessionId } from '$lib/server/transfer/chatgpt';
import type { Services } from '$lib/server/services';
import { GET as LIST } from '../../src/routes/api/sessions/+server';
import { GET as EXPORT_ALL } from '../../src/routes/api/sessions/export/+server';
import { POST as IMPORT } from '../../src/routes/api/sessions/import/+server';
import { GET as EXPORT } from '../../src/routes/api/sessions/[id]/export/+server';
import { DELETE, GET } from '../../src/routes/api/sessions/[id]/+server';
import { seedTree } from '../support/conversation-tree';
import { callRoute, disposeAll, errorOf, testServices } from '../support/factories';

afterEach(disposeAll);

const CHATGPT = readFileSync('tests/fixtures/chatgpt/conversations.json', 'utf8');

const importFile = (s: Services, body: unknown) =>
	callRoute(IMPORT, s, { method: 'POST', path: '/api/sessions/import', body });
const imported = async (s: Services, body: unknown) => {
	const response = await importFile(s, body);
	expect(response.status).toBe(200);
	return importResult.strict().parse(await response.json());
};
const exportJson = async (s: Services, id: string): Promise<ConversationFile> =>
	conversationFile.parse(
		await (
			await callRoute(EXPORT, s, {
				path: `/api/sessions/${id}/export?format=json`,
				params: { id }
			})
		).json()
	);
const detail = async (s: Services, id: string) =>
	sessionDetail.parse(
		await (await callRoute(GET, s, { path: `/api/sessions/${id}`, params: { id } })).json()
	);
const sessionCount = (s: Services) =>
	s.db.$client.prepare('select count(*) from conversations').pluck().get() as number;
const messageCount = (s: Services) =>
	s.db.$client.prepare('select count(*) from messages').pluck().get() as number;

/** The tree as keys and relations only: the same for a copy whose message ids are new. */
function shape(conversation: ExportedConversation) {
	const index = new Map(conversation.messages.map((m, i) => [m.id, i]));
	const { messages, current_leaf_id, ...fields } = conversation;
	return {
		...fields,
		current_leaf: current_leaf_id === null ? null : index.get(current_leaf_id),
		messages: messages.map(({ id: _id, parent_id, ...message }) => ({
			...message,
			parent: parent_id === null ? null : index.get(parent_id)
		}))
	};
}

function branchedChat(s: Services) {
	return seedTree(s.db, {
		title: 'Llamas, branched',
		leaf: 'second',
		messages: [
			{ key: 'q', role: 'user', content: 'How tall is a llama?' },
			{
				key: 'first',
				parent: 'q',
				role: 'assistant',
				content: 'About 1.8 m.',
				modelId: 'openai/gpt-4o'
			},
			{
				key: 'second',
				parent: 'q',
				role: 'assistant',
				content: 'Up to **1.8 m** at the head.',
				modelId: 'anthropic/claude-sonnet-4',
				usage: { prompt_tokens: 9, completion_tokens: 8, total_tokens: 17 },
				reasoning: 'Llamas are tall.',
				citations: [{ url: 'https://example.org/llama', title: 'Llama' }]
			},
			{ key: 'edit', role: 'user', content: 'How heavy is a llama?' }
		]
	});
}

describe('POST /api/sessions/import: our own files', () => {
	it('brings an exported conversation back with the same tree, leaf and fields', async () => {
		const s = testServices();
		const chat = branchedChat(s);
		const before = await exportJson(s, chat.sessionId);
		await callRoute(DELETE, s, {
			method: 'DELETE',
			path: `/api/sessions/${chat.sessionId}`,
			params: { id: chat.sessionId }
		});

		expect(await imported(s, before)).toEqual({
			imported: 1,
			skipped: 0,
			session_ids: [chat.sessionId]
		});
		const after = await exportJson(s, chat.sessionId);
		const { exported_at: _a, ...was } = before;
		const { exported_at: _b, ...is } = after;
		expect(shape(is)).toEqual(shape(was));
		// The conversation opens on the branch it showed.
		const opened = await detail(s, chat.sessionId);
		expect(opened.title).toBe('Llamas, branched');
	});

	it('skips what is already there when the same file is imported again', async () => {
		const s = testServices();
		const file = await exportJson(s, branchedChat(s).sessionId);
		expect(await imported(s, file)).toEqual({ imported: 0, skipped: 1, session_ids: [] });
		expect(sessionCount(s)).toBe(1);
		expect(messageCount(s)).toBe(4);
	});

	it('round-trips the export of everything into another install', async () => {
		const from = testServices();
		const ids = [branchedChat(from).sessionId, branchedChat(from).sessionId];
		const all = conversationsFile.parse(
			await (await callRoute(EXPORT_ALL, from, { path: '/api/sessions/export' })).json()
		);

		const to = testServices();
		const result = await imported(to, all);
		expect(result.imported).toBe(2);
		expect(result.session_ids.sort()).toEqual(ids.sort());
		for (const id of ids) {
			const { exported_at: _a, ...was } = await exportJson(from, id);
			const { exported_at: _b, ...is } = await exportJson(to, id);
			expect(shape(is)).toEqual(shape(was));
		}
		expect(await imported(to, all)).toEqual({ imported: 0, skipped: 2, session_ids: [] });
	});

	it('makes imported messages searchable', async () => {
		const s = testServices();
		const file = await exportJson(s, branchedChat(s).sessionId);
		const other = testServices();
		await imported(other, file);
		const list = await (
			await callRoute(LIST, other, { path: '/api/sessions?q=heavy%20is%20a%20llama' })
		).json();
		expect(list.sessions.map((x: { title: string }) => x.title)).toEqual(['Llamas, branched']);
	});

	it('leaves out a project and attachments this install does not have', async () => {
		const s = testServices();
		const file = await exportJson(s, branchedChat(s).sessionId);
		file.project_id = 'project-elsewhere';
		file.messages[0].attachments = [
			{
				attachment_id: crypto.randomUUID(),
				file_name: 'gone.pdf',
				mime_type: 'application/pdf',
				size_bytes: 1
			}
		];
		const other = testServices();
		await imported(other, file);
		const again = await exportJson(other, file.session_id);
		expect(again.project_id).toBeNull();
		expect(again.messages[0].attachments).toEqual([]);
	});
});

describe('POST /api/sessions/import: ChatGPT conversations.json', () => {
	it('imports every conversation with its branches, current node, system message and parts', async () => {
		const s = testServices();
		const result = await imported(s, JSON.parse(CHATGPT));
		const ids = ['conv-branches-111', 'conv-tools-222', 'conv-empty-333'].map(chatgptSessionId);
		expect(result).toEqual({ imported: 3, skipped: 0, session_ids: ids });

		const branches = await exportJson(s, ids[0]);
		expect(branches.title).toBe('Llama facts');
		expect(branches.created_at).toBe('2023-07-29T08:00:00.000Z');
		const text = (id: number | null) => branches.messages.find((m) => m.id === id)?.content;
		// The hidden empty system message and the null root are left out; the two versions of the
		// question are sibling roots, the second answered twice.
		expect(
			branches.messages.map((m) => [m.role, m.content.split('\n')[0], text(m.parent_id) ?? null])
		).toEqual([
			['user', 'How tall is a llama?', null],
			['assistant', 'About 1.8 m at the head.', 'How tall is a llama?'],
			['user', 'How heavy is a llama?', null],
			['assistant', 'Up to 200 kg.', 'How heavy is a llama?'],
			['assistant', 'Between 130 and 200 kg:', 'How heavy is a llama?']
		]);
		expect(text(branches.current_leaf_id)).toContain('```python\nprint(130, 200)\n```');
		expect(branches.messages[1]).toMatchObject({
			model_id: 'openai/gpt-4',
			created_at: '2023-07-29T08:00:20.000Z'
		});

		const tools = await exportJson(s, ids[1]);
		expect(tools.messages.map((m) => m.role)).toEqual([
			'system',
			'user',
			'assistant',
			'tool',
			'assistant'
		]);
		const [system, user, call, result2, answer] = tools.messages;
		expect(system.content).toBe('I am a zoologist.\n\nAnswer briefly.');
		expect(user.content).toMatch(
			/^\[An image was here.*not imported\.\]\n\nPlot the weights in this photo\.$/
		);
		expect(call.reasoning).toBe('Reading the photo\nThe photo shows three llamas.');
		expect(call.tool_calls).toEqual([
			{
				id: expect.stringMatching(/^call_/),
				type: 'function',
				function: { name: 'python', arguments: JSON.stringify({ input: 'sum([130, 150, 200])' }) }
			}
		]);
		expect(result2).toMatchObject({ content: '480', tool_call_id: call.tool_calls![0].id });
		expect(answer).toMatchObject({ content: 'Together they weigh 480 kg.', parent_id: result2.id });
		expect(tools.current_leaf_id).toBe(answer.id);

		const empty = await exportJson(s, ids[2]);
		expect(empty).toMatchObject({
			title: 'Imported from ChatGPT',
			messages: [],
			current_leaf_id: null
		});
	});

	it('skips the conversations it already imported', async () => {
		const s = testServices();
		await imported(s, JSON.parse(CHATGPT));
		const messages = messageCount(s);
		expect(await imported(s, JSON.parse(CHATGPT))).toEqual({
			imported: 0,
			skipped: 3,
			session_ids: []
		});
		expect(messageCount(s)).toBe(messages);
	});

	it('takes the file as the multipart field "file", as the file picker sends it', async () => {
		const s = testServices();
		const form = new FormData();
		form.append('file', new Blob([CHATGPT], { type: 'application/json' }), 'conversations.json');
		const request = new Request('http://127.0.0.1:3000/api/sessions/import', {
			method: 'POST',
			body: form
		});
		const response = await IMPORT({ request, locals: { services: s } } as never);
		expect(response.status).toBe(200);
		expect(importResult.parse(await response.json()).imported).toBe(3);
	});

	it('walks a chain of 100,000 nodes (mostly without a message) without hanging', async () => {
		const s = testServices();
		const mapping: Record<string, unknown> = {};
		for (let i = 0; i < 100_000; i++)
			mapping[`n${i}`] = {
				parent: i === 0 ? null : `n${i - 1}`,
				children: [`n${i + 1}`],
				message:
					i % 1000 === 999
						? {
								author: { role: 'user' },
								create_time: 1700000000 + i,
								content: { content_type: 'text', parts: [`message ${i}`] }
							}
						: null
			};
		const result = await imported(s, [
			{ id: 'long', title: 'Long', mapping, current_node: 'n99999' }
		]);
		expect(result.imported).toBe(1);
		const file = await exportJson(s, chatgptSessionId('long'));
		expect(file.messages).toHaveLength(100);
		// One chain: each message follows the one before it, the last is the current leaf.
		expect(file.messages.slice(1).every((m, i) => m.parent_id === file.messages[i].id)).toBe(true);
		expect(file.messages.find((m) => m.id === file.current_leaf_id)?.content).toBe('message 99999');
	}, 60_000);
});

describe('POST /api/sessions/import: bad files', () => {
	const chatgpt = () => JSON.parse(CHATGPT) as Record<string, unknown>[];

	it.each([
		[
			'a role that does not exist',
			async (s: Services) => {
				const file = await exportJson(s, branchedChat(s).sessionId);
				const all = conversationsFile.parse({
					format: 'switchboard.conversations',
					version: 1,
					conversations: [{ ...file, session_id: crypto.randomUUID() }, file]
				});
				(all.conversations[1].messages[2] as { role: string }).role = 'wizard';
				return all;
			},
			/^Conversation 2 \("Llamas, branched"\): messages\.2\.role: /
		],
		[
			'a parent that does not exist',
			async (s: Services) => {
				const file = await exportJson(s, branchedChat(s).sessionId);
				file.session_id = crypto.randomUUID();
				file.messages[1].parent_id = 999_999;
				return file;
			},
			/^The conversation \("Llamas, branched"\): message \d+: its parent 999999 is not in the conversation$/
		],
		[
			'parents in a cycle',
			async (s: Services) => {
				const file = await exportJson(s, branchedChat(s).sessionId);
				file.session_id = crypto.randomUUID();
				file.messages[0].parent_id = file.messages[1].id;
				return file;
			},
			/: message \d+: its parents form a cycle$/
		],
		[
			'a current leaf that is not one of its messages',
			async (s: Services) => {
				const file = await exportJson(s, branchedChat(s).sessionId);
				file.session_id = crypto.randomUUID();
				file.current_leaf_id = 424242;
				return file;
			},
			/: current_leaf_id 424242 is not one of its messages$/
		],
		[
			'a ChatGPT mapping whose parents form a cycle',
			async () => {
				const list = chatgpt();
				list.push({
					id: 'cyclic',
					title: 'Round and round',
					mapping: {
						a: { parent: 'b', message: null },
						b: { parent: 'a', message: null }
					}
				});
				return list;
			},
			/^Conversation 4 \("Round and round"\): its mapping has a cycle of parents$/
		],
		[
			'a ChatGPT conversation without a mapping',
			async () => [...chatgpt(), { id: 'x', title: 'Broken' }],
			/^Conversation 4 \("Broken"\): mapping: /
		],
		[
			'a ChatGPT node whose content is not an object',
			async () => {
				const list = chatgpt();
				list.unshift({
					id: 'y',
					title: 'Odd',
					mapping: { a: { parent: null, message: { author: { role: 'user' }, content: 'hi' } } }
				});
				return list;
			},
			/^Conversation 1 \("Odd"\): node a: message\.content: /
		]
	])(
		'refuses %s with a 400 naming it, and imports nothing of the file',
		async (_, make, message) => {
			const s = testServices();
			const body = await make(s);
			const [sessions, messages] = [sessionCount(s), messageCount(s)];
			const answer = await errorOf(await importFile(s, body));
			expect(answer).toMatchObject({ status: 400, code: 'invalid_import_file' });
			expect(answer.message).toMatch(message);
			expect([sessionCount(s), messageCount(s)]).toEqual([sessions, messages]);
		}
	);

	it.each([
		['not JSON', '{"format": ', 'The file is not valid JSON.'],
		['another kind of file', { hello: 'world' }, /^This is neither a Switchboard export/],
		[
			'a later version of ours',
			{ format: 'switchboard.conversation', version: 2 },
			'This file is version 2 of switchboard.conversation; this app reads version 1.'
		],
		[
			'a message id of a megabyte',
			[
				{
					id: 'big',
					title: 'Big',
					mapping: { ['k'.repeat(1_000_000)]: { parent: 'p'.repeat(1_000_000) } }
				}
			],
			/^Conversation 1 \("Big"\): node k+: parent: Too big/
		]
	])('refuses %s with a 400', async (_, body, message) => {
		const s = testServices();
		const answer = await errorOf(await importFile(s, body));
		expect(answer).toMatchObject({ status: 400, code: 'invalid_import_file' });
		expect(answer.message).toMatch(message);
	});

	it('cuts a title of a megabyte to 200 characters', async () => {
		const s = testServices();
		await imported(s, [{ id: 'big', title: 'x'.repeat(1_000_000), mapping: {} }]);
		expect((await exportJson(s, chatgptSessionId('big'))).title).toBe('x'.repeat(200));
	});

	it('answers 413 past the size limit and 415 for another content type', async () => {
		const s = testServices();
		const huge = `[${'"x",'.repeat(17 * 1024 * 1024)}"x"]`;
		expect(await errorOf(await importFile(s, huge))).toMatchObject({
			status: 413,
			code: 'payload_too_large',
			message: expect.stringContaining('64.0 MB limit')
		});
		const request = new Request('http://127.0.0.1:3000/api/sessions/import', {
			method: 'POST',
			headers: { 'content-type': 'text/plain' },
			body: CHATGPT
		});
		const response = await IMPORT({ request, locals: { services: s } } as never);
		expect(await errorOf(response)).toMatchObject({ status: 415, code: 'unsupported_media_type' });
	});
});

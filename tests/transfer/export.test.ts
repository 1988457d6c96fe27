import { afterEach, describe, expect, it } from 'vitest';
import { conversationFile, conversationsFile } from '$lib/api';
import type { Services } from '$lib/server/services';
import { GET as EXPORT_ALL } from '../../src/routes/api/sessions/export/+server';
import { GET as EXPORT } from '../../src/routes/api/sessions/[id]/export/+server';
import { seedTree } from '../support/conversation-tree';
import { inProcessFetch } from '../support/in-process-fetch';
import {
	callRoute,
	disposeAll,
	errorOf,
	seedConversation,
	testServices
} from '../support/factories';

afterEach(disposeAll);

const exportOne = (s: Services, id: string, format?: string) =>
	callRoute(EXPORT, s, {
		path: `/api/sessions/${id}/export${format ? `?format=${format}` : ''}`,
		params: { id }
	});

/** A calculator question answered twice (the first reply regenerated) and edited once. */
function calculatorChat(s: Services, title = 'Sums with a calculator') {
	return seedTree(s.db, {
		title,
		leaf: 'answer',
		messages: [
			{
				key: 'question',
				role: 'user',
				content: 'What is 2+2? Use the calculator.',
				files: [{ fileName: 'notes [v2].pdf', mimeType: 'application/pdf', sizeBytes: 2048 }]
			},
			{ key: 'old', parent: 'question', role: 'assistant', content: 'An old reply, regenerated' },
			{
				key: 'call',
				parent: 'question',
				role: 'assistant',
				content: '',
				modelId: 'openai/gpt-4o',
				toolCalls: [
					{
						id: 'call_1',
						type: 'function',
						function: { name: 'calculator__evaluate', arguments: '{"expression":"2+2"}' }
					}
				],
				finishReason: 'tool_calls'
			},
			{ key: 'result', parent: 'call', role: 'tool', content: '4', toolCallId: 'call_1' },
			{
				key: 'answer',
				parent: 'result',
				role: 'assistant',
				content: 'It is **4**.\n\n```js\nconsole.log(2 + 2);\n```',
				modelId: 'openai/gpt-4o',
				usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, cost: 0.0003 },
				finishReason: 'stop'
			},
			{ key: 'edit', role: 'user', content: 'What is 3+3 instead?' }
		]
	});
}

describe('GET /api/sessions/{id}/export?format=markdown', () => {
	it('downloads the current path with roles, models, code, tool calls and attachment links', async () => {
		const s = testServices();
		const chat = calculatorChat(s);
		const response = await exportOne(s, chat.sessionId, 'markdown');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
		expect(response.headers.get('content-disposition')).toBe(
			`attachment; filename="Sums with a calculator.md"; filename*=UTF-8''Sums%20with%20a%20calculator.md`
		);
		const markdown = await response.text();
		expect(markdown.startsWith('# Sums with a calculator\n')).toBe(true);
		const sections = markdown.split('\n## ').slice(1);
		expect(sections.map((section) => section.split('\n')[0])).toEqual([
			'User',
			'Assistant · openai/gpt-4o',
			'Assistant · openai/gpt-4o'
		]);
		expect(sections[0]).toContain('What is 2+2? Use the calculator.');
		expect(sections[0]).toContain(
			`- 📎 [notes \\[v2\\].pdf](http://127.0.0.1:3000/api/attachments/${chat.attachmentIds[0]}/file) (application/pdf, 2048 bytes)`
		);
		expect(sections[1]).toContain(
			'**Tool call `calculator__evaluate`:**\n\n```json\n{\n  "expression": "2+2"\n}\n```'
		);
		expect(sections[1]).toContain('**Result of `calculator__evaluate`:**\n\n```\n4\n```');
		expect(sections[2]).toContain('It is **4**.\n\n```js\nconsole.log(2 + 2);\n```');
		// Other branches are not on the path.
		expect(markdown).not.toContain('An old reply');
		expect(markdown).not.toContain('3+3');
	});

	it('is the default format, and keeps a tool result with backticks inside its fence', async () => {
		const s = testServices();
		const chat = seedTree(s.db, {
			messages: [
				{ key: 'q', role: 'user', content: 'show me' },
				{
					key: 'c',
					parent: 'q',
					role: 'assistant',
					content: '',
					toolCalls: [
						{ id: 'x', type: 'function', function: { name: 'fs__read', arguments: 'not json' } }
					]
				},
				{ key: 't', parent: 'c', role: 'tool', toolCallId: 'x', content: 'a\n```\nfence\n```' }
			]
		});
		const markdown = await (await exportOne(s, chat.sessionId)).text();
		expect(markdown).toContain('```\nnot json\n```');
		expect(markdown).toContain('````\na\n```\nfence\n```\n````');
	});
});

describe('GET /api/attachments/{id}/file (the links in exported Markdown)', () => {
	it('redirects to a freshly signed URL that serves the file', async () => {
		const s = testServices();
		const file = await s.attachments.upload({
			file: { fileName: 'notes.txt', claimedType: 'text/plain', data: Buffer.from('llama notes') },
			fields: {}
		});
		const { fetcher } = inProcessFetch(s);
		const response = await fetcher(`/api/attachments/${file.attachment_id}/file`);
		expect(response.status).toBe(302);
		const location = response.headers.get('location')!;
		expect(location).toMatch(new RegExp(`^/api/attachments/${file.attachment_id}/content\\?`));
		expect(await (await fetcher(location)).text()).toBe('llama notes');
		expect((await fetcher(`/api/attachments/${crypto.randomUUID()}/file`)).status).toBe(404);
	});
});

describe('GET /api/sessions/{id}/export?format=json', () => {
	it('downloads the whole tree with every field and the current leaf', async () => {
		const s = testServices();
		const chat = calculatorChat(s);
		const response = await exportOne(s, chat.sessionId, 'json');
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
		expect(response.headers.get('content-disposition')).toMatch(
			/^attachment; filename="Sums with a calculator\.json"/
		);
		const file = conversationFile.strict().parse(await response.json());
		expect(file).toMatchObject({
			format: 'switchboard.conversation',
			version: 1,
			session_id: chat.sessionId,
			title: 'Sums with a calculator',
			current_leaf_id: chat.ids.answer,
			temporary: false
		});
		expect(file.messages.map((m) => [m.id, m.parent_id, m.role])).toEqual([
			[chat.ids.question, null, 'user'],
			[chat.ids.old, chat.ids.question, 'assistant'],
			[chat.ids.call, chat.ids.question, 'assistant'],
			[chat.ids.result, chat.ids.call, 'tool'],
			[chat.ids.answer, chat.ids.result, 'assistant'],
			[chat.ids.edit, null, 'user']
		]);
		const answer = file.messages.find((m) => m.id === chat.ids.answer)!;
		expect(answer).toMatchObject({
			model_id: 'openai/gpt-4o',
			usage: { prompt_tokens: 30, completion_tokens: 12, total_tokens: 42, cost: 0.0003 },
			finish_reason: 'stop'
		});
		expect(file.messages[0].attachments).toEqual([
			{
				attachment_id: chat.attachmentIds[0],
				file_name: 'notes [v2].pdf',
				mime_type: 'application/pdf',
				size_bytes: 2048
			}
		]);
		expect(file.messages[3].tool_call_id).toBe('call_1');
	});

	it('reads a conversation written without a tree (no leaf) as one chain', async () => {
		const s = testServices();
		const id = seedConversation(s.repo, {
			title: 'Old style',
			messages: [{ content: 'one' }, { content: 'two' }, { content: 'three' }]
		});
		const file = conversationFile.parse(await (await exportOne(s, id, 'json')).json());
		const [one, two, three] = file.messages;
		expect(file.messages.map((m) => m.parent_id)).toEqual([null, one.id, two.id]);
		expect(file.current_leaf_id).toBe(three.id);
		const markdown = await (await exportOne(s, id, 'markdown')).text();
		expect(markdown.split('\n## ').slice(1)).toEqual([
			'User\n\none\n',
			'Assistant\n\ntwo\n',
			'User\n\nthree\n'
		]);
	});

	it.each([
		['../../etc/passwd', 'passwd.json'],
		['say "hi"; rm -rf\r\nX-Evil: 1', 'say _hi__ rm -rf__X-Evil_ 1.json'],
		['\u202Egnp.exe', 'gnp.exe.json'],
		['...', 'conversation.json']
	])('names the file of %j safely: %j', async (title, fileName) => {
		const s = testServices();
		const chat = seedTree(s.db, { title, messages: [{ key: 'q', role: 'user', content: 'hi' }] });
		const header = (await exportOne(s, chat.sessionId, 'json')).headers.get('content-disposition')!;
		expect(header).toContain(`filename="${fileName}"`);
		expect(header).not.toMatch(/[\r\n]/);
	});

	it('names a unicode title in the UTF-8 parameter with an ASCII fallback', async () => {
		const s = testServices();
		const chat = seedTree(s.db, { title: 'Café 🦙', messages: [] });
		const header = (await exportOne(s, chat.sessionId, 'markdown')).headers.get(
			'content-disposition'
		);
		expect(header).toBe(
			`attachment; filename="Caf_ __.md"; filename*=UTF-8''Caf%C3%A9%20%F0%9F%A6%99.md`
		);
	});

	it('answers 404 for an unknown conversation and 400 for an unknown format', async () => {
		const s = testServices();
		const missing = crypto.randomUUID();
		expect(await errorOf(await exportOne(s, missing, 'json'))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
		const chat = calculatorChat(s);
		expect(await errorOf(await exportOne(s, chat.sessionId, 'pdf'))).toMatchObject({
			status: 400,
			code: 'invalid_request',
			message: 'format: markdown or json'
		});
	});
});

describe('GET /api/sessions/export', () => {
	it('downloads every conversation that is not temporary, across many pages', async () => {
		const s = testServices();
		const ids = Array.from(
			{ length: 120 },
			(_, i) =>
				seedTree(s.db, {
					title: `Chat ${i}`,
					messages: [
						{ key: 'q', role: 'user', content: `question ${i}` },
						{ key: 'a', parent: 'q', role: 'assistant', content: `answer ${i}` }
					]
				}).sessionId
		);
		seedTree(s.db, {
			title: 'Off the record',
			temporary: true,
			messages: [{ key: 'q', role: 'user', content: 'secret' }]
		});
		const response = await callRoute(EXPORT_ALL, s, { path: '/api/sessions/export' });
		expect(response.status).toBe(200);
		expect(response.headers.get('content-disposition')).toMatch(
			/^attachment; filename="switchboard-conversations-\d{4}-\d\d-\d\d\.json"/
		);
		const file = conversationsFile.parse(await response.json());
		expect(file.format).toBe('switchboard.conversations');
		expect(file.conversations.map((c) => c.session_id).sort()).toEqual(ids.sort());
		const chat = file.conversations.find((c) => c.title === 'Chat 7')!;
		expect(chat.messages.map((m) => m.content)).toEqual(['question 7', 'answer 7']);
		expect(chat.current_leaf_id).toBe(chat.messages[1].id);
	});

	it('is a valid file with no conversations', async () => {
		const s = testServices();
		const response = await callRoute(EXPORT_ALL, s, { path: '/api/sessions/export' });
		expect(conversationsFile.parse(await response.json()).conversations).toEqual([]);
	});
});

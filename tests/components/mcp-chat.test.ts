import { describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import {
	sessionDetail,
	sessionList,
	suggestionList,
	uploadLimits,
	type ChatEvent,
	type ChatRequest
} from '$lib/api';
import ChatView from '$lib/components/chat/ChatView.svelte';
import { AppState } from '$lib/state/app';
import { fakeApi, json } from './support/fake-server';
import WithAppState from './support/WithAppState.svelte';

const SESSION_ID = '0b9f6a8e-3c2d-4f1a-9e7b-5d4c3b2a1f00';

const PROMPTS = {
	prompts: [
		{
			name: 'files__greet',
			server_id: 'files',
			original_name: 'greet',
			description: 'Greets someone',
			arguments: [
				{ name: 'name', description: 'Who to greet', required: true },
				{ name: 'tone', description: null, required: false }
			]
		},
		{
			name: 'files__review',
			server_id: 'files',
			original_name: 'review',
			description: 'A conversation to continue',
			arguments: []
		}
	]
};

const RESOURCES = {
	resources: [
		{
			server_id: 'files',
			uri: 'fixture://readme',
			name: 'readme',
			description: null,
			mime_type: 'text/plain',
			subscribed: false,
			updated: false
		}
	],
	templates: [
		{
			server_id: 'files',
			uri_template: 'fixture://notes/{topic}',
			name: 'note',
			description: null,
			variables: ['topic']
		}
	]
};

/** A chat stream the test writes to as it goes: the turn stays open until `end()`. */
function liveStream() {
	let controller!: ReadableStreamDefaultController<Uint8Array>;
	const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
	const encoder = new TextEncoder();
	return {
		response: () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
		push: ({ event, data }: ChatEvent) =>
			controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)),
		end: () => controller.close()
	};
}

async function renderChat(routes: Parameters<typeof fakeApi>[0] = {}) {
	const server = fakeApi({
		'GET /api/suggestions': () => json(suggestionList.parse({ suggestions: [] })),
		'GET /api/attachments/limits': () => json(uploadLimits.parse({ max_size_bytes: 10_000_000 })),
		'GET /api/sessions': () => json(sessionList.parse({ sessions: [], next_cursor: null })),
		'GET /api/mcp/prompts': () => json(PROMPTS),
		'GET /api/mcp/resources': () => json(RESOURCES),
		...routes
	});
	const app = new AppState({ goto: vi.fn(), invalidateAll: vi.fn() });
	await render(ChatView, {}, { wrapper: WithAppState, wrapperProps: { app } });
	const box = page.getByRole('textbox', { name: 'Message' });
	const sent = () => server.to('POST', '/api/chat').map((request) => request.body as ChatRequest);
	return { server, app, box, sent };
}

const done = (): ChatEvent => ({ event: 'done', data: { message_id: 9, finish_reason: 'stop' } });

describe('MCP prompts in the / menu', () => {
	it('marks prompts with their server, asks for required arguments and fills the composer', async () => {
		const { server, box } = await renderChat({
			'POST /api/mcp/prompts/get': (request) =>
				json({
					description: null,
					messages: [
						{
							role: 'user',
							text: `Say hello to ${(request.body as { arguments: { name: string } }).arguments.name}.`
						}
					]
				})
		});
		await box.click();
		await userEvent.keyboard('/gre');
		const option = page.getByRole('option', { name: /greet/ });
		await expect.element(option).toHaveTextContent('/greetfiles');
		await option.click();

		const dialog = page.getByRole('dialog', { name: /greet/ });
		await expect.element(dialog).toBeVisible();
		// Required: the form does not go out without it.
		await dialog.getByRole('button', { name: 'Use prompt' }).click();
		expect(server.to('POST', '/api/mcp/prompts/get')).toEqual([]);

		await dialog.getByRole('textbox', { name: /name \(required\)/ }).fill('Ada');
		await dialog.getByRole('button', { name: 'Use prompt' }).click();
		await expect.element(box).toHaveValue('Say hello to Ada.');
		expect(server.to('POST', '/api/mcp/prompts/get')[0].body).toEqual({
			name: 'files__greet',
			arguments: { name: 'Ada' }
		});
		await expect.element(dialog).not.toBeInTheDocument();
	});

	it('sends the earlier messages of a multi-message prompt with their roles', async () => {
		const stream = liveStream();
		const { box, sent } = await renderChat({
			'POST /api/mcp/prompts/get': () =>
				json({
					description: null,
					messages: [
						{ role: 'user', text: 'Let us talk about tides.' },
						{ role: 'assistant', text: 'Sure, tides it is.' },
						{ role: 'user', text: 'Now summarize tides.' }
					]
				}),
			'POST /api/chat': () => stream.response()
		});
		await box.click();
		await userEvent.keyboard('/review');
		await page.getByRole('option', { name: /review/ }).click();
		await expect.element(box).toHaveValue('Now summarize tides.');
		await expect
			.element(page.getByText(/Sends the 2 earlier messages of files__review/))
			.toBeVisible();
		await box.click();
		await userEvent.keyboard('{Enter}');
		await expect.poll(sent).toHaveLength(1);
		expect(sent()[0]).toMatchObject({
			message: 'Now summarize tides.',
			prompt_messages: [
				{ role: 'user', text: 'Let us talk about tides.' },
				{ role: 'assistant', text: 'Sure, tides it is.' }
			]
		});
		await expect.element(page.getByText('Sure, tides it is.')).toBeVisible();
		stream.push({
			event: 'session',
			data: { session_id: SESSION_ID, title: 'Chat', user_message_id: 1 }
		});
		stream.push(done());
		stream.end();
	});
});

describe('Attach from server', () => {
	it('attaches a resource and a template as chips that go with the question', async () => {
		const stream = liveStream();
		const { box, sent } = await renderChat({ 'POST /api/chat': () => stream.response() });
		await page.getByRole('button', { name: 'Attach from server' }).click();
		const dialog = page.getByRole('dialog', { name: 'Attach from server' });
		await dialog.getByRole('button', { name: /readme/ }).click();
		await page.getByRole('button', { name: 'Attach from server' }).click();
		await dialog.getByRole('button', { name: /note \(template\)/ }).click();
		await dialog.getByRole('textbox', { name: 'topic' }).fill('sea level');
		await dialog.getByRole('button', { name: 'Attach' }).click();

		const chips = page.getByRole('list', { name: 'Attached resources' });
		await expect.element(chips.getByText('readme')).toBeVisible();
		await expect.element(chips.getByText('note')).toBeVisible();

		await box.click();
		await userEvent.keyboard('What do they say?{Enter}');
		await expect.poll(sent).toHaveLength(1);
		expect(sent()[0].resources).toEqual([
			{ server_id: 'files', uri: 'fixture://readme' },
			{ server_id: 'files', uri: 'fixture://notes/sea%20level' }
		]);
		// The chips moved to the question.
		await expect
			.element(
				page.getByLabelText('Your message').getByRole('list', { name: 'Attached resources' })
			)
			.toBeVisible();
		stream.push({
			event: 'session',
			data: { session_id: SESSION_ID, title: 'Chat', user_message_id: 1 }
		});
		stream.push(done());
		stream.end();
	});

	it('shows the resources of a saved question again when the chat is opened', async () => {
		const { app } = await renderChat();
		app.chat.open(
			sessionDetail.parse({
				session_id: SESSION_ID,
				title: 'Saved',
				created_at: '2026-01-01T00:00:00.000Z',
				updated_at: '2026-01-01T00:00:00.000Z',
				running: false,
				has_more: false,
				current_leaf_id: 1,
				disabled_servers: [],
				messages: [
					{
						id: 1,
						parent_id: null,
						sibling_ids: [1],
						role: 'user',
						content: 'Read this',
						tool_calls: null,
						tool_call_id: null,
						model_id: null,
						usage: null,
						created_at: '2026-01-01T00:00:00.000Z',
						attachments: [],
						resources: [{ server_id: 'files', uri: 'fixture://readme', name: 'readme' }]
					}
				]
			})
		);
		const question = page.getByLabelText('Your message');
		await expect.element(question.getByText('readme')).toBeVisible();
		await expect.element(question.getByText('files')).toBeVisible();
	});
});

describe('a server asking during a tool call', () => {
	it('shows an elicitation form, keeps it open on a refused answer, and sends typed content', async () => {
		const stream = liveStream();
		let answers = 0;
		const { server, box } = await renderChat({
			'POST /api/chat': () => stream.response(),
			'POST /api/chat/elicitations': () =>
				++answers === 1
					? json({ error: { code: 'invalid_content', message: 'content does not fit: age' } }, 400)
					: json({ ok: true })
		});
		await box.click();
		await userEvent.keyboard('Who? {Enter}');
		stream.push({
			event: 'session',
			data: { session_id: SESSION_ID, title: 'Chat', user_message_id: 1 }
		});
		stream.push({
			event: 'elicitation',
			data: {
				id: 'e1',
				server_id: 'files',
				message: 'Who are you?',
				requested_schema: {
					type: 'object',
					properties: {
						name: { type: 'string', title: 'Name' },
						age: { type: 'integer', title: 'Age', minimum: 0 },
						subscribe: { type: 'boolean', title: 'Subscribe' },
						color: { type: 'string', title: 'Color', enum: ['red', 'green'] }
					},
					required: ['name']
				}
			}
		});
		const form = page.getByRole('region', { name: 'Question from files' });
		await expect.element(form.getByText('Who are you?')).toBeVisible();
		await form.getByRole('button', { name: 'Accept' }).click();
		expect(server.to('POST', '/api/chat/elicitations')).toEqual([]); // Name is required

		await form.getByRole('textbox', { name: /Name/ }).fill('Ada');
		await form.getByRole('spinbutton', { name: 'Age' }).fill('36');
		await form.getByRole('checkbox', { name: 'Subscribe' }).click();
		await form.getByRole('combobox', { name: 'Color' }).selectOptions('green');
		await form.getByRole('button', { name: 'Accept' }).click();
		await expect.element(form.getByRole('alert')).toHaveTextContent('content does not fit: age');
		await form.getByRole('button', { name: 'Accept' }).click();
		await expect.poll(() => server.to('POST', '/api/chat/elicitations')).toHaveLength(2);
		expect(server.to('POST', '/api/chat/elicitations')[1].body).toEqual({
			session_id: SESSION_ID,
			elicitation_id: 'e1',
			action: 'accept',
			content: { name: 'Ada', age: 36, subscribe: true, color: 'green' }
		});
		stream.push({ event: 'elicitation_result', data: { id: 'e1', action: 'accept' } });
		await expect.element(form.getByText('You answered.')).toBeVisible();
		stream.push(done());
		stream.end();
	});

	it('shows a sampling card with the messages and sends the approval', async () => {
		const stream = liveStream();
		const { server, box } = await renderChat({
			'POST /api/chat': () => stream.response(),
			'POST /api/chat/samplings': () => json({ ok: true })
		});
		await box.click();
		await userEvent.keyboard('Sum{Enter}');
		stream.push({
			event: 'session',
			data: { session_id: SESSION_ID, title: 'Chat', user_message_id: 1 }
		});
		stream.push({
			event: 'sampling_request',
			data: {
				id: 's1',
				server_id: 'files',
				messages: [{ role: 'user', text: 'Summarize: the sea' }],
				max_tokens: 100
			}
		});
		const card = page.getByRole('region', { name: 'Sampling request from files' });
		await expect.element(card.getByText('Summarize: the sea')).toBeVisible();
		await expect.element(card.getByText(/at most 100/)).toBeVisible();
		await card.getByRole('button', { name: 'Approve' }).click();
		await expect.poll(() => server.to('POST', '/api/chat/samplings')).toHaveLength(1);
		expect(server.to('POST', '/api/chat/samplings')[0].body).toEqual({
			session_id: SESSION_ID,
			sampling_id: 's1',
			action: 'approve'
		});
		stream.push({ event: 'sampling_result', data: { id: 's1', action: 'approved', text: 'x' } });
		await expect.element(card.getByText(/Approved/)).toBeVisible();
		stream.push(done());
		stream.end();
	});
});

describe('tools menu', () => {
	it('switches a server off for a new chat and sends the choice with the first message', async () => {
		const stream = liveStream();
		const { box, sent } = await renderChat({
			'GET /api/mcp/servers': () =>
				json([
					{
						id: 'files',
						enabled: true,
						transport: 'builtin',
						status: 'connected',
						error: null,
						tools: [],
						counts: { tools: 3, prompts: 0, resources: 0, templates: 0 },
						capabilities: ['tools']
					}
				]),
			'POST /api/chat': () => stream.response()
		});
		await page.getByRole('button', { name: 'Tools for this chat' }).click();
		const toggle = page.getByRole('switch', { name: 'files' });
		await expect.element(toggle).toBeChecked();
		await toggle.click();
		await expect.element(toggle).not.toBeChecked();
		await userEvent.keyboard('{Escape}');
		await expect.element(toggle).not.toBeInTheDocument();
		await box.click();
		await userEvent.keyboard('hi{Enter}');
		await expect.poll(sent).toHaveLength(1);
		expect(sent()[0].disabled_servers).toEqual(['files']);
		stream.push({
			event: 'session',
			data: { session_id: SESSION_ID, title: 'Chat', user_message_id: 1 }
		});
		stream.push(done());
		stream.end();
	});
});

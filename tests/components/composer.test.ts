import { describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import { sessionList, suggestionList, uploadLimits, type ChatRequest } from '$lib/api';
import Composer from '$lib/components/chat/Composer.svelte';
import { AppState } from '$lib/state/app';
import { anAttachment } from './support/factories';
import { fakeApi, fakeUploads, json, sse } from './support/fake-server';
import WithAppState from './support/WithAppState.svelte';

const SESSION_ID = '0b9f6a8e-3c2d-4f1a-9e7b-5d4c3b2a1f00';

async function renderComposer() {
	const server = fakeApi({
		'GET /api/suggestions': () => json(suggestionList.parse({ suggestions: [] })),
		'GET /api/attachments/limits': () => json(uploadLimits.parse({ max_size_bytes: 10_000_000 })),
		'GET /api/sessions': () => json(sessionList.parse({ sessions: [], next_cursor: null })),
		'POST /api/chat': () =>
			sse([
				{ event: 'session', data: { session_id: SESSION_ID, title: 'T', user_message_id: 1 } },
				{ event: 'delta', data: { text: 'Hello!' } },
				{ event: 'done', data: { message_id: 2, finish_reason: 'stop' } }
			])
	});
	const uploads = fakeUploads();
	const app = new AppState({ goto: vi.fn(), invalidateAll: vi.fn() });
	await render(Composer, {}, { wrapper: WithAppState, wrapperProps: { app } });
	const box = page.getByRole('textbox', { name: 'Message' });
	await box.click();
	const sentMessages = () =>
		server.to('POST', '/api/chat').map((request) => request.body as ChatRequest);
	return { server, uploads, box, sentMessages };
}

describe('composer', () => {
	it('sends the typed message on Enter and clears the box', async () => {
		const { box, sentMessages } = await renderComposer();

		await userEvent.keyboard('What is the capital of France?');
		await userEvent.keyboard('{Enter}');

		await expect.poll(sentMessages).toHaveLength(1);
		expect(sentMessages()[0]).toMatchObject({ message: 'What is the capital of France?' });
		await expect.element(box).toHaveValue('');
	});

	it('starts a new line on Shift+Enter without sending', async () => {
		const { box, sentMessages } = await renderComposer();

		await userEvent.keyboard('first line{Shift>}{Enter}{/Shift}second line');

		await expect.element(box).toHaveValue('first line\nsecond line');
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(sentMessages()).toEqual([]);
	});

	it('sends once the upload finishes when Enter is pressed while a file is uploading', async () => {
		const { box, uploads, sentMessages } = await renderComposer();
		const attachment = anAttachment({ file_name: 'notes.txt' });

		await userEvent.keyboard('Summarise the attached notes');
		const fileInput = page.elementLocator(document.querySelector('input[type="file"]')!);
		await userEvent.upload(
			fileInput,
			new File(['some notes'], 'notes.txt', { type: 'text/plain' })
		);
		await expect.poll(() => uploads.sent).toHaveLength(1);
		await expect
			.element(page.getByRole('progressbar', { name: 'Uploading notes.txt' }))
			.toBeVisible();

		// Pressed twice while the file is still on its way: one message goes out, not two.
		await userEvent.keyboard('{Enter}');
		await userEvent.keyboard('{Enter}');
		await expect.element(page.getByText('Sends as soon as the upload finishes…')).toBeVisible();
		expect(sentMessages()).toEqual([]);

		uploads.sent[0].respond(201, attachment);

		await expect.poll(sentMessages).toHaveLength(1);
		expect(sentMessages()[0]).toMatchObject({
			message: 'Summarise the attached notes',
			attachment_ids: [attachment.attachment_id]
		});
		await expect.element(box).toHaveValue('');
		await expect
			.element(page.getByText('Sends as soon as the upload finishes…'))
			.not.toBeInTheDocument();
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(sentMessages()).toHaveLength(1);
	});
});

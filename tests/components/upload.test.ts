import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '$lib/api/client';
import { importConversations } from '$lib/api/import-upload';
import { uploadFile } from '$lib/api/upload';
import { fakeUploads } from './support/fake-server';

afterEach(() => {
	vi.unstubAllGlobals();
});

const file = () => new File(['hello'], 'notes.txt', { type: 'text/plain' });

const ATTACHMENT = {
	attachment_id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
	file_name: 'notes.txt',
	mime_type: 'text/plain',
	size_bytes: 5,
	signed_url: '/api/attachments/x/content?expires=1&signature=0',
	signed_url_expires_at: '2030-01-01T00:00:00.000Z',
	sha256: '0'.repeat(64),
	created_at: '2026-01-01T00:00:00.000Z'
};

/** Settles the promise into what a caller sees: the value, or the error's kind and message. */
const outcome = <T>(promise: Promise<T>) =>
	promise.then(
		(value) => ({ value }),
		(error: Error) => ({
			name: error.name,
			message: error.message,
			...(error instanceof ApiRequestError ? { status: error.status, code: error.code } : {})
		})
	);

describe('an attachment upload', () => {
	it('sends the file and the chat, reports progress and gives back the attachment', async () => {
		const { sent } = fakeUploads();
		const progress: number[] = [];
		const result = outcome(
			uploadFile(file(), { sessionId: 'chat-1', onProgress: (part) => progress.push(part) })
		);
		const [xhr] = sent;
		expect([xhr.method, xhr.url]).toEqual(['POST', '/api/uploads']);
		expect((xhr.body?.get('file') as File).name).toBe('notes.txt');
		expect(xhr.body?.get('session_id')).toBe('chat-1');
		xhr.progress(2, 5);
		xhr.progress(5, 5);
		xhr.respond(201, ATTACHMENT);
		expect(await result).toEqual({ value: ATTACHMENT });
		expect(progress).toEqual([0.4, 1]);
	});

	it("rejects with the server's code and message, or says the HTTP status", async () => {
		const { sent } = fakeUploads();
		const refused = outcome(uploadFile(file()));
		expect(sent[0].body?.has('session_id')).toBe(false);
		sent[0].respond(413, { error: { code: 'file_too_large', message: 'Over 1 KB.' } });
		expect(await refused).toEqual({
			name: 'ApiRequestError',
			message: 'Over 1 KB.',
			status: 413,
			code: 'file_too_large'
		});

		const proxy = outcome(uploadFile(file()));
		sent[1].respondText(502, '<html>Bad gateway</html>');
		expect(await proxy).toMatchObject({
			message: 'The upload failed (HTTP 502).',
			code: 'http_error'
		});

		const garbled = outcome(uploadFile(file()));
		sent[2].respond(201, { attachment_id: 'not all of it' });
		expect(await garbled).toMatchObject({ message: 'The upload failed (HTTP 201).' });

		const offline = outcome(uploadFile(file()));
		sent[3].fail();
		expect(await offline).toEqual({
			name: 'ApiRequestError',
			message: 'The upload failed: the server could not be reached.',
			status: 0,
			code: 'network_error'
		});
	});

	it('is cancelled by its signal, also one aborted before it starts', async () => {
		const { sent } = fakeUploads();
		const controller = new AbortController();
		const cancelled = outcome(uploadFile(file(), { signal: controller.signal }));
		controller.abort();
		expect(await cancelled).toEqual({ name: 'AbortError', message: 'Upload cancelled' });

		const late = outcome(uploadFile(file(), { signal: controller.signal }));
		expect(await late).toEqual({ name: 'AbortError', message: 'Upload cancelled' });
		expect(sent).toHaveLength(1);
	});
});

describe('a conversation import', () => {
	it('sends the file, reports progress and gives back what was imported', async () => {
		const { sent } = fakeUploads();
		const progress: number[] = [];
		const result = outcome(
			importConversations(file(), { onProgress: (part) => progress.push(part) })
		);
		const [xhr] = sent;
		expect([xhr.method, xhr.url]).toEqual(['POST', '/api/sessions/import']);
		expect([...(xhr.body?.keys() ?? [])]).toEqual(['file']);
		xhr.progress(5, 5);
		xhr.respond(200, { imported: 2, skipped: 0, session_ids: ['a', 'b'] });
		expect(await result).toEqual({ value: { imported: 2, skipped: 0, session_ids: ['a', 'b'] } });
		expect(progress).toEqual([1]);
	});

	it('says "import" in its failures', async () => {
		const { sent } = fakeUploads();
		const refused = outcome(importConversations(file()));
		sent[0].respond(400, {
			error: { code: 'invalid_import_file', message: 'Conversation 2: bad' }
		});
		expect(await refused).toMatchObject({
			message: 'Conversation 2: bad',
			code: 'invalid_import_file'
		});

		const proxy = outcome(importConversations(file()));
		sent[1].respondText(500, 'oops');
		expect(await proxy).toMatchObject({ message: 'The import failed (HTTP 500).' });

		const offline = outcome(importConversations(file()));
		sent[2].fail();
		expect(await offline).toMatchObject({
			message: 'The import failed: the server could not be reached.'
		});

		const controller = new AbortController();
		const cancelled = outcome(importConversations(file(), { signal: controller.signal }));
		controller.abort();
		expect(await cancelled).toEqual({ name: 'AbortError', message: 'Import cancelled' });
	});
});

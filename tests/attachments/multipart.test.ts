import { describe, expect, it } from 'vitest';
import { readUploadForm } from '$lib/server/attachments/multipart';
import { AppError } from '$lib/server/errors';
import { uploadRequest } from './helpers';

const LIMIT = 64 * 1024;

/** The same request body delivered in small pieces, as a slow network would. */
async function trickled(request: Request, pieceSize: number): Promise<Request> {
	const body = new Uint8Array(await request.arrayBuffer());
	let offset = 0;
	const stream = new ReadableStream<Uint8Array>({
		pull(controller) {
			if (offset >= body.length) return controller.close();
			controller.enqueue(body.slice(offset, offset + pieceSize));
			offset += pieceSize;
		}
	});
	return new Request(request.url, {
		method: 'POST',
		body: stream,
		headers: request.headers,
		duplex: 'half'
	} as RequestInit);
}

async function failure(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof AppError) return { status: error.status, code: error.code };
		throw error;
	}
	throw new Error('expected a failure');
}

describe('readUploadForm', () => {
	it('reads the file and fields of a browser FormData body', async () => {
		const data = Buffer.from('hello, attachments\r\n--not-a-boundary\r\n');
		const form = await readUploadForm(
			uploadRequest({ data, name: 'notes.txt', type: 'text/plain' }, { session_id: 'abc' }),
			{ maxFileBytes: LIMIT }
		);
		expect(form.file).toEqual({ fileName: 'notes.txt', claimedType: 'text/plain', data });
		expect(form.fields).toEqual({ session_id: 'abc' });
	});

	it('gives the same result when the body arrives one byte at a time', async () => {
		const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
		const form = await readUploadForm(
			await trickled(uploadRequest({ data, name: 'bytes.bin' }), 1),
			{ maxFileBytes: LIMIT }
		);
		expect(form.file.data.equals(data)).toBe(true);
	});

	it('keeps file names with quotes and non-ASCII characters', async () => {
		const form = await readUploadForm(
			uploadRequest({ data: Buffer.from('x'), name: 'my "best" résumé.txt' }),
			{ maxFileBytes: LIMIT }
		);
		expect(form.file.fileName).toBe('my "best" résumé.txt');
	});

	it('accepts a file of exactly the limit and refuses one byte more with 413', async () => {
		const exact = await readUploadForm(
			uploadRequest({ data: Buffer.alloc(LIMIT, 'a'), name: 'a.txt' }),
			{ maxFileBytes: LIMIT }
		);
		expect(exact.file.data.length).toBe(LIMIT);
		expect(
			await failure(
				readUploadForm(uploadRequest({ data: Buffer.alloc(LIMIT + 1, 'a'), name: 'a.txt' }), {
					maxFileBytes: LIMIT
				})
			)
		).toEqual({ status: 413, code: 'file_too_large' });
	});

	it('stops reading an endless body instead of buffering it', async () => {
		let pulled = 0;
		const head = Buffer.from(
			'--b\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n\r\n'
		);
		const endless = new ReadableStream<Uint8Array>({
			pull(controller) {
				const piece = pulled === 0 ? head : Buffer.alloc(16 * 1024, 'z');
				pulled += piece.length;
				controller.enqueue(piece);
			}
		});
		const request = new Request('http://x/api/uploads', {
			method: 'POST',
			body: endless,
			headers: { 'content-type': 'multipart/form-data; boundary=b' },
			duplex: 'half'
		} as RequestInit);
		expect(await failure(readUploadForm(request, { maxFileBytes: LIMIT }))).toEqual({
			status: 413,
			code: 'file_too_large'
		});
		expect(pulled).toBeLessThan(LIMIT * 4);
	});

	it('maps the adapter body limit (a 413 from SvelteKit) to the same 413', async () => {
		const stream = new ReadableStream({
			start: (controller) => controller.error(Object.assign(new Error('too big'), { status: 413 }))
		});
		const request = new Request('http://x/api/uploads', {
			method: 'POST',
			body: stream,
			headers: { 'content-type': 'multipart/form-data; boundary=b' },
			duplex: 'half'
		} as RequestInit);
		expect(await failure(readUploadForm(request, { maxFileBytes: LIMIT }))).toEqual({
			status: 413,
			code: 'file_too_large'
		});
	});

	it.each([
		[
			'a JSON body',
			new Request('http://x', {
				method: 'POST',
				body: '{}',
				headers: { 'content-type': 'application/json' }
			}),
			'invalid_multipart'
		],
		['a form without a file', uploadRequest(undefined, { note: 'hi' }), 'missing_file'],
		[
			'a truncated body',
			new Request('http://x', {
				method: 'POST',
				body: '--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
				headers: { 'content-type': 'multipart/form-data; boundary=b' }
			}),
			'invalid_multipart'
		]
	])('answers 400 for %s', async (_, request, code) => {
		expect(await failure(readUploadForm(request, { maxFileBytes: LIMIT }))).toEqual({
			status: 400,
			code
		});
	});

	it('refuses two files in one upload', async () => {
		const form = new FormData();
		form.append('file', new Blob(['a']), 'a.txt');
		form.append('file', new Blob(['b']), 'b.txt');
		const request = new Request('http://x', { method: 'POST', body: form });
		expect(await failure(readUploadForm(request, { maxFileBytes: LIMIT }))).toEqual({
			status: 400,
			code: 'invalid_multipart'
		});
	});
});

import type { Handle } from '@sveltejs/kit';
import { IMPORT_MAX_BYTES } from '$lib/api';
import { tooLarge } from '../attachments/multipart';
import { PayloadTooLargeError } from '../errors';
import { errorResponse } from '../http';
import { isRead, routePath } from './request';

const MiB = 1024 * 1024;
/** Multipart framing around the file: boundaries, part headers, the session_id field. */
export const MULTIPART_SLACK = 64 * 1024;

/**
 * The most a route reads: JSON 1 MiB, a chat turn 8 MiB (long pasted text), an upload its file,
 * an import of conversations its own limit.
 */
export function bodyLimit(path: string, uploadBytes: number): number {
	if (path === '/api/chat') return 8 * MiB;
	if (path === '/api/uploads') return uploadBytes + MULTIPART_SLACK;
	if (path === '/api/sessions/import') return IMPORT_MAX_BYTES + MULTIPART_SLACK;
	return MiB;
}

/**
 * A copy of `body` that fails with PayloadTooLargeError once more than `limit` bytes came
 * through. It stops reading there without cancelling the source: adapter-node answers a
 * cancelled body by destroying the socket, and the 413 would never be sent.
 */
export function limitedBody(
	body: ReadableStream<Uint8Array>,
	limit: number
): ReadableStream<Uint8Array> {
	const reader = body.getReader();
	let received = 0;
	return new ReadableStream({
		async pull(controller) {
			const { done, value } = await reader.read();
			if (done) return controller.close();
			received += value.byteLength;
			if (received > limit) controller.error(new PayloadTooLargeError(limit));
			else controller.enqueue(value);
		},
		cancel: (reason) => reader.cancel(reason)
	});
}

/**
 * Refuses a body over its route's limit before anything parses it: a Content-Length over the
 * limit answers 413 at once; a chunked body (no Content-Length) is wrapped so that reading past
 * the limit throws PayloadTooLargeError, which `endpoint()` answers with the same 413.
 */
export function bodyLimits(uploadBytes: () => number): Handle {
	return function bodyLimits({ event, resolve }) {
		const { request } = event;
		if (isRead(request)) return resolve(event);
		const path = routePath(event.url);
		const limit = bodyLimit(path, uploadBytes());
		const length = request.headers.get('content-length');
		if (length !== null) {
			if (Number(length) > limit)
				return errorResponse(
					// An upload says which file limit it broke, as the upload route does itself.
					path === '/api/uploads' ? tooLarge(uploadBytes()) : new PayloadTooLargeError(limit)
				);
			// adapter-node fails a body longer than its Content-Length itself.
			return resolve(event);
		}
		if (!request.body) return resolve(event);
		const limited = new Request(request.url, {
			method: request.method,
			headers: request.headers,
			body: limitedBody(request.body, limit),
			signal: request.signal,
			// Node's fetch needs this for a streamed body; the DOM types lack it.
			duplex: 'half'
		} as RequestInit);
		return resolve({ ...event, request: limited });
	};
}

import { afterEach, describe, expect, it } from 'vitest';
import { json, type RequestEvent } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import { bodyLimit, bodyLimits } from '$lib/server/security';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { PATCH as RENAME } from '../../src/routes/api/sessions/[id]/+server';
import { POST as UPLOAD } from '../../src/routes/api/uploads/+server';
import { disposeAll, errorOf, seedConversation, testServices } from '../support/factories';
import { chunkedBody, outcome, requestEvent, runGuard } from './helpers';

afterEach(disposeAll);

const MiB = 1024 * 1024;
const UPLOAD_LIMIT = 256 * 1024;
const guard = bodyLimits(() => UPLOAD_LIMIT);
type Route = (event: never) => Response | Promise<Response>;

/** The guard, then the real route with the event (and body) the guard passed on. */
function through(route: Route, event: RequestEvent, params: Record<string, string> = {}) {
	return runGuard(guard, event, (passed) => route({ ...passed, params } as never));
}

const jsonOf = (bytes: number) => JSON.stringify({ title: 'x'.repeat(bytes) });

describe('body limits', () => {
	it('sets 1 MiB for JSON, 8 MiB for a chat turn, the file limit plus framing for uploads, 64 MiB for an import', () => {
		expect(bodyLimit('/api/sessions/abc', UPLOAD_LIMIT)).toBe(MiB);
		expect(bodyLimit('/api/chat', UPLOAD_LIMIT)).toBe(8 * MiB);
		expect(bodyLimit('/api/uploads', UPLOAD_LIMIT)).toBe(UPLOAD_LIMIT + 64 * 1024);
		expect(bodyLimit('/login', UPLOAD_LIMIT)).toBe(MiB);
		expect(bodyLimit('/api/sessions/import', UPLOAD_LIMIT)).toBe(64 * MiB + 64 * 1024);
	});

	it('refuses a Content-Length over the limit before the route reads a byte', async () => {
		let reached = false;
		const response = await runGuard(
			guard,
			requestEvent('/api/settings/model', {
				method: 'PUT',
				headers: { 'content-type': 'application/json', 'content-length': String(MiB + 1) }
			}),
			() => {
				reached = true;
				return new Response();
			}
		);
		expect(await errorOf(response)).toMatchObject({ status: 413, code: 'payload_too_large' });
		expect(reached).toBe(false);
	});

	it('knows a route by the path SvelteKit routes (trailing slash, escapes)', async () => {
		// 2 MiB is over the JSON limit but a chat turn may be that long.
		for (const path of ['/api/chat/', '/api/%63hat']) {
			const headers = { 'content-type': 'application/json', 'content-length': String(2 * MiB) };
			const response = await runGuard(guard, requestEvent(path, { method: 'POST', headers }));
			expect(await outcome(response), path).toBe('passed');
		}
	});

	it('answers 413 for a chunked JSON body past 1 MiB, where the route would read it all', async () => {
		const services = testServices();
		const event = requestEvent('/api/sessions/abc', {
			method: 'PATCH',
			headers: { 'content-type': 'application/json' },
			body: chunkedBody(jsonOf(MiB + 10)),
			services
		});
		expect(await errorOf(await through(RENAME, event, { id: 'abc' }))).toMatchObject({
			status: 413,
			code: 'payload_too_large'
		});
	});

	it('answers 413 for a chunked chat turn past 8 MiB', async () => {
		const services = testServices();
		const event = requestEvent('/api/chat', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: chunkedBody(JSON.stringify({ message: 'x'.repeat(8 * MiB) }), MiB),
			services
		});
		expect(await errorOf(await through(CHAT, event))).toMatchObject({
			status: 413,
			code: 'payload_too_large'
		});
	});

	it('answers 413 when a route calls request.json() itself on a chunked body past the limit', async () => {
		const echo = endpoint(async ({ request }: RequestEvent) => json(await request.json()));
		const event = requestEvent('/api/anything', {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: chunkedBody(jsonOf(2 * MiB))
		});
		expect(await errorOf(await through(echo as Route, event))).toMatchObject({
			status: 413,
			code: 'payload_too_large'
		});
	});

	it('passes a chunked body under the limit through whole', async () => {
		const services = testServices();
		const id = seedConversation(services.repo, { title: 'Before' });
		const title = 'y'.repeat(150);
		const event = requestEvent(`/api/sessions/${id}`, {
			method: 'PATCH',
			headers: { 'content-type': 'application/json' },
			body: chunkedBody(JSON.stringify({ title }), 7),
			services
		});
		const response = await through(RENAME, event, { id });
		expect(response.status).toBe(200);
		expect(((await response.json()) as { title: string }).title).toBe(title);
	});

	it('answers an upload past its limit with file_too_large, with or without Content-Length', async () => {
		const services = testServices({ ATTACHMENTS_MAX_SIZE_BYTES: String(UPLOAD_LIMIT) });
		const boundary = 'x-boundary';
		const body =
			`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.txt"\r\n` +
			`content-type: text/plain\r\n\r\n${'a'.repeat(UPLOAD_LIMIT + 70 * 1024)}\r\n--${boundary}--\r\n`;
		const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };
		const chunked = requestEvent('/api/uploads', {
			method: 'POST',
			headers,
			body: chunkedBody(body),
			services
		});
		expect(await errorOf(await through(UPLOAD, chunked))).toMatchObject({
			status: 413,
			code: 'file_too_large'
		});
		const declared = requestEvent('/api/uploads', {
			method: 'POST',
			headers: { ...headers, 'content-length': String(body.length) },
			services
		});
		expect(await errorOf(await through(UPLOAD, declared))).toMatchObject({
			status: 413,
			code: 'file_too_large'
		});
	});
});

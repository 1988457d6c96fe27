import { vi } from 'vitest';
import type { ChatEvent } from '$lib/api';

export interface RecordedRequest {
	method: string;
	path: string;
	body: unknown;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export const json = (body: unknown, status = 200) =>
	new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

/** A POST /api/chat reply: the events the server would stream, then the end of the stream. */
export function sse(events: ChatEvent[]): Response {
	const text = events.map(
		({ event, data }) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
	);
	return new Response(new Blob(text).stream(), {
		headers: { 'content-type': 'text/event-stream' }
	});
}

/**
 * Stands in for the Switchboard API in `fetch`: routes are `'GET /api/models'` style keys (the
 * query string is not part of the key); anything else gets the API's 404. Every call is recorded.
 */
export function fakeApi(routes: Record<string, Handler>) {
	const requests: RecordedRequest[] = [];
	const fetch = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
		const url = new URL(input instanceof Request ? input.url : String(input), location.origin);
		const method = (init.method ?? 'GET').toUpperCase();
		const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
		const request = { method, path: url.pathname, body };
		requests.push(request);
		const handler = routes[`${method} ${url.pathname}`];
		if (handler) return handler(request);
		return json(
			{ error: { code: 'not_found', message: `No route ${method} ${url.pathname}` } },
			404
		);
	});
	vi.stubGlobal('fetch', fetch);
	return {
		requests,
		/** The recorded requests to one route. */
		to: (method: string, path: string) =>
			requests.filter((request) => request.method === method && request.path === path)
	};
}

/**
 * Stands in for XMLHttpRequest, which uploads use (fetch cannot report upload progress): each
 * request waits until the test answers it, so a test decides when an upload finishes.
 */
export function fakeUploads() {
	const sent: FakeXhr[] = [];
	class FakeXhr {
		upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
		onload: (() => void) | null = null;
		onerror: (() => void) | null = null;
		onabort: (() => void) | null = null;
		status = 0;
		responseText = '';
		method = '';
		url = '';
		body: FormData | null = null;

		open(method: string, url: string) {
			this.method = method;
			this.url = url;
		}
		send(body: FormData) {
			this.body = body;
			sent.push(this);
		}
		abort() {
			this.onabort?.();
		}
		respond(status: number, body: unknown) {
			this.respondText(status, JSON.stringify(body));
		}
		/** An answer whose body is not JSON (a proxy's error page, say). */
		respondText(status: number, text: string) {
			this.status = status;
			this.responseText = text;
			this.onload?.();
		}
		/** The server could not be reached. */
		fail() {
			this.onerror?.();
		}
		/** Reports that `loaded` of `total` bytes went up. */
		progress(loaded: number, total: number) {
			this.upload.onprogress?.(
				new ProgressEvent('progress', { lengthComputable: true, loaded, total })
			);
		}
	}
	vi.stubGlobal('XMLHttpRequest', FakeXhr);
	return { sent };
}

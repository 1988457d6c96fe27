import type { Handle, RequestEvent } from '@sveltejs/kit';
import type { Services } from '$lib/server/services';

export interface GuardCall {
	method?: string;
	headers?: Record<string, string>;
	body?: BodyInit;
	/** Where the request was made to (what adapter-node builds `event.url` from). */
	base?: string;
	services?: Services;
}

/** A request event as the hooks see it; `Host` defaults to the one of `base`. */
export function requestEvent(path: string, call: GuardCall = {}): RequestEvent {
	const url = new URL(path, call.base ?? 'http://127.0.0.1:3000');
	const request = new Request(url, {
		method: call.method ?? 'GET',
		headers: { host: url.host, ...call.headers },
		body: call.body,
		duplex: 'half'
	} as RequestInit);
	return {
		request,
		url,
		params: {},
		locals: { services: call.services }
	} as unknown as RequestEvent;
}

/** What the rest of the app answers when a guard lets the request through. */
export const passed = () => new Response('passed by the guard');

/** Runs one guard; `next` stands for the hooks and the route after it. */
export async function runGuard(
	handle: Handle,
	event: RequestEvent,
	next: (event: RequestEvent) => Response | Promise<Response> = passed
): Promise<Response> {
	return handle({ event, resolve: (event) => Promise.resolve(next(event)) });
}

/** Status and error code of a guard's answer (`passed` when it let the request through). */
export async function outcome(response: Response): Promise<string> {
	const text = await response.text();
	if (text === 'passed by the guard') return 'passed';
	const code = (JSON.parse(text) as { error: { code: string } }).error.code;
	return `${response.status} ${code}`;
}

/** A body sent in chunks with no Content-Length, as `Transfer-Encoding: chunked` arrives. */
export function chunkedBody(text: string, chunkBytes = 64 * 1024): ReadableStream<Uint8Array> {
	const bytes = new TextEncoder().encode(text);
	let offset = 0;
	return new ReadableStream({
		pull(controller) {
			if (offset >= bytes.length) return controller.close();
			controller.enqueue(bytes.slice(offset, (offset += chunkBytes)));
		}
	});
}

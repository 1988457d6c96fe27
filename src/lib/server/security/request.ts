import { json } from '@sveltejs/kit';

/** A guard's refusal, in the API's `{error:{code,message}}` shape. */
export const refuse = (status: number, code: string, message: string): Response =>
	json({ error: { code, message } }, { status });

/**
 * The path as SvelteKit routes it: percent-decoded (`%25` kept, as SvelteKit does) and without a
 * trailing slash, so `/api/%63hat/` meets the limits of `/api/chat`. Undecodable paths are left
 * as they are; SvelteKit refuses them itself.
 */
export function routePath(url: URL): string {
	let path = url.pathname;
	try {
		path = path.split('%25').map(decodeURI).join('%25');
	} catch {
		// malformed: SvelteKit answers 400
	}
	return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

/**
 * Whether the request carries a body. By its headers too: adapter-node hands the app no body at
 * all when Content-Type is missing, however many bytes follow.
 */
export function carriesBody(request: Request): boolean {
	if (request.body !== null) return true;
	const length = request.headers.get('content-length');
	return length !== null ? Number(length) > 0 : request.headers.has('transfer-encoding');
}

/** `GET` and `HEAD` read; every other method may change something. */
export const isRead = (request: Request): boolean =>
	request.method === 'GET' || request.method === 'HEAD';

import type { Handle } from '@sveltejs/kit';

/** On every answer: no MIME sniffing, no Referer to other sites, never inside a frame. */
export const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'no-referrer',
	'x-frame-options': 'DENY'
};

export const securityHeaders: Handle = async function securityHeaders({ event, resolve }) {
	let response = await resolve(event);
	try {
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
	} catch {
		// Immutable headers (a fetch() answer passed through): a copy takes them.
		response = new Response(response.body, response);
		for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
	}
	return response;
};

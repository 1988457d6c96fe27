import type { Handle } from '@sveltejs/kit';

/** On every answer: no MIME sniffing, no Referer to other sites, never inside a frame. */
export const SECURITY_HEADERS = {
	'x-content-type-options': 'nosniff',
	// Not `no-referrer`: under it browsers send `Origin: null` with the app's own form posts
	// (Fetch spec, "serializing a request origin"), which cross-site.ts must refuse, so logging in
	// and out failed. `same-origin` still tells other sites nothing.
	'referrer-policy': 'same-origin',
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

import type { Handle } from '@sveltejs/kit';
import { ARTIFACT_PATH } from './artifact-page';

/**
 * On every answer: no MIME sniffing, no Referer to other sites, never inside a frame (but the
 * artifact preview's page, which says SAMEORIGIN itself: artifact-page.ts).
 */
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
	const headers = Object.entries(SECURITY_HEADERS).filter(
		([name]) => !(name === 'x-frame-options' && event.url.pathname === ARTIFACT_PATH)
	);
	try {
		for (const [name, value] of headers) response.headers.set(name, value);
	} catch {
		// Immutable headers (a fetch() answer passed through): a copy takes them.
		response = new Response(response.body, response);
		for (const [name, value] of headers) response.headers.set(name, value);
	}
	return response;
};

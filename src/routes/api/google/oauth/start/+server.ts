import { STATE_TTL_MS } from '$lib/server/google/oauth';
import { endpoint } from '$lib/server/http';
import { STATE_COOKIE, STATE_COOKIE_PATH } from '../state-cookie';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals, cookies, url }) => {
	const { url: consentUrl, state } = await locals.services.google.startAuthorization();
	cookies.set(STATE_COOKIE, state, {
		path: STATE_COOKIE_PATH,
		httpOnly: true,
		// Lax: the cookie must come along on Google's top-level redirect back to the callback.
		sameSite: 'lax',
		secure: url.protocol === 'https:',
		maxAge: STATE_TTL_MS / 1000
	});
	return new Response(null, {
		status: 302,
		headers: { location: consentUrl, 'cache-control': 'no-store' }
	});
});

import { GoogleOAuthError } from '$lib/server/google/service';
import { endpoint } from '$lib/server/http';
import { STATE_COOKIE, STATE_COOKIE_PATH } from '../state-cookie';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

const back = (query: string) =>
	new Response(null, {
		status: 302,
		headers: { location: `/mcp?${query}`, 'cache-control': 'no-store' }
	});

/**
 * Always ends on /mcp: `?google=connected`, or `?google_error=<code>` that the page puts into
 * words. The browser arrives here from Google, so even a failure is a redirect, not JSON.
 */
export const GET: RequestHandler = endpoint(async ({ locals, cookies, url }) => {
	const browserState = cookies.get(STATE_COOKIE);
	cookies.delete(STATE_COOKIE, { path: STATE_COOKIE_PATH });
	try {
		await locals.services.google.completeAuthorization({
			code: url.searchParams.get('code'),
			state: url.searchParams.get('state'),
			error: url.searchParams.get('error'),
			browserState
		});
		return back('google=connected');
	} catch (error) {
		if (error instanceof GoogleOAuthError) return back(`google_error=${error.code}`);
		locals.services.log.error('google callback failed', { error });
		return back('google_error=oauth_error');
	}
});

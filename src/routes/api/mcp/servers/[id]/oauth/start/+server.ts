import { McpOAuthError } from '$lib/server/mcp/oauth';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

const go = (location: string) =>
	new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });

/** Connect: 302 to the server's authorization server (or back to /mcp when already signed in). */
export const GET: RequestHandler = endpoint(async ({ params, locals }) => {
	try {
		return go(await locals.services.mcpOAuth.start(params.id));
	} catch (error) {
		if (error instanceof McpOAuthError)
			return go(`/mcp?mcp_oauth_error=${encodeURIComponent(error.message)}`);
		throw error;
	}
});

import { McpOAuthError } from '$lib/server/mcp/oauth';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

const back = (query: string) =>
	new Response(null, {
		status: 302,
		headers: { location: `/mcp?${query}`, 'cache-control': 'no-store' }
	});

/**
 * The authorization server's redirect back. Always ends on /mcp: `?mcp_oauth=connected`, or
 * `?mcp_oauth_error=<reason>`; the browser arrives from elsewhere, so a failure is a redirect too.
 */
export const GET: RequestHandler = endpoint(async ({ locals, url }) => {
	try {
		const serverId = await locals.services.mcpOAuth.finish({
			code: url.searchParams.get('code'),
			state: url.searchParams.get('state'),
			error: url.searchParams.get('error')
		});
		return back(`mcp_oauth=${encodeURIComponent(serverId)}`);
	} catch (error) {
		const reason = error instanceof McpOAuthError ? error.message : 'The sign-in failed.';
		if (!(error instanceof McpOAuthError))
			locals.services.log.error('mcp oauth callback failed', { error });
		return back(`mcp_oauth_error=${encodeURIComponent(reason)}`);
	}
});

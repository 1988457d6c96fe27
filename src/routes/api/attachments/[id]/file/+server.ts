import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/**
 * A link that stays good (exported Markdown uses it): a redirect to a freshly signed URL of the
 * file, where `GET /api/attachments/{id}` answers the URL as JSON.
 */
export const GET: RequestHandler = endpoint(async ({ params, locals }) => {
	const { signed_url } = await locals.services.attachments.info(params.id);
	return new Response(null, {
		status: 302,
		headers: { location: signed_url, 'cache-control': 'no-store' }
	});
});

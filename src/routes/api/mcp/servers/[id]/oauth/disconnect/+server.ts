import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Disconnect: deletes the server's OAuth tokens; it then needs sign-in again. */
export const POST: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.mcpOAuth.disconnect(params.id);
	return json({ ok: true });
});

import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const POST: RequestHandler = endpoint(async ({ locals, getClientAddress }) => {
	const token = await locals.services.speech.mint(getClientAddress());
	// A credential: never cached by the browser or anything in between.
	return json(token, { headers: { 'cache-control': 'no-store' } });
});

import { json } from '@sveltejs/kit';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) => {
	const file = await locals.services.presets.export();
	const day = file.exported_at.slice(0, 10);
	return json(file, {
		headers: { 'content-disposition': `attachment; filename="switchboard-presets-${day}.json"` }
	});
});

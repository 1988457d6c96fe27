import { json } from '@sveltejs/kit';
import { importPresetsRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, importPresetsRequest);
	return json(await locals.services.presets.import(input));
});

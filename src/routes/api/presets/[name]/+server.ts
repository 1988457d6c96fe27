import { json } from '@sveltejs/kit';
import { updatePresetRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ params, locals }) =>
	json(await locals.services.presets.get(params.name))
);

export const PUT: RequestHandler = endpoint(async ({ params, request, locals }) => {
	const patch = await readJson(request, updatePresetRequest);
	return json(await locals.services.presets.update(params.name, patch));
});

export const DELETE: RequestHandler = endpoint(async ({ params, locals }) => {
	await locals.services.presets.delete(params.name);
	return new Response(null, { status: 204 });
});

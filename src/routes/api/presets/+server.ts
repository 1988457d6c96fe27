import { json } from '@sveltejs/kit';
import { createPresetRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json({ presets: await locals.services.presets.list() })
);

export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, createPresetRequest);
	return json(await locals.services.presets.create(input), { status: 201 });
});

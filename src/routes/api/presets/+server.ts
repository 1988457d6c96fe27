import { json } from '@sveltejs/kit';
import { createPresetRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json({ presets: await locals.services.presets.list() });
	} catch (error) {
		return errorResponse(error);
	}
};

export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		const input = await readJson(request, createPresetRequest);
		return json(await locals.services.presets.create(input), { status: 201 });
	} catch (error) {
		return errorResponse(error);
	}
};

import { json } from '@sveltejs/kit';
import { importPresetsRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		const input = await readJson(request, importPresetsRequest);
		return json(await locals.services.presets.import(input));
	} catch (error) {
		return errorResponse(error);
	}
};

import { json } from '@sveltejs/kit';
import { updatePresetRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ params, locals }) => {
	try {
		return json(await locals.services.presets.get(params.name));
	} catch (error) {
		return errorResponse(error);
	}
};

export const PUT: RequestHandler = async ({ params, request, locals }) => {
	try {
		const patch = await readJson(request, updatePresetRequest);
		return json(await locals.services.presets.update(params.name, patch));
	} catch (error) {
		return errorResponse(error);
	}
};

export const DELETE: RequestHandler = async ({ params, locals }) => {
	try {
		await locals.services.presets.delete(params.name);
		return new Response(null, { status: 204 });
	} catch (error) {
		return errorResponse(error);
	}
};

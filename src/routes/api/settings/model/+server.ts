import { json } from '@sveltejs/kit';
import { modelSettingsUpdate } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json(await locals.services.modelSettings.model());
	} catch (error) {
		return errorResponse(error);
	}
};

export const PUT: RequestHandler = async ({ request, locals }) => {
	try {
		const patch = await readJson(request, modelSettingsUpdate);
		return json(await locals.services.modelSettings.updateModel(patch));
	} catch (error) {
		return errorResponse(error);
	}
};

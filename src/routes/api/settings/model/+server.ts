import { json } from '@sveltejs/kit';
import { modelSettingsUpdate } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import { checkModelId } from '$lib/server/models/check';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.modelSettings.model())
);

export const PUT: RequestHandler = endpoint(async ({ request, locals }) => {
	const patch = await readJson(request, modelSettingsUpdate);
	if (patch.model_id) checkModelId(patch.model_id, locals.services.models);
	return json(await locals.services.modelSettings.updateModel(patch));
});

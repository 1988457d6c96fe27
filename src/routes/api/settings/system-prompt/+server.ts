import { json } from '@sveltejs/kit';
import { systemPromptUpdate } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json(await locals.services.modelSettings.systemPrompt());
	} catch (error) {
		return errorResponse(error);
	}
};

export const PUT: RequestHandler = async ({ request, locals }) => {
	try {
		const { system_prompt } = await readJson(request, systemPromptUpdate);
		return json(await locals.services.modelSettings.setSystemPrompt(system_prompt));
	} catch (error) {
		return errorResponse(error);
	}
};

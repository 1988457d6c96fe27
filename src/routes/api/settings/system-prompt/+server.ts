import { json } from '@sveltejs/kit';
import { systemPromptUpdate } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.modelSettings.systemPrompt())
);

export const PUT: RequestHandler = endpoint(async ({ request, locals }) => {
	const { system_prompt } = await readJson(request, systemPromptUpdate);
	return json(await locals.services.modelSettings.setSystemPrompt(system_prompt));
});

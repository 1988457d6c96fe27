import { json } from '@sveltejs/kit';
import { mcpPromptGetRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** One prompt filled with its arguments: its messages, with their roles. */
export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, mcpPromptGetRequest);
	return json(await locals.services.prompts.get(input.name, input.arguments));
});

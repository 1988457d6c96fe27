import { json } from '@sveltejs/kit';
import { samplingDecisionRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Approves or denies a server's request for a completion from the chat's model. */
export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	locals.services.samplings.decide(await readJson(request, samplingDecisionRequest));
	return json({ ok: true });
});

import { json } from '@sveltejs/kit';
import { elicitationAnswerRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Answers a server's question asked during a tool call (400 keeps it open, 404 when none waits). */
export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	locals.services.elicitations.answer(await readJson(request, elicitationAnswerRequest));
	return json({ ok: true });
});

import { json } from '@sveltejs/kit';
import type { StoppedTurn } from '$lib/api';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Stops the reply being written (the UI's Stop and Esc); answers once the partial reply is saved. */
export const POST: RequestHandler = endpoint(async ({ params, locals }) => {
	const done = await locals.services.runs.stop(params.id);
	return json({
		ok: true,
		message_id: done?.message_id ?? null,
		finish_reason: done?.finish_reason ?? null
	} satisfies StoppedTurn);
});

import { endpoint } from '$lib/server/http';
import { sseResponse } from '$lib/server/sse-response';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** The running turn from its first event, then live until `done`; 204 when nothing runs. */
export const GET: RequestHandler = endpoint(({ params, request, locals }) => {
	const run = locals.services.runs.find(params.id);
	if (!run) return new Response(null, { status: 204 });
	return sseResponse(run, request.signal);
});

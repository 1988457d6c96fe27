import { json } from '@sveltejs/kit';
import { approvalDecisionRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Resumes a tool call paused by a server with `approval: "ask"`. */
export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, approvalDecisionRequest);
	locals.services.approvals.answer(input.session_id, input.tool_call_id, input.decision);
	return json({ ok: true });
});

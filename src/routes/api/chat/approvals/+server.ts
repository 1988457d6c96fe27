import { json } from '@sveltejs/kit';
import { z } from 'zod';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import { notFound } from '$lib/server/errors';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

const decision = z.object({
	session_id: z.string().min(1),
	tool_call_id: z.string().min(1),
	decision: z.enum(['approve', 'deny'])
});

/** Resumes a tool call paused by a server with `approval: "ask"`. */
export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		const input = await readJson(request, decision);
		const key = ApprovalRegistry.key(input.session_id, input.tool_call_id);
		if (!locals.services.approvals.decide(key, input.decision)) {
			throw notFound(
				'No tool call is waiting for approval with that id (it may have timed out or the chat was stopped).',
				'approval_not_found'
			);
		}
		return json({ ok: true });
	} catch (error) {
		return errorResponse(error);
	}
};

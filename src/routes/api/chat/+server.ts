import { chatRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import { sseResponse } from '$lib/server/sse-response';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Starts a turn on the server and follows it; the turn goes on if this response goes away. */
export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const input = await readJson(request, chatRequest);
	const run = await locals.services.runs.start({
		sessionId: input.session_id,
		message: input.message,
		attachmentIds: input.attachment_ids,
		modelId: input.model_id,
		regenerate: input.regenerate,
		parentId: input.parent_id,
		replyTo: input.reply_to,
		projectId: input.project_id,
		temporary: input.temporary,
		resources: input.resources,
		promptMessages: input.prompt_messages,
		disabledServers: input.disabled_servers,
		webSearch: input.web_search
	});
	return sseResponse(run, request.signal);
});

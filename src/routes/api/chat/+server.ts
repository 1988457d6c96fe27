import { chatRequest } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import { sseResponse } from '$lib/server/sse-response';
import { z } from 'zod';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

const body = chatRequest.extend({ regenerate: z.boolean().optional() });

export const POST: RequestHandler = async ({ request, locals }) => {
	try {
		const input = await readJson(request, body);
		const turn = await locals.services.chat.start({
			sessionId: input.session_id,
			message: input.message,
			attachmentIds: input.attachment_ids,
			modelId: input.model_id,
			regenerate: input.regenerate
		});
		return sseResponse((signal) => turn.events(signal), request.signal);
	} catch (error) {
		return errorResponse(error);
	}
};

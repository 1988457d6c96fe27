import { z } from 'zod';
import { messageAttachment } from './attachments';
import { modelId } from './settings';
import { citationsEvent } from './web-search';

/** Largest message a person can send, in characters (about 1 MB of text). */
export const MAX_MESSAGE_CHARS = 1_000_000;

export const chatRequest = z.object({
	session_id: z.string().uuid().optional(),
	message: z
		.string()
		.max(MAX_MESSAGE_CHARS, `message is longer than ${MAX_MESSAGE_CHARS} characters`),
	attachment_ids: z.array(z.string().min(1).max(200)).max(20).optional(),
	model_id: modelId.optional(),
	/**
	 * The UI's Retry (with `session_id` and an empty `message`): the last question is answered
	 * again and the failed reply after it is removed, so the question is not duplicated.
	 */
	regenerate: z.boolean().optional(),
	/** Let the model search the web; remembered as the conversation's setting. */
	web_search: z.boolean().optional()
});
export type ChatRequest = z.infer<typeof chatRequest>;

/** `POST /api/chat/approvals`: a person's decision on a tool call paused for approval. */
export const approvalDecisionRequest = z.object({
	session_id: z.string().min(1),
	tool_call_id: z.string().min(1),
	decision: z.enum(['approve', 'deny'])
});
export type ApprovalDecisionRequest = z.infer<typeof approvalDecisionRequest>;
export const approvalDecisionResponse = z.object({ ok: z.literal(true) });

export const usage = z.object({
	prompt_tokens: z.number(),
	completion_tokens: z.number(),
	total_tokens: z.number(),
	cost: z.number().optional()
});
export type Usage = z.infer<typeof usage>;

/** Token counts (and cost, when any round reported one) of a turn's rounds together. */
export function addUsage(total: Usage | null | undefined, next: Usage): Usage {
	if (!total) return { ...next };
	const cost =
		total.cost !== undefined || next.cost !== undefined
			? (total.cost ?? 0) + (next.cost ?? 0)
			: undefined;
	return {
		prompt_tokens: total.prompt_tokens + next.prompt_tokens,
		completion_tokens: total.completion_tokens + next.completion_tokens,
		total_tokens: total.total_tokens + next.total_tokens,
		...(cost !== undefined ? { cost } : {})
	};
}

/** The events of `POST /api/chat` and `GET /api/sessions/{id}/stream`, in the order they can appear. */
export const chatEvents = {
	session: z.object({ session_id: z.string() }),
	delta: z.object({ text: z.string() }),
	reasoning: z.object({ text: z.string() }),
	tool_call: z.object({
		id: z.string(),
		name: z.string(),
		arguments: z.record(z.string(), z.unknown())
	}),
	tool_progress: z.object({
		id: z.string(),
		progress: z.number(),
		total: z.number().optional(),
		message: z.string().optional()
	}),
	tool_approval: z.object({ id: z.string(), name: z.string(), server_id: z.string() }),
	tool_result: z.object({
		id: z.string(),
		name: z.string(),
		content: z.string(),
		is_error: z.boolean(),
		duration_ms: z.number().optional(),
		/** Files the tool returned (images, resources), stored as attachments. */
		attachments: z.array(messageAttachment).optional()
	}),
	citations: citationsEvent,
	usage,
	error: z.object({ code: z.string(), message: z.string() }),
	done: z.object({
		message_id: z.number().nullable(),
		finish_reason: z.string(),
		/** The model that answered (the chat's or the settings'). */
		model_id: z.string().optional()
	})
} as const;

export type ChatEventName = keyof typeof chatEvents;
export type ChatEvent = {
	[K in ChatEventName]: { event: K; data: z.infer<(typeof chatEvents)[K]> };
}[ChatEventName];

import { z } from 'zod';
import { messageAttachment } from './attachments';
import { MCP_SERVER_ID } from './mcp';
import { promptMessage, resourceRef } from './mcp-features';
import { modelId } from './settings';
import { citationsEvent } from './web-search';

/** Largest message a person can send, in characters (about 1 MB of text). */
export const MAX_MESSAGE_CHARS = 1_000_000;

const messageId = z
	.number('not a message id')
	.int('not a message id')
	.positive('not a message id')
	.max(Number.MAX_SAFE_INTEGER, 'not a message id');

export const chatRequest = z.object({
	session_id: z.string().uuid().optional(),
	message: z
		.string()
		.max(MAX_MESSAGE_CHARS, `message is longer than ${MAX_MESSAGE_CHARS} characters`),
	attachment_ids: z.array(z.string().min(1).max(200)).max(20).optional(),
	model_id: modelId.optional(),
	/**
	 * The UI's Retry (with `session_id` and an empty `message`): the current path's last question
	 * is answered again, the same as `reply_to` it. Nothing is removed.
	 */
	regenerate: z.boolean().optional(),
	/**
	 * The new question goes under this message of the conversation (an edit: the edited
	 * question's parent; null: a new first message), a branch beside what was there. Without it,
	 * under the conversation's current leaf.
	 */
	parent_id: messageId.nullable().optional(),
	/**
	 * One more reply to this question (a user message of the conversation), with an empty
	 * `message`: a sibling of its other replies. With another `model_id`, how replies are compared.
	 */
	reply_to: messageId.optional(),
	/** A new conversation (no `session_id`) starts in this project. */
	project_id: z.string().uuid('is not a project id').optional(),
	/** A new conversation that is never listed, searched or logged, deleted 24 h after its last message. */
	temporary: z.boolean().optional(),
	/** MCP resources whose text goes upstream with the message (each under a header naming it). */
	resources: z.array(resourceRef).max(20).optional(),
	/**
	 * The messages of an MCP prompt before `message` (its last), saved with their roles before
	 * the question, so a prompt of several messages is sent as the server wrote it.
	 */
	prompt_messages: z.array(promptMessage).max(50).optional(),
	/** MCP servers whose tools this chat does not offer (saved on the conversation). */
	disabled_servers: z.array(z.string().regex(MCP_SERVER_ID, 'not a server id')).max(100).optional(),
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

/** `POST /api/chat/elicitations`: the person's answer to a server's question. */
export const elicitationAnswerRequest = z.object({
	session_id: z.string().min(1).max(200),
	elicitation_id: z.string().min(1).max(200),
	action: z.enum(['accept', 'decline', 'cancel']),
	content: z
		.record(
			z.string().max(200),
			z.union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(10_000))])
		)
		.optional()
});
export type ElicitationAnswerRequest = z.infer<typeof elicitationAnswerRequest>;

/** `POST /api/chat/samplings`: the person's decision on a server's request for a completion. */
export const samplingDecisionRequest = z.object({
	session_id: z.string().min(1).max(200),
	sampling_id: z.string().min(1).max(200),
	action: z.enum(['approve', 'deny'])
});
export type SamplingDecisionRequest = z.infer<typeof samplingDecisionRequest>;

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
	/** First: the conversation, its title, and the question being answered (saved by now). */
	session: z.object({
		session_id: z.string(),
		title: z.string(),
		user_message_id: z.number()
	}),
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
	/** A server asks the person something during a tool call (a form built from the schema). */
	elicitation: z.object({
		id: z.string(),
		server_id: z.string(),
		message: z.string(),
		requested_schema: z.record(z.string(), z.unknown())
	}),
	/** The question was answered, or cancelled (stop, 10 minutes). */
	elicitation_result: z.object({ id: z.string(), action: z.enum(['accept', 'decline', 'cancel']) }),
	/** A server asks for a completion from the chat's model; a person approves it. */
	sampling_request: z.object({
		id: z.string(),
		server_id: z.string(),
		messages: z.array(z.object({ role: z.string(), text: z.string() })),
		max_tokens: z.number(),
		system_prompt: z.string().optional()
	}),
	sampling_result: z.object({
		id: z.string(),
		action: z.enum(['approved', 'denied', 'failed']),
		text: z.string().optional()
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

import { randomUUID } from 'node:crypto';
import {
	ErrorCode,
	McpError,
	type CreateMessageRequest,
	type CreateMessageResult,
	type SamplingMessage
} from '@modelcontextprotocol/sdk/types.js';
import type { ChatEvent, SamplingDecisionRequest, Usage } from '$lib/api';
import { notFound } from '../errors';
import type { Logger } from '../log';
import type { OpenRouterClient } from '../openrouter/client';
import type { UpstreamMessage } from '../openrouter/types';
import { PendingQuestions, QUESTION_TIMEOUT_MS } from './questions';

type Params = CreateMessageRequest['params'];
export type SamplingPolicy = 'ask' | 'auto' | 'deny';

export interface SamplingDeps {
	client: Pick<OpenRouterClient, 'streamChat'>;
	/** The `sampling` of a server's config (default ask). */
	policy: (serverId: string) => SamplingPolicy;
	log: Logger;
	timeoutMs?: number;
}

export interface SamplingContext {
	sessionId: string;
	modelId: string;
	emit: (event: ChatEvent) => void;
	onUsage: (usage: Usage) => void;
}

/** A sampling message as text (images and audio are named: they do not go upstream). */
function textOf(message: SamplingMessage): string {
	const blocks = Array.isArray(message.content) ? message.content : [message.content];
	return blocks
		.map((block) => (block.type === 'text' ? block.text : `[${block.type} content]`))
		.join('\n');
}

/**
 * A server's `sampling/createMessage` during a chat: asked of the person (event
 * `sampling_request`, answered by `POST /api/chat/samplings`), run, or refused by the server's
 * `sampling` setting; an approved request goes to OpenRouter with the chat's model, its usage
 * counts in the turn, and the reply goes back to the server.
 */
export class SamplingRegistry {
	readonly #deps: SamplingDeps;
	readonly #pending: PendingQuestions<'approve' | 'deny'>;

	constructor(deps: SamplingDeps) {
		this.#deps = deps;
		this.#pending = new PendingQuestions(deps.timeoutMs ?? QUESTION_TIMEOUT_MS);
	}

	async sample(
		serverId: string,
		params: Params,
		context: SamplingContext,
		signal: AbortSignal
	): Promise<CreateMessageResult> {
		const policy = this.#deps.policy(serverId);
		if (policy === 'deny')
			throw new McpError(
				ErrorCode.InvalidRequest,
				'Switchboard is set to refuse sampling requests of this server.'
			);
		const messages = params.messages.map((message) => ({
			role: message.role,
			text: textOf(message)
		}));
		const id = randomUUID();
		if (policy === 'ask') {
			context.emit({
				event: 'sampling_request',
				data: {
					id,
					server_id: serverId,
					messages,
					max_tokens: params.maxTokens,
					...(params.systemPrompt ? { system_prompt: params.systemPrompt } : {})
				}
			});
			const decision = await this.#pending.wait(context.sessionId, id, 'deny', signal);
			if (decision !== 'approve') {
				context.emit({ event: 'sampling_result', data: { id, action: 'denied' } });
				throw new McpError(ErrorCode.InvalidRequest, 'The person declined the sampling request.');
			}
		}
		try {
			const result = await this.#complete(params, messages, context, signal);
			if (policy === 'ask')
				context.emit({
					event: 'sampling_result',
					data: {
						id,
						action: 'approved',
						text: result.content.type === 'text' ? result.content.text : ''
					}
				});
			return result;
		} catch (error) {
			if (policy === 'ask')
				context.emit({ event: 'sampling_result', data: { id, action: 'failed' } });
			this.#deps.log.warn('mcp sampling failed', { mcp_server: serverId, error });
			throw new McpError(
				ErrorCode.InternalError,
				`The completion failed: ${error instanceof Error ? error.message : String(error)}`
			);
		}
	}

	/** 404 when no sampling request waits under that id in that chat. */
	decide(input: SamplingDecisionRequest): void {
		if (!this.#pending.answer(input.session_id, input.sampling_id, input.action))
			throw notFound(
				'No sampling request is waiting with that id in this chat (it was answered, timed out or the chat was stopped).',
				'sampling_not_found'
			);
	}

	get size(): number {
		return this.#pending.size;
	}

	async #complete(
		params: Params,
		messages: { role: string; text: string }[],
		context: SamplingContext,
		signal: AbortSignal
	): Promise<CreateMessageResult> {
		const upstream: UpstreamMessage[] = [
			...(params.systemPrompt ? [{ role: 'system' as const, content: params.systemPrompt }] : []),
			...messages.map((message) => ({
				role: message.role as 'user' | 'assistant',
				content: message.text
			}))
		];
		let text = '';
		let finishReason = 'stop';
		for await (const event of this.#deps.client.streamChat(
			{
				model: context.modelId,
				messages: upstream,
				max_tokens: params.maxTokens,
				...(params.temperature !== undefined ? { temperature: params.temperature } : {}),
				...(params.stopSequences?.length ? { stop: params.stopSequences } : {})
			},
			signal
		)) {
			if (event.type === 'text') text += event.text;
			else if (event.type === 'usage') context.onUsage(event.usage);
			else if (event.type === 'finish') finishReason = event.finishReason;
		}
		return {
			model: context.modelId,
			role: 'assistant',
			content: { type: 'text', text },
			stopReason: finishReason === 'length' ? 'maxTokens' : 'endTurn'
		};
	}
}

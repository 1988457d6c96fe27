import { randomUUID } from 'node:crypto';
import type { ElicitRequestFormParams, ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import type { ChatEvent, ElicitationAnswerRequest } from '$lib/api';
import { badRequest, notFound } from '../errors';
import { compileArgumentsCheck } from '../mcp/validation';
import { PendingQuestions, QUESTION_TIMEOUT_MS } from './questions';

interface Question {
	sessionId: string;
	schema: Record<string, unknown>;
}

/**
 * A server's `elicitation/create` during a chat: shown to the person as the event `elicitation`
 * (a form from the requested schema), answered by `POST /api/chat/elicitations`. An answer that
 * does not fit the schema is refused and the question stays open; a stop or 10 minutes cancel it.
 */
export class ElicitationRegistry {
	readonly #pending: PendingQuestions<ElicitResult>;
	readonly #questions = new Map<string, Question>();

	constructor(timeoutMs = QUESTION_TIMEOUT_MS) {
		this.#pending = new PendingQuestions(timeoutMs);
	}

	async ask(
		sessionId: string,
		serverId: string,
		params: ElicitRequestFormParams,
		emit: (event: ChatEvent) => void,
		signal: AbortSignal
	): Promise<ElicitResult> {
		const id = randomUUID();
		const schema = params.requestedSchema as Record<string, unknown>;
		this.#questions.set(id, { sessionId, schema });
		emit({
			event: 'elicitation',
			data: { id, server_id: serverId, message: params.message, requested_schema: schema }
		});
		try {
			const result = await this.#pending.wait(sessionId, id, { action: 'cancel' }, signal);
			emit({ event: 'elicitation_result', data: { id, action: result.action } });
			return result;
		} finally {
			this.#questions.delete(id);
		}
	}

	/** 404 when nothing waits under that id in that chat; 400 (still open) for content off the schema. */
	answer(input: ElicitationAnswerRequest): void {
		const question = this.#questions.get(input.elicitation_id);
		if (!question || !this.#pending.has(input.session_id, input.elicitation_id))
			throw notFound(
				'No question is waiting with that id in this chat (it was answered, cancelled or the chat was stopped).',
				'elicitation_not_found'
			);
		let result: ElicitResult = { action: input.action };
		if (input.action === 'accept') {
			const content = input.content ?? {};
			const problem = compileArgumentsCheck({ ...question.schema, additionalProperties: false })?.(
				content
			);
			if (problem)
				throw badRequest(
					`content does not fit the requested schema: ${problem.replaceAll('(arguments)', 'content')}`,
					'invalid_content'
				);
			result = { action: 'accept', content };
		}
		this.#pending.answer(input.session_id, input.elicitation_id, result);
	}

	get size(): number {
		return this.#pending.size;
	}
}

import { randomUUID } from 'node:crypto';
import type { ChatEvent, Usage } from '$lib/api';
import { badRequest, notFound } from '../errors';
import type { Logger } from '../log';
import type { OpenRouterClient } from '../openrouter/client';
import { UpstreamError } from '../openrouter/errors';
import type { ChatCompletionRequest, UpstreamMessage, UpstreamToolCall } from '../openrouter/types';
import type { ModelSettingsSource } from '../settings/model-settings';
import { ApprovalRegistry } from './approvals';
import type { ChatAttachments, StoredToolFiles } from './attachments';
import { Channel } from './channel';
import type { ChatRepository } from './repository';
import { titleFrom } from '$lib/chat/title';
import type { ToolProvider } from './tools';
import type { MessageRow } from '../db/schema';

export interface ChatTurnInput {
	sessionId?: string;
	message: string;
	attachmentIds?: string[];
	modelId?: string;
	/** Answer the last question again instead of adding a new one (the UI's Retry). */
	regenerate?: boolean;
}

export interface OrchestratorDeps {
	repo: ChatRepository;
	client: OpenRouterClient;
	settings: ModelSettingsSource;
	tools: ToolProvider;
	attachments: ChatAttachments;
	approvals: ApprovalRegistry;
	log: Logger;
	now?: () => Date;
	maxToolRounds?: number;
}

export interface ChatTurn {
	sessionId: string;
	events(signal?: AbortSignal): AsyncGenerator<ChatEvent>;
}

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/** Removes control characters from every string in the model's tool arguments. */
export function stripControlCharacters(value: unknown): unknown {
	if (typeof value === 'string') return value.replace(CONTROL_CHARS, '');
	if (Array.isArray(value)) return value.map(stripControlCharacters);
	if (value && typeof value === 'object') {
		return Object.fromEntries(
			Object.entries(value).map(([key, item]) => [key, stripControlCharacters(item)])
		);
	}
	return value;
}

function addUsage(total: Usage | undefined, next: Usage): Usage {
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

/** Browser → model → tools → browser: one chat turn, streamed as events. */
export class ChatOrchestrator {
	readonly #deps: OrchestratorDeps;
	readonly #now: () => Date;

	constructor(deps: OrchestratorDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? (() => new Date());
	}

	#timestamp = () => this.#now().toISOString();

	/**
	 * Checks the request and saves the question before anything goes upstream; throws AppError
	 * (so the route answers 4xx instead of opening a stream) when the request cannot run.
	 */
	async start(input: ChatTurnInput): Promise<ChatTurn> {
		const { repo, settings, attachments, log } = this.#deps;
		const attachmentIds = input.attachmentIds ?? [];
		const setup = await settings.current();
		const modelId = input.modelId ?? setup.modelId;

		if (input.regenerate) {
			if (!input.sessionId) throw badRequest('session_id: required to retry a reply');
		} else if (!input.message.trim() && attachmentIds.length === 0) {
			throw badRequest('message: must not be empty');
		}

		let sessionId = input.sessionId;
		if (sessionId && !repo.getConversation(sessionId))
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		if (attachmentIds.length) await attachments.validate(attachmentIds, modelId);

		if (input.regenerate) {
			const history = repo.listMessages(sessionId!);
			const lastQuestion = history.findLast((row) => row.role === 'user');
			if (!lastQuestion)
				throw badRequest(
					'There is no question to answer again in this conversation.',
					'nothing_to_retry'
				);
			repo.deleteMessagesAfter(sessionId!, lastQuestion.id);
		} else {
			const question = {
				sessionId: sessionId ?? randomUUID(),
				role: 'user' as const,
				content: input.message,
				modelId,
				createdAt: this.#timestamp()
			};
			const row = sessionId
				? repo.addMessage(question)
				: repo.startConversation(titleFrom(input.message, 'Attachment'), question);
			sessionId = question.sessionId;
			if (attachmentIds.length) attachments.link(row.id, sessionId, attachmentIds);
			log.conversation(sessionId, {
				role: 'user',
				message_id: row.id,
				content: input.message,
				attachment_ids: attachmentIds
			});
		}

		const id = sessionId!;
		return {
			sessionId: id,
			events: (signal) => this.#run(id, modelId, setup, signal)
		};
	}

	/**
	 * A failure of the server itself (say, the disk is full when the reply is saved) still ends
	 * the stream with `error` and `done`, instead of a connection that just breaks.
	 */
	async *#run(
		sessionId: string,
		modelId: string,
		setup: Awaited<ReturnType<ModelSettingsSource['current']>>,
		signal?: AbortSignal
	): AsyncGenerator<ChatEvent> {
		try {
			yield* this.#turn(sessionId, modelId, setup, signal);
		} catch (error) {
			this.#deps.log.error('chat turn crashed', { session_id: sessionId, error });
			yield {
				event: 'error',
				data: {
					code: 'internal_error',
					message:
						'The reply failed because of an error on the server; the details are in the server log.'
				}
			};
			yield {
				event: 'done',
				data: { model_id: modelId, message_id: null, finish_reason: 'error' }
			};
		}
	}

	async *#turn(
		sessionId: string,
		modelId: string,
		setup: Awaited<ReturnType<ModelSettingsSource['current']>>,
		signal?: AbortSignal
	): AsyncGenerator<ChatEvent> {
		const { repo, client, tools, log } = this.#deps;
		const maxRounds = this.#deps.maxToolRounds ?? 8;
		yield { event: 'session', data: { session_id: sessionId } };

		const messages = await this.#history(sessionId, setup.systemPrompt);
		let usage: Usage | undefined;
		const started = Date.now();

		for (let round = 1; ; round++) {
			const offered = round <= maxRounds ? tools.listTools() : [];
			const request: ChatCompletionRequest = {
				...setup.parameterOverrides,
				model: modelId,
				messages,
				...(Object.keys(setup.providerOverrides).length
					? { provider: setup.providerOverrides }
					: {}),
				...(offered.length
					? { tools: offered.map((tool) => ({ type: 'function' as const, function: tool })) }
					: {})
			};
			let text = '';
			let reasoning = '';
			let roundUsage: Usage | undefined;
			let finish: { finishReason: string; toolCalls: UpstreamToolCall[] } | undefined;

			try {
				for await (const event of client.streamChat(request, signal)) {
					if (event.type === 'text') {
						text += event.text;
						yield { event: 'delta', data: { text: event.text } };
					} else if (event.type === 'reasoning') {
						reasoning += event.text;
						yield { event: 'reasoning', data: { text: event.text } };
					} else if (event.type === 'usage') {
						roundUsage = event.usage;
					} else {
						finish = event;
					}
				}
			} catch (error) {
				if (roundUsage) usage = addUsage(usage, roundUsage);
				const aborted = signal?.aborted ?? false;
				const failure = aborted
					? { code: 'aborted', message: 'Stopped.' }
					: error instanceof UpstreamError
						? { code: error.code, message: error.message }
						: {
								code: 'internal_error',
								message:
									'The reply failed because of an error on the server; the details are in the server log.'
							};
				if (!aborted && !(error instanceof UpstreamError))
					log.error('chat turn failed', { session_id: sessionId, error });
				else
					log.info('chat turn ended early', {
						session_id: sessionId,
						code: failure.code,
						model: modelId
					});
				yield* this.#end(
					sessionId,
					modelId,
					{ text, reasoning, usage: roundUsage },
					usage,
					aborted ? 'aborted' : 'error',
					aborted ? null : failure
				);
				return;
			}

			if (roundUsage) usage = addUsage(usage, roundUsage);
			const calls = finish?.toolCalls ?? [];
			if (calls.length === 0 || round > maxRounds) {
				const tooMany = calls.length > 0;
				const failure = tooMany
					? {
							code: 'tool_rounds_exceeded',
							message: `The model kept calling tools after ${maxRounds} rounds, so Switchboard stopped it. Ask again with a narrower request.`
						}
					: null;
				log.info('chat turn finished', {
					session_id: sessionId,
					model: modelId,
					rounds: round,
					duration_ms: Date.now() - started,
					usage
				});
				yield* this.#end(
					sessionId,
					modelId,
					{ text, reasoning, usage: roundUsage },
					usage,
					tooMany ? 'error' : (finish?.finishReason ?? 'stop'),
					failure
				);
				return;
			}

			// The assistant's tool-call message, then one tool message per call, keep the history valid upstream.
			const saved = this.#saveAssistant(
				sessionId,
				modelId,
				text,
				reasoning,
				roundUsage,
				'tool_calls',
				calls,
				null
			);
			messages.push({ role: 'assistant', content: text || null, tool_calls: calls });
			yield* this.#runTools(sessionId, calls, messages, signal);
			if (signal?.aborted) {
				yield {
					event: 'done',
					data: { model_id: modelId, message_id: saved.id, finish_reason: 'aborted' }
				};
				return;
			}
		}
	}

	async *#runTools(
		sessionId: string,
		calls: UpstreamToolCall[],
		messages: UpstreamMessage[],
		signal?: AbortSignal
	): AsyncGenerator<ChatEvent> {
		const { tools, approvals, attachments, repo, log } = this.#deps;
		const channel = new Channel<ChatEvent>();
		const results: { call: UpstreamToolCall; content: string }[] = [];

		const runOne = async (call: UpstreamToolCall) => {
			const name = call.function.name;
			const started = Date.now();
			let args: Record<string, unknown> = {};
			let outcome: { content: string; isError: boolean };
			let stored: StoredToolFiles = { lines: [], attachments: [] };
			let parsedOk = true;
			try {
				const parsed = call.function.arguments.trim() ? JSON.parse(call.function.arguments) : {};
				if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
					throw new Error('not an object');
				args = stripControlCharacters(parsed) as Record<string, unknown>;
			} catch {
				parsedOk = false;
			}
			channel.push({ event: 'tool_call', data: { id: call.id, name, arguments: args } });

			const info = tools.describe(name);
			if (!parsedOk) {
				outcome = {
					content:
						'The tool arguments were not a valid JSON object; send a JSON object that matches the tool schema.',
					isError: true
				};
			} else if (!info) {
				outcome = {
					content: `There is no tool named ${name}. Use one of the tools offered.`,
					isError: true
				};
			} else if (info.approval === 'deny') {
				outcome = {
					content: `The ${info.serverId} server is set to deny tool calls; ${name} did not run.`,
					isError: true
				};
			} else {
				let approved = true;
				if (info.approval === 'ask') {
					channel.push({
						event: 'tool_approval',
						data: { id: call.id, name, server_id: info.serverId }
					});
					approved =
						(await approvals.wait(ApprovalRegistry.key(sessionId, call.id), signal)) === 'approve';
				}
				if (!approved) {
					const why = signal?.aborted
						? 'The reply was stopped before anyone decided'
						: 'The person denied it';
					outcome = { content: `${why}; ${name} did not run.`, isError: true };
				} else {
					// A provider that breaks its "never throws" promise must still answer the call:
					// otherwise the browser waits forever for the result and the model never hears back.
					try {
						const result = await tools.callTool(name, args, {
							signal,
							onProgress: (progress) =>
								channel.push({ event: 'tool_progress', data: { id: call.id, ...progress } })
						});
						outcome = result;
						if (result.files?.length) {
							stored = await attachments.storeToolFiles(sessionId, result.files);
							if (stored.lines.length)
								outcome = { ...result, content: `${result.content}\n${stored.lines.join('\n')}` };
						}
					} catch (error) {
						log.error('tool call crashed', { session_id: sessionId, tool: name, error });
						outcome = {
							content: `The tool ${name} failed: ${error instanceof Error ? error.message : String(error)}`,
							isError: true
						};
					}
				}
			}
			const durationMs = Date.now() - started;
			log.info('tool call', {
				session_id: sessionId,
				tool: name,
				duration_ms: durationMs,
				is_error: outcome.isError
			});
			const row = repo.addMessage({
				sessionId,
				role: 'tool',
				content: outcome.content,
				toolCallId: call.id,
				finishReason: outcome.isError ? 'error' : 'stop',
				createdAt: this.#timestamp()
			});
			if (stored.attachments.length)
				attachments.link(
					row.id,
					sessionId,
					stored.attachments.map((file) => file.attachment_id)
				);
			results.push({ call, content: outcome.content });
			channel.push({
				event: 'tool_result',
				data: {
					id: call.id,
					name,
					content: outcome.content,
					is_error: outcome.isError,
					duration_ms: durationMs,
					...(stored.attachments.length ? { attachments: stored.attachments } : {})
				}
			});
		};

		Promise.allSettled(calls.map(runOne)).then((settled) => {
			for (const result of settled) {
				if (result.status === 'rejected')
					log.error('tool call crashed', { session_id: sessionId, error: result.reason });
			}
			channel.close();
		});
		yield* channel;
		// Upstream wants the tool messages in the order of the calls.
		for (const call of calls) {
			const result = results.find((r) => r.call === call);
			messages.push({
				role: 'tool',
				tool_call_id: call.id,
				content: result?.content ?? 'The tool call failed.'
			});
		}
	}

	/** Saves the turn's last reply, then closes the stream: usage, the error if any, done. */
	*#end(
		sessionId: string,
		modelId: string,
		reply: { text: string; reasoning: string; usage: Usage | undefined },
		total: Usage | undefined,
		finishReason: string,
		failure: { code: string; message: string } | null
	): Generator<ChatEvent> {
		const saved = this.#saveAssistant(
			sessionId,
			modelId,
			reply.text,
			reply.reasoning,
			reply.usage,
			finishReason,
			null,
			failure
		);
		if (total) yield { event: 'usage', data: total };
		if (failure) yield { event: 'error', data: failure };
		yield {
			event: 'done',
			data: { model_id: modelId, message_id: saved.id, finish_reason: finishReason }
		};
	}

	#saveAssistant(
		sessionId: string,
		modelId: string,
		text: string,
		reasoning: string,
		usage: Usage | undefined,
		finishReason: string,
		toolCalls: UpstreamToolCall[] | null,
		error: { code: string; message: string } | null
	): MessageRow {
		const row = this.#deps.repo.addMessage({
			sessionId,
			role: 'assistant',
			content: text,
			reasoning: reasoning || null,
			toolCalls,
			modelId,
			usage: usage ?? null,
			finishReason,
			error,
			createdAt: this.#timestamp()
		});
		this.#deps.log.conversation(sessionId, {
			role: 'assistant',
			message_id: row.id,
			model: modelId,
			content: text,
			finish_reason: finishReason,
			tool_calls: toolCalls ?? undefined,
			usage,
			error: error ?? undefined
		});
		return row;
	}

	/** The conversation as the upstream expects it: system prompt, then valid turns only. */
	async #history(sessionId: string, systemPrompt: string | null): Promise<UpstreamMessage[]> {
		const rows = this.#deps.repo.listMessages(sessionId);
		const out: UpstreamMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
		const answered = new Set(
			rows.filter((row) => row.role === 'tool').map((row) => row.toolCallId)
		);
		// One query for the few messages with attachments, not one per question (N+1 on every turn).
		const withFiles = this.#deps.repo.messageIdsWithAttachments(sessionId);
		for (const row of rows) {
			if (row.role === 'user') {
				const parts = withFiles.has(row.id) ? await this.#deps.attachments.partsFor(row.id) : [];
				out.push({
					role: 'user',
					content: parts.length
						? [...(row.content ? [{ type: 'text' as const, text: row.content }] : []), ...parts]
						: row.content
				});
			} else if (row.role === 'assistant') {
				const calls = (row.toolCalls ?? []).filter((call) => answered.has(call.id));
				if (!row.content && calls.length === 0) continue; // a failed reply with nothing said
				out.push({
					role: 'assistant',
					content: row.content || null,
					...(calls.length ? { tool_calls: calls } : {})
				});
			} else if (row.role === 'tool' && row.toolCallId) {
				out.push({ role: 'tool', tool_call_id: row.toolCallId, content: row.content });
			}
		}
		return out;
	}
}

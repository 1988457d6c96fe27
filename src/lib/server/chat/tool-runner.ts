import type { ChatEvent, Usage } from '$lib/api';
import type { Logger } from '../log';
import type { UpstreamMessage, UpstreamToolCall } from '../openrouter/types';
import { ApprovalRegistry } from './approvals';
import type { ChatAttachments, StoredToolFiles } from './attachments';
import { Channel } from './channel';
import type { InteractionsFactory } from './interactions';
import type { ChatRepository } from './repository';
import type { ChatInteractions, ToolProvider } from './tools';

export interface ToolRunnerDeps {
	tools: ToolProvider;
	approvals: ApprovalRegistry;
	attachments: ChatAttachments;
	repo: ChatRepository;
	log: Logger;
	now?: () => Date;
	/** Where a running tool's server asks the person or the model something (interactions.ts). */
	interactions?: InteractionsFactory;
}

/** What the turn tells its tool calls: its model, the servers it switched off, its usage total. */
export interface TurnContext {
	modelId: string;
	disabledServers: ReadonlySet<string>;
	onUsage: (usage: Usage) => void;
}

const NO_CONTEXT: TurnContext = { modelId: '', disabledServers: new Set(), onUsage: () => {} };

interface Outcome {
	content: string;
	isError: boolean;
	stored: StoredToolFiles;
}

type Emit = (event: ChatEvent) => void;

const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const NO_FILES: StoredToolFiles = { lines: [], attachments: [] };

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

/** The model's arguments as an object without control characters; undefined when they are not one. */
export function parseToolArguments(raw: string): Record<string, unknown> | undefined {
	try {
		const parsed: unknown = raw.trim() ? JSON.parse(raw) : {};
		if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
		return stripControlCharacters(parsed) as Record<string, unknown>;
	} catch {
		return undefined;
	}
}

const failed = (content: string): Outcome => ({ content, isError: true, stored: NO_FILES });

/**
 * One round of the model's tool calls: each checked against the server's approval policy, run
 * (all at the same time), its files stored and its answer saved as a tool message.
 */
export class ToolRunner {
	readonly #deps: ToolRunnerDeps;
	readonly #now: () => Date;

	constructor(deps: ToolRunnerDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? (() => new Date());
	}

	/**
	 * Streams the calls' events as they happen and returns the tool messages for the upstream, in
	 * the order of the calls (which is what it wants, whatever order they finished in).
	 */
	async *run(
		sessionId: string,
		calls: UpstreamToolCall[],
		signal?: AbortSignal,
		turn: TurnContext = NO_CONTEXT,
		/** Where the tool messages go in the tree: each under the one saved before it. */
		chain: { leafId?: number | null } = {}
	): AsyncGenerator<ChatEvent, UpstreamMessage[]> {
		const channel = new Channel<ChatEvent>();
		const emit: Emit = (event) => channel.push(event);
		const answers = new Map<UpstreamToolCall, string>();
		const runAll = calls.map(async (call) =>
			answers.set(call, await this.#runOne(sessionId, call, emit, signal, turn, chain))
		);
		Promise.allSettled(runAll).then((settled) => {
			for (const result of settled) {
				if (result.status === 'rejected')
					this.#deps.log.error('tool call crashed', {
						session_id: sessionId,
						error: result.reason
					});
			}
			channel.close();
		});
		yield* channel;
		return calls.map((call) => ({
			role: 'tool',
			tool_call_id: call.id,
			content: answers.get(call) ?? 'The tool call failed.'
		}));
	}

	/** Runs one call to its saved tool message; returns what the model is told. */
	async #runOne(
		sessionId: string,
		call: UpstreamToolCall,
		emit: Emit,
		signal: AbortSignal | undefined,
		turn: TurnContext,
		chain: { leafId?: number | null }
	): Promise<string> {
		const { repo, attachments, log } = this.#deps;
		const name = call.function.name;
		const started = Date.now();
		const args = parseToolArguments(call.function.arguments);
		emit({ event: 'tool_call', data: { id: call.id, name, arguments: args ?? {} } });

		const outcome = args
			? await this.#outcome(sessionId, call, args, emit, signal, turn)
			: failed(
					'The tool arguments were not a valid JSON object; send a JSON object that matches the tool schema.'
				);
		const durationMs = Date.now() - started;
		log.info('tool call', {
			session_id: sessionId,
			tool: name,
			duration_ms: durationMs,
			is_error: outcome.isError
		});
		const row = repo.addMessage({
			sessionId,
			parentId: chain.leafId,
			role: 'tool',
			content: outcome.content,
			toolCallId: call.id,
			finishReason: outcome.isError ? 'error' : 'stop',
			createdAt: this.#now().toISOString()
		});
		if (chain.leafId !== undefined) chain.leafId = row.id;
		const files = outcome.stored.attachments;
		if (files.length)
			attachments.link(
				row.id,
				sessionId,
				files.map((file) => file.attachment_id)
			);
		emit({
			event: 'tool_result',
			data: {
				id: call.id,
				name,
				content: outcome.content,
				is_error: outcome.isError,
				duration_ms: durationMs,
				...(files.length ? { attachments: files } : {})
			}
		});
		return outcome.content;
	}

	/** The approval policy decides whether the call runs; a person decides for `ask`. */
	async #outcome(
		sessionId: string,
		call: UpstreamToolCall,
		args: Record<string, unknown>,
		emit: Emit,
		signal: AbortSignal | undefined,
		turn: TurnContext
	): Promise<Outcome> {
		const { tools, approvals } = this.#deps;
		const name = call.function.name;
		const info = tools.describe(name);
		if (!info) return failed(`There is no tool named ${name}. Use one of the tools offered.`);
		if (turn.disabledServers.has(info.serverId))
			return failed(
				`The ${info.serverId} server is switched off in this chat; ${name} did not run. Use one of the tools offered.`
			);
		if (info.approval === 'deny')
			return failed(`The ${info.serverId} server is set to deny tool calls; ${name} did not run.`);
		if (info.approval === 'ask') {
			emit({ event: 'tool_approval', data: { id: call.id, name, server_id: info.serverId } });
			const decision = await approvals.wait(ApprovalRegistry.key(sessionId, call.id), signal);
			if (decision !== 'approve') {
				const why = signal?.aborted
					? 'The reply was stopped before anyone decided'
					: 'The person denied it';
				return failed(`${why}; ${name} did not run.`);
			}
		}
		const interactions = this.#deps.interactions?.({
			sessionId,
			modelId: turn.modelId,
			emit,
			onUsage: turn.onUsage,
			signal
		});
		return this.#call(sessionId, name, call.id, args, emit, signal, interactions);
	}

	async #call(
		sessionId: string,
		name: string,
		callId: string,
		args: Record<string, unknown>,
		emit: Emit,
		signal: AbortSignal | undefined,
		interactions: ChatInteractions | undefined
	): Promise<Outcome> {
		const { tools, attachments, log } = this.#deps;
		// A provider that breaks its "never throws" promise must still answer the call:
		// otherwise the browser waits forever for the result and the model never hears back.
		try {
			const result = await tools.callTool(name, args, {
				signal,
				interactions,
				onProgress: (progress) =>
					emit({ event: 'tool_progress', data: { id: callId, ...progress } })
			});
			if (!result.files?.length)
				return { content: result.content, isError: result.isError, stored: NO_FILES };
			const stored = await attachments.storeToolFiles(sessionId, result.files);
			const content = stored.lines.length
				? `${result.content}\n${stored.lines.join('\n')}`
				: result.content;
			return { content, isError: result.isError, stored };
		} catch (error) {
			log.error('tool call crashed', { session_id: sessionId, tool: name, error });
			return failed(
				`The tool ${name} failed: ${error instanceof Error ? error.message : String(error)}`
			);
		}
	}
}

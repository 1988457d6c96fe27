import { randomUUID } from 'node:crypto';
import {
	addUsage,
	type ChatEvent,
	type Citation,
	type PromptMessage,
	type ResourceRef,
	type Usage
} from '$lib/api';
import { titleFrom } from '$lib/format/title';
import type { MessageRow } from '../db/schema';
import { badRequest, notFound } from '../errors';
import type { Logger } from '../log';
import type { OpenRouterClient } from '../openrouter/client';
import { UpstreamError } from '../openrouter/errors';
import { CitationList, WEB_SEARCH_TOOL } from '../openrouter/web-search';
import type {
	ChatCompletionRequest,
	ContentPart,
	StreamEvent,
	UpstreamMessage,
	UpstreamToolCall
} from '../openrouter/types';
import type { ModelSettingsSource } from '../settings/model-settings';
import { checkModelId, type KnownModels } from '../models/check';
import type { ApprovalRegistry } from './approvals';
import type { AttachedResource } from '../mcp/resources';
import type { ChatAttachments } from './attachments';
import { offeredTools, type ChatToolChoice } from './chat-tools';
import type { InteractionsFactory } from './interactions';
import { upstreamHistory } from './history';
import { DraftWriter, INTERRUPTED, ReplyDraft } from './reply-draft';
import type { ChatRepository } from './repository';
import type { ChatScope } from '../projects/scope';
import { ToolRunner } from './tool-runner';
import { placeTurn } from './tree';
import type { ToolDefinition, ToolProvider } from './tools';

export interface ChatTurnInput {
	sessionId?: string;
	message: string;
	attachmentIds?: string[];
	modelId?: string;
	/** Answer the current path's last question again: `replyTo` it (the UI's Retry). */
	regenerate?: boolean;
	/** The new question goes under this message (an edit: the edited one's parent); tree.ts. */
	parentId?: number | null;
	/** One more reply to this question, beside its others (regenerate, compare); tree.ts. */
	replyTo?: number;
	/** A new conversation starts in this project. */
	projectId?: string;
	/** A new conversation that is never listed, searched or logged. */
	temporary?: boolean;
	/** MCP resources whose text goes upstream with the question and stays with it. */
	resources?: ResourceRef[];
	/** An MCP prompt's messages before `message`, saved with their roles. */
	promptMessages?: PromptMessage[];
	/** MCP servers this chat does not offer tools of (saved on the conversation). */
	disabledServers?: string[];
	/** Let the model search the web (remembered for the conversation); unset: as the conversation says. */
	webSearch?: boolean;
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
	/** The model catalogue: a `modelId` it does not list is refused (models/check.ts). */
	models?: KnownModels;
	/** How often a streaming reply is written to the database (reply-draft.ts). */
	checkpointMs?: number;
	/** The chat's and its project's model and system prompt (projects/scope.ts). */
	scope?: ChatScope;
	/** Servers switched off per chat (chat-tools.ts). */
	toolChoice?: ChatToolChoice;
	/** Reads the MCP resources attached to a question (mcp/resources.ts). */
	resources?: { forChat(refs: ResourceRef[]): Promise<AttachedResource[]> };
	/** Elicitation and sampling of a running tool's server (interactions.ts). */
	interactions?: InteractionsFactory;
}

export interface ChatTurn {
	sessionId: string;
	/**
	 * The turn's events. With `live`, the reply's text (`delta` and `reasoning`) goes to it as it
	 * arrives, synchronously, instead of being yielded: a token then reaches the browser without
	 * passing through the generators of the turn and the round, a step and a promise each. The
	 * order stays the same, since the turn runs only while its next event is asked for.
	 */
	events(signal?: AbortSignal, live?: (event: ChatEvent) => void): AsyncGenerator<ChatEvent>;
}

type Setup = Awaited<ReturnType<ModelSettingsSource['current']>>;

/** A first round sent upstream while the question was being saved (see start). */
interface EarlyRound {
	messages: UpstreamMessage[];
	first: Promise<IteratorResult<StreamEvent>>;
	stream: AsyncGenerator<StreamEvent>;
	controller: AbortController;
}

/** What one turn works on, from its first round to its last. */
interface Turn {
	sessionId: string;
	modelId: string;
	setup: Setup;
	signal?: AbortSignal;
	/** The reply row of the round being streamed. */
	draft?: ReplyDraft;
	/** Taken by the first round. */
	early?: EarlyRound;
	/** Where the reply's text goes, when not yielded (ChatTurn.events). */
	live?: (event: ChatEvent) => void;
	/** The message the turn's next row goes under: the question, then each row saved. */
	leafId: number | null;
	title: string;
	userMessageId: number;
	/** MCP servers whose tools this chat does not offer. */
	disabled: ReadonlySet<string>;
	/** OpenRouter's web search is offered to the model; its sources, saved with the last reply. */
	webSearch?: boolean;
	citations?: CitationList;
}

interface Failure {
	code: string;
	message: string;
}

/** What the model said in one round. */
interface Reply {
	text: string;
	reasoning: string;
	usage: Usage | undefined;
}

/** One round's stream: the reply so far and how it ended, or what broke it. */
type Round = { reply: Reply; draft: ReplyDraft } & (
	| { ok: true; finishReason: string | undefined; toolCalls: UpstreamToolCall[] }
	| { ok: false; error: unknown }
);

interface SavedReply extends Reply {
	finishReason: string;
	toolCalls?: UpstreamToolCall[] | null;
	error?: Failure | null;
	citations?: Citation[];
}

const SERVER_FAILURE: Failure = {
	code: 'internal_error',
	message: 'The reply failed because of an error on the server; the details are in the server log.'
};

/**
 * The abort reason when the server shuts down: the turn ends as `interrupted`, as it would have
 * after a crash, not as a person's stop (`aborted`).
 */
export class ServerShutdown extends Error {
	constructor() {
		super('The server is shutting down.');
		this.name = 'ServerShutdown';
	}
}

const stoppedAs = (signal: AbortSignal | undefined) =>
	signal?.reason instanceof ServerShutdown ? INTERRUPTED : 'aborted';

/** Browser → model → tools → browser: one chat turn, streamed as events. */
export class ChatOrchestrator {
	readonly #deps: OrchestratorDeps;
	readonly #now: () => Date;
	readonly #toolRunner: ToolRunner;
	/** The streaming replies of all turns, written together (reply-draft.ts). */
	readonly #drafts: DraftWriter;

	constructor(deps: OrchestratorDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? (() => new Date());
		this.#toolRunner = new ToolRunner(deps);
		this.#drafts = new DraftWriter({ repo: deps.repo, log: deps.log });
	}

	#timestamp = () => this.#now().toISOString();

	/**
	 * Checks the request and saves the question; throws AppError (so the route answers 4xx
	 * instead of opening a stream) when the request cannot run. A new question without
	 * attachments goes upstream first and is saved while the provider works on it: saving it
	 * (with its full-text index) is the largest part of what the app adds before the request
	 * leaves, and the provider needs much longer than that to answer. Should saving fail, the
	 * upstream call is aborted and the request fails as before.
	 */
	async start(input: ChatTurnInput): Promise<ChatTurn> {
		const { repo, settings, attachments, log } = this.#deps;
		const attachmentIds = input.attachmentIds ?? [];
		const active = await settings.current();
		const setup = this.#deps.scope ? this.#deps.scope.apply(active, input) : active;
		const modelId = input.modelId ?? setup.modelId;
		if (input.modelId) checkModelId(input.modelId, this.#deps.models);

		const asks = input.message.trim() !== '' || attachmentIds.length > 0;
		const replying = input.regenerate || input.replyTo !== undefined;
		if (!replying && !asks) throw badRequest('message: must not be empty');

		let sessionId = input.sessionId;
		const conversation = sessionId ? repo.getConversation(sessionId) : undefined;
		if (sessionId && !conversation)
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		const place = placeTurn(repo.tree, conversation, { ...input, asks });
		const webSearch = input.webSearch ?? conversation?.webSearch ?? false;
		if (attachmentIds.length) await attachments.validate(attachmentIds, modelId);
		const extras = await this.#extras(input, sessionId);

		let early: EarlyRound | undefined;
		const title = conversation?.title ?? titleFrom(input.message, 'Attachment');
		let userMessageId: number;
		if ('replyTo' in place) {
			userMessageId = place.replyTo;
		} else {
			const question = {
				sessionId: sessionId ?? randomUUID(),
				parentId: place.parentId,
				role: 'user' as const,
				content: input.message,
				modelId,
				createdAt: this.#timestamp(),
				resources: extras.resources
			};
			if (attachmentIds.length === 0 && extras.plain) {
				// The history as it is once the question is saved: its path, then the question.
				const messages = sessionId
					? await this.#history(sessionId, place.parentId, setup.systemPrompt)
					: [];
				if (!sessionId && setup.systemPrompt)
					messages.push({ role: 'system', content: setup.systemPrompt });
				messages.push({ role: 'user', content: input.message });
				early = this.#startEarly(
					{
						sessionId: question.sessionId,
						modelId,
						setup,
						leafId: null,
						title,
						userMessageId: 0,
						disabled: extras.disabled,
						webSearch
					},
					messages
				);
			}
			const existing = sessionId;
			const save = () => {
				// An MCP prompt's earlier messages first, each under the one before, then the question.
				let parentId = place.parentId;
				let row: MessageRow | undefined;
				for (const message of [
					...extras.before(question.sessionId, question.createdAt),
					question
				]) {
					const placed = { ...message, parentId };
					row =
						row || existing
							? repo.addMessage(placed)
							: repo.startConversation(title, placed, this.#deps.scope?.newConversation(input));
					parentId = row.id;
				}
				if (input.disabledServers)
					this.#deps.toolChoice?.set(question.sessionId, input.disabledServers);
				return row!;
			};
			let row: MessageRow;
			try {
				// Sent early: saved with the other turns' writes while the provider works on it.
				row = early ? await this.#drafts.run(save) : save();
			} catch (error) {
				early?.controller.abort(error);
				throw error;
			}
			sessionId = question.sessionId;
			userMessageId = row.id;
			if (attachmentIds.length) attachments.link(row.id, sessionId, attachmentIds);
			log.conversation(sessionId, {
				role: 'user',
				message_id: row.id,
				content: input.message,
				attachment_ids: attachmentIds
			});
		}

		const id = sessionId!;
		if (webSearch !== (conversation?.webSearch ?? false)) repo.setWebSearch(id, webSearch);
		if (replying && input.disabledServers) this.#deps.toolChoice?.set(id, input.disabledServers);
		const where = { leafId: userMessageId, title, userMessageId, disabled: extras.disabled };
		return {
			sessionId: id,
			events: (signal, live) => {
				if (!early)
					return this.#run({ sessionId: id, modelId, setup, signal, live, ...where, webSearch });
				// The early request has its own controller: the caller's signal stops it through it.
				const { controller } = early;
				if (signal?.aborted) controller.abort(signal.reason);
				else
					signal?.addEventListener('abort', () => controller.abort(signal.reason), {
						once: true
					});
				return this.#run({
					sessionId: id,
					modelId,
					setup,
					signal: controller.signal,
					early,
					live,
					...where,
					webSearch
				});
			}
		};
	}

	/** Sends the first round upstream now; its events are read when the turn runs. */
	#startEarly(turn: Omit<Turn, 'signal'>, messages: UpstreamMessage[]): EarlyRound {
		const controller = new AbortController();
		const offered =
			(this.#deps.maxToolRounds ?? 8) >= 1 ? offeredTools(this.#deps.tools, turn.disabled) : [];
		const stream = this.#deps.client.streamChat(
			this.#request(turn, messages, offered),
			controller.signal
		);
		// Runs the generator up to the request being written; a failure waits for the turn.
		const first = stream.next();
		first.catch(() => {});
		return { messages, first, stream, controller };
	}

	/**
	 * A failure of the server itself (say, the disk is full when the reply is saved) still ends
	 * the stream with `error` and `done`, instead of a connection that just breaks.
	 */
	async *#run(turn: Turn): AsyncGenerator<ChatEvent> {
		try {
			yield* this.#turn(turn);
		} catch (error) {
			this.#deps.log.error('chat turn crashed', { session_id: turn.sessionId, error });
			try {
				turn.draft?.abandon(SERVER_FAILURE);
			} catch {
				// the database is what failed; the row keeps `streaming` until the next start
			}
			yield { event: 'error', data: SERVER_FAILURE };
			yield {
				event: 'done',
				data: { model_id: turn.modelId, message_id: null, finish_reason: 'error' }
			};
		} finally {
			// A turn that ended (or was left) before its first round read the early request.
			turn.early?.controller.abort();
		}
	}

	/** Model rounds until the model answers without calling tools, fails, or is stopped. */
	async *#turn(turn: Turn): AsyncGenerator<ChatEvent> {
		const { tools, log } = this.#deps;
		const { sessionId, modelId, signal } = turn;
		const maxRounds = this.#deps.maxToolRounds ?? 8;
		yield {
			event: 'session',
			data: { session_id: sessionId, title: turn.title, user_message_id: turn.userMessageId }
		};

		const messages =
			turn.early?.messages ??
			(await this.#history(sessionId, turn.leafId, turn.setup.systemPrompt));
		let usage: Usage | undefined;
		const started = Date.now();

		for (let round = 1; ; round++) {
			const offered = round <= maxRounds ? offeredTools(tools, turn.disabled) : [];
			const result = yield* this.#stream(turn, this.#request(turn, messages, offered));
			const { reply, draft } = result;
			if (reply.usage) usage = addUsage(usage, reply.usage);
			if (!result.ok) {
				yield* this.#fail(turn, draft, reply, usage, result.error);
				return;
			}

			const calls = result.toolCalls;
			if (calls.length === 0 || round > maxRounds) {
				const tooMany = calls.length > 0;
				log.info('chat turn finished', {
					session_id: sessionId,
					model: modelId,
					rounds: round,
					duration_ms: Date.now() - started,
					usage
				});
				yield* this.#end(turn, {
					draft,
					reply,
					total: usage,
					finishReason: tooMany ? 'error' : (result.finishReason ?? 'stop'),
					failure: tooMany
						? {
								code: 'tool_rounds_exceeded',
								message: `The model kept calling tools after ${maxRounds} rounds, so Switchboard stopped it. Ask again with a narrower request.`
							}
						: null
				});
				return;
			}

			// The assistant's tool-call message, then one tool message per call, keep the history valid upstream.
			const saved = await this.#saveReply(turn, draft, {
				...reply,
				finishReason: 'tool_calls',
				toolCalls: calls
			});
			messages.push({ role: 'assistant', content: reply.text || null, tool_calls: calls });
			messages.push(
				...(yield* this.#toolRunner.run(
					sessionId,
					calls,
					signal,
					{
						modelId,
						disabledServers: turn.disabled,
						onUsage: (more) => (usage = addUsage(usage, more))
					},
					turn
				))
			);
			if (signal?.aborted) {
				yield {
					event: 'done',
					data: { model_id: modelId, message_id: saved.id, finish_reason: stoppedAs(signal) }
				};
				return;
			}
		}
	}

	/**
	 * What an MCP-aware question adds: the resources read (404 before anything is saved), the
	 * prompt's earlier messages as rows, and the servers switched off for the chat.
	 */
	async #extras(input: ChatTurnInput, sessionId: string | undefined) {
		const resources = input.resources?.length
			? await (this.#deps.resources?.forChat(input.resources) ?? [])
			: [];
		const prompt = input.regenerate ? [] : (input.promptMessages ?? []);
		const disabled = new Set(
			input.disabledServers ?? (sessionId ? (this.#deps.toolChoice?.disabled(sessionId) ?? []) : [])
		);
		return {
			resources: resources.length ? resources : null,
			disabled,
			/** Nothing but text: the question can go upstream before it is saved. */
			plain: resources.length === 0 && prompt.length === 0,
			before: (id: string, createdAt: string) =>
				prompt.map((message) => ({
					sessionId: id,
					role: message.role,
					content: message.text,
					createdAt,
					...(message.role === 'assistant' ? { finishReason: 'stop' } : {})
				}))
		};
	}

	#request(
		turn: Turn,
		messages: UpstreamMessage[],
		offered: ToolDefinition[]
	): ChatCompletionRequest {
		const { setup } = turn;
		const tools: NonNullable<ChatCompletionRequest['tools']> = offered.map((tool) => ({
			type: 'function' as const,
			function: tool
		}));
		if (turn.webSearch) tools.push(WEB_SEARCH_TOOL);
		return {
			...setup.parameterOverrides,
			model: turn.modelId,
			messages,
			...(Object.keys(setup.providerOverrides).length ? { provider: setup.providerOverrides } : {}),
			...(tools.length ? { tools } : {})
		};
	}

	/**
	 * Streams one completion to the browser, writing it to the database as it grows; a failure
	 * comes back with what was said before it.
	 */
	async *#stream(turn: Turn, request: ChatCompletionRequest): AsyncGenerator<ChatEvent, Round> {
		const { repo, log } = this.#deps;
		const reply: Reply = { text: '', reasoning: '', usage: undefined };
		const draft = new ReplyDraft(
			{ repo, log, writer: this.#drafts, now: this.#now, intervalMs: this.#deps.checkpointMs },
			turn,
			reply
		);
		turn.draft = draft;
		let finish: { finishReason: string; toolCalls: UpstreamToolCall[] } | undefined;
		const early = turn.early;
		turn.early = undefined;
		const { live } = turn;
		const stream = early?.stream ?? this.#deps.client.streamChat(request, turn.signal);
		let ended = false;
		try {
			// Stepped by hand (the early round's first step is taken already), not for-await.
			for (
				let next = await (early?.first ?? stream.next());
				!next.done;
				next = await stream.next()
			) {
				const event = next.value;
				if (event.type === 'text') {
					reply.text += event.text;
					draft.changed();
					const delta: ChatEvent = { event: 'delta', data: { text: event.text } };
					if (live) live(delta);
					else yield delta;
				} else if (event.type === 'reasoning') {
					reply.reasoning += event.text;
					draft.changed();
					const reasoning: ChatEvent = { event: 'reasoning', data: { text: event.text } };
					if (live) live(reasoning);
					else yield reasoning;
				} else if (event.type === 'usage') {
					reply.usage = event.usage;
				} else if (event.type === 'citations') {
					turn.citations ??= new CitationList();
					if (turn.citations.add(event.items))
						yield { event: 'citations', data: { items: turn.citations.items } };
				} else {
					finish = event;
				}
			}
			ended = true;
		} catch (error) {
			ended = true;
			return { reply, draft, ok: false, error };
		} finally {
			// Left early (the turn's consumer went away): the upstream stream is closed with it.
			if (!ended) await stream.return(undefined);
		}
		return {
			reply,
			draft,
			ok: true,
			finishReason: finish?.finishReason,
			toolCalls: finish?.toolCalls ?? []
		};
	}

	/** Ends a turn whose round broke: stopped by the person, refused upstream, or a bug. */
	async *#fail(
		turn: Turn,
		draft: ReplyDraft,
		reply: Reply,
		total: Usage | undefined,
		error: unknown
	): AsyncGenerator<ChatEvent> {
		const aborted = turn.signal?.aborted ?? false;
		const failure: Failure = aborted
			? { code: 'aborted', message: 'Stopped.' }
			: error instanceof UpstreamError
				? { code: error.code, message: error.message }
				: SERVER_FAILURE;
		if (!aborted && !(error instanceof UpstreamError))
			this.#deps.log.error('chat turn failed', { session_id: turn.sessionId, error });
		else
			this.#deps.log.info('chat turn ended early', {
				session_id: turn.sessionId,
				code: failure.code,
				model: turn.modelId
			});
		yield* this.#end(turn, {
			draft,
			reply,
			total,
			finishReason: aborted ? stoppedAs(turn.signal) : 'error',
			failure: aborted ? null : failure
		});
	}

	/** Saves the turn's last reply, then closes the stream: usage, the error if any, done. */
	async *#end(
		turn: Turn,
		end: {
			draft: ReplyDraft;
			reply: Reply;
			total: Usage | undefined;
			finishReason: string;
			failure: Failure | null;
		}
	): AsyncGenerator<ChatEvent> {
		const saved = await this.#saveReply(turn, end.draft, {
			...end.reply,
			finishReason: end.finishReason,
			error: end.failure,
			citations: turn.citations?.items
		});
		if (end.total) yield { event: 'usage', data: end.total };
		if (end.failure) yield { event: 'error', data: end.failure };
		yield {
			event: 'done',
			data: { model_id: turn.modelId, message_id: saved.id, finish_reason: end.finishReason }
		};
	}

	/** Saves a round's reply with the other turns' writes (reply-draft.ts), once committed. */
	async #saveReply(turn: Turn, draft: ReplyDraft, reply: SavedReply): Promise<MessageRow> {
		const { sessionId, modelId } = turn;
		const { text, usage, finishReason } = reply;
		const toolCalls = reply.toolCalls ?? null;
		const error = reply.error ?? null;
		const row = await draft.finish({
			content: text,
			reasoning: reply.reasoning || null,
			toolCalls,
			modelId,
			usage: usage ?? null,
			finishReason,
			error,
			...(reply.citations?.length ? { citations: reply.citations } : {})
		});
		turn.leafId = row.id;
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

	/** The path from the root to `leafId` (the other branches never go upstream). */
	async #history(
		sessionId: string,
		leafId: number | null,
		systemPrompt: string | null
	): Promise<UpstreamMessage[]> {
		const { repo, attachments } = this.#deps;
		const rows = repo.tree.path(sessionId, leafId);
		// One query for the few messages with attachments, not one per question (N+1 on every turn).
		const withFiles = repo.messageIdsWithAttachments(sessionId);
		const parts = new Map<number, ContentPart[]>();
		for (const row of rows) {
			if (row.role === 'user' && withFiles.has(row.id))
				parts.set(row.id, await attachments.partsFor(row.id));
		}
		return upstreamHistory(rows, systemPrompt, parts);
	}
}

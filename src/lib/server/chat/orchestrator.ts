import { randomUUID } from 'node:crypto';
import { addUsage, type ChatEvent, type Citation, type Usage } from '$lib/api';
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
import type { ChatAttachments } from './attachments';
import { upstreamHistory } from './history';
import { DraftWriter, INTERRUPTED, ReplyDraft } from './reply-draft';
import type { ChatRepository } from './repository';
import { ToolRunner } from './tool-runner';
import type { ToolDefinition, ToolProvider } from './tools';

export interface ChatTurnInput {
	sessionId?: string;
	message: string;
	attachmentIds?: string[];
	modelId?: string;
	/** Answer the last question again instead of adding a new one (the UI's Retry). */
	regenerate?: boolean;
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
		const setup = await settings.current();
		const modelId = input.modelId ?? setup.modelId;
		if (input.modelId) checkModelId(input.modelId, this.#deps.models);

		if (input.regenerate) {
			if (!input.sessionId) throw badRequest('session_id: required to retry a reply');
		} else if (!input.message.trim() && attachmentIds.length === 0) {
			throw badRequest('message: must not be empty');
		}

		let sessionId = input.sessionId;
		const conversation = sessionId ? repo.getConversation(sessionId) : undefined;
		if (sessionId && !conversation)
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		const webSearch = input.webSearch ?? conversation?.webSearch ?? false;
		if (attachmentIds.length) await attachments.validate(attachmentIds, modelId);

		let early: EarlyRound | undefined;
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
			if (attachmentIds.length === 0) {
				// The history as it is once the question is saved: what is stored, then the question.
				const messages = sessionId ? await this.#history(sessionId, setup.systemPrompt) : [];
				if (!sessionId && setup.systemPrompt)
					messages.push({ role: 'system', content: setup.systemPrompt });
				messages.push({ role: 'user', content: input.message });
				early = this.#startEarly(
					{ sessionId: question.sessionId, modelId, setup, webSearch },
					messages
				);
			}
			const existing = sessionId;
			const save = () =>
				existing
					? repo.addMessage(question)
					: repo.startConversation(titleFrom(input.message, 'Attachment'), question);
			let row: MessageRow;
			try {
				// Sent early: saved with the other turns' writes while the provider works on it.
				row = early ? await this.#drafts.run(save) : save();
			} catch (error) {
				early?.controller.abort(error);
				throw error;
			}
			sessionId = question.sessionId;
			if (webSearch !== (conversation?.webSearch ?? false)) repo.setWebSearch(sessionId, webSearch);
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
			events: (signal, live) => {
				if (!early) return this.#run({ sessionId: id, modelId, setup, signal, live, webSearch });
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
					webSearch
				});
			}
		};
	}

	/** Sends the first round upstream now; its events are read when the turn runs. */
	#startEarly(turn: Omit<Turn, 'signal'>, messages: UpstreamMessage[]): EarlyRound {
		const controller = new AbortController();
		const offered = (this.#deps.maxToolRounds ?? 8) >= 1 ? this.#deps.tools.listTools() : [];
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
		yield { event: 'session', data: { session_id: sessionId } };

		const messages =
			turn.early?.messages ?? (await this.#history(sessionId, turn.setup.systemPrompt));
		let usage: Usage | undefined;
		const started = Date.now();

		for (let round = 1; ; round++) {
			const offered = round <= maxRounds ? tools.listTools() : [];
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
			messages.push(...(yield* this.#toolRunner.run(sessionId, calls, signal)));
			if (signal?.aborted) {
				yield {
					event: 'done',
					data: { model_id: modelId, message_id: saved.id, finish_reason: stoppedAs(signal) }
				};
				return;
			}
		}
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

	async #history(sessionId: string, systemPrompt: string | null): Promise<UpstreamMessage[]> {
		const { repo, attachments } = this.#deps;
		const rows = repo.listMessages(sessionId);
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

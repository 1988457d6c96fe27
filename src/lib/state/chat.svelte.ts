import {
	approvalDecisionResponse,
	MAX_MESSAGES_PAGE,
	chatEvents,
	renamedSession,
	sessionDetail,
	stoppedTurn,
	type ApprovalDecisionRequest,
	type ChatEvent,
	type ChatRequest,
	type ElicitationAnswerRequest,
	type Message,
	type MessageAttachment,
	type MessageResource,
	type PromptMessage,
	type SamplingDecisionRequest,
	type SessionDetail
} from '$lib/api';
import { api, ApiRequestError, errorFrom } from '$lib/api/client';
import { isSseComment, readSse } from '$lib/api/sse';
import { titleFrom } from '$lib/format/title';
import {
	emptyAssistant,
	foldHistoryPage,
	HISTORY_PAGE,
	leafOf,
	type AssistantItem,
	type ChatItem,
	type UserItem
} from './chat-items';
import { WebSearchToggle } from './web-search.svelte';

export interface SendOptions {
	attachmentIds?: string[];
	/** What the question looked like, for the optimistic bubble (attachments preview). */
	attachments?: MessageAttachment[];
	/** MCP resources whose text goes with the question. */
	resources?: MessageResource[];
	/** An MCP prompt's messages before this one, sent with their roles. */
	promptMessages?: PromptMessage[];
}

interface Hooks {
	/** Waits for what must reach the server first (a model just picked is still being saved). */
	beforeSend?: () => Promise<void>;
	/** A new conversation got its id (the page moves to /c/{id}). */
	onSessionStarted?: (sessionId: string, title: string) => void;
	/** A turn ended (the sidebar refreshes its order and counts). */
	onTurnFinished?: (sessionId: string) => void;
	/** Where a new conversation starts (a project, temporary): fields of its first request. */
	newConversation?: () => Pick<ChatRequest, 'project_id' | 'temporary'>;
}

/**
 * Opens the stream a reply arrives on: `POST /api/chat` for a new one, `GET
 * /api/sessions/{id}/stream` for one the server is already writing. `null`: nothing to follow.
 */
type OpenStream = (signal: AbortSignal) => Promise<Response | null>;

/**
 * One open conversation: its history, the reply being streamed, the composer draft. The reply is
 * written by the server whether or not this page listens: leaving the conversation only stops
 * following it, Stop asks the server to stop it, and opening a conversation whose reply is still
 * being written follows it from its start.
 *
 * The history comes in pages: the page opens with the last HISTORY_PAGE messages, and
 * `loadOlder()` puts the page before them in front as the person scrolls up. Which of the items
 * are in the DOM is the message list's business (MessageList.svelte).
 */
export class ChatState {
	#sessionId = $state<string | null>(null);
	#title = $state('');
	#items = $state.raw<ChatItem[]>([]);
	/** The reply being streamed; deep state so each delta only touches what changed. */
	#pending = $state<AssistantItem | null>(null);
	#streaming = $state(false);
	#requestError = $state<string | null>(null);
	#controller: AbortController | null = null;
	/** The followed stream's `session` event came: the server is running the reply. */
	#running = false;
	/** Stop was pressed before that. */
	#stopWanted = false;
	#counter = 0;
	#afterReply: (() => void)[] = [];
	/** Older messages than those loaded exist on the server. */
	#hasOlder = $state(false);
	#loadingOlder = $state(false);
	#olderError = $state<string | null>(null);
	/** Id of the oldest message loaded: the next older page is the one before it. */
	#before: number | null = null;
	/** What the oldest page left for the next (see foldHistoryPage). */
	#carry: Message[] = [];
	#cutting = false;
	/** Counts the conversations opened here: a page that arrives for an earlier one is dropped. */
	#opened = $state(0);
	draft = $state('');
	/** MCP servers whose tools this chat does not offer (the tools menu). */
	disabledServers = $state.raw<string[]>([]);
	/** Key of the question being edited in place (Edit message, Ctrl/⌘+Shift+E). */
	editing = $state<string | null>(null);
	hooks: Hooks = {};
	/** The composer's Web search toggle, for this conversation. */
	readonly webSearch = new WebSearchToggle(() => this.#sessionId);

	get sessionId() {
		return this.#sessionId;
	}
	get title() {
		return this.#title;
	}
	get items() {
		return this.#items;
	}
	get pending() {
		return this.#pending;
	}
	get streaming() {
		return this.#streaming;
	}
	/** A failure before any reply started (shown above the composer). */
	get requestError() {
		return this.#requestError;
	}
	get isEmpty() {
		return this.#items.length === 0 && !this.#pending && !this.#hasOlder;
	}
	/** Older messages can be loaded (`loadOlder`). */
	get hasOlder() {
		return this.#hasOlder;
	}
	get loadingOlder() {
		return this.#loadingOlder;
	}
	/** Loading older messages failed (shown where they would be, with a retry). */
	get olderError() {
		return this.#olderError;
	}
	/** Changes each time a conversation is opened or the chat reset (the list starts over). */
	get opened() {
		return this.#opened;
	}
	/** The last reply failed and can be asked again. */
	get canRetry() {
		const last = this.#items.at(-1);
		return (
			!this.#streaming &&
			last?.kind === 'assistant' &&
			last.error !== null &&
			this.#sessionId !== null
		);
	}

	open(detail: SessionDetail): void {
		// The page loads the conversation that is already open here (it moves to /c/{id} right after
		// the first message, while the reply streams): what this page holds is as new or newer.
		if (detail.session_id === this.#sessionId) return;
		this.#detach();
		this.#sessionId = detail.session_id;
		this.#title = detail.title;
		this.disabledServers = detail.disabled_servers ?? [];
		this.webSearch.load(detail.web_search);
		this.#showPage(detail);
		this.#pending = null;
		this.#requestError = null;
		if (detail.running) void this.#follow(detail.session_id);
	}

	reset(): void {
		this.#detach();
		this.#sessionId = null;
		this.#title = '';
		this.#items = [];
		this.#resetHistory();
		this.#pending = null;
		this.#requestError = null;
		this.draft = '';
		this.disabledServers = [];
		this.webSearch.load(false);
		this.editing = null;
	}

	/**
	 * Puts the page of messages before the oldest loaded in front of the items; false when there
	 * is none, one is already on its way, or it failed (`olderError`).
	 */
	async loadOlder(): Promise<boolean> {
		const sessionId = this.#sessionId;
		if (!sessionId || !this.#hasOlder || this.#loadingOlder || this.#before === null) return false;
		const opened = this.#opened;
		this.#loadingOlder = true;
		this.#olderError = null;
		try {
			const detail = await api(
				`/api/sessions/${encodeURIComponent(sessionId)}?limit=${HISTORY_PAGE}&before=${this.#before}`,
				sessionDetail
			);
			if (opened !== this.#opened) return false;
			const page = foldHistoryPage(detail.messages, {
				hasMore: detail.has_more,
				cutting: this.#cutting,
				carry: this.#carry
			});
			this.#carry = page.carry;
			this.#cutting = page.cutting;
			this.#before = detail.messages[0]?.id ?? null;
			this.#hasOlder = detail.has_more && this.#before !== null;
			if (page.items.length) this.#items = [...page.items, ...this.#items];
			return true;
		} catch (error) {
			if (opened === this.#opened)
				this.#olderError = `Could not load earlier messages: ${(error as Error).message}`;
			return false;
		} finally {
			if (opened === this.#opened) this.#loadingOlder = false;
		}
	}

	/** Shows the newest page of a conversation, the history before it left to `loadOlder`. */
	#showPage(detail: SessionDetail) {
		this.#resetHistory();
		const page = foldHistoryPage(detail.messages, {
			hasMore: detail.has_more,
			cutting: detail.running
		});
		this.#items = page.items;
		this.#carry = page.carry;
		this.#cutting = page.cutting;
		this.#before = detail.messages[0]?.id ?? null;
		this.#hasOlder = detail.has_more && this.#before !== null;
	}

	#resetHistory() {
		this.#opened++;
		this.#hasOlder = false;
		this.#loadingOlder = false;
		this.#olderError = null;
		this.#before = null;
		this.#carry = [];
		this.#cutting = false;
	}

	setTitle(title: string): void {
		this.#title = title;
	}

	async send(text: string, options: SendOptions = {}): Promise<boolean> {
		const message = text.trim() ? text : '';
		if (this.#streaming || (!message && !options.attachmentIds?.length)) return false;
		const key = `local${++this.#counter}`;
		const now = new Date().toISOString();
		const prompt: ChatItem[] = (options.promptMessages ?? []).map((item, index) =>
			item.role === 'user'
				? {
						kind: 'user',
						key: `${key}p${index}`,
						content: item.text,
						attachments: [],
						createdAt: now
					}
				: { ...emptyAssistant(`${key}p${index}`), content: item.text, streaming: false }
		);
		const resources = options.resources ?? [];
		this.#items = [
			...this.#items,
			...prompt,
			{
				kind: 'user',
				key,
				content: message,
				attachments: options.attachments ?? [],
				createdAt: now,
				parentId: leafOf(this.#items.at(-1)),
				...(resources.length ? { resources } : {})
			}
		];
		const isNew = !this.#sessionId;
		const ok = await this.#stream({
			session_id: this.#sessionId ?? undefined,
			...(this.#sessionId ? {} : this.hooks.newConversation?.()),
			message,
			attachment_ids: options.attachmentIds?.length ? options.attachmentIds : undefined,
			...(resources.length
				? { resources: resources.map(({ server_id, uri }) => ({ server_id, uri })) }
				: {}),
			...(prompt.length ? { prompt_messages: options.promptMessages } : {}),
			...(isNew && this.disabledServers.length ? { disabled_servers: this.disabledServers } : {}),
			web_search: this.webSearch.on
		});
		if (!ok) {
			// Nothing was saved: take the question back out and give the text back to the composer.
			const taken = new Set([key, ...prompt.map((item) => item.key)]);
			this.#items = this.#items.filter((item) => !taken.has(item.key));
			if (!this.draft) this.draft = text;
		}
		return ok;
	}

	/** Answers the last question again after a failed reply (which stays, as a version). */
	async retry(): Promise<void> {
		if (!this.canRetry) return;
		const keep = this.#items.length - 1;
		this.#items = this.#items.slice(0, keep);
		if (await this.#stream({ session_id: this.#sessionId!, message: '', regenerate: true }))
			await this.#reshow(keep);
	}

	/** Sends `text` in place of the question `item`: a new branch beside it (tree.ts). */
	async edit(item: UserItem, text: string): Promise<boolean> {
		const at = this.#items.indexOf(item);
		if (this.#streaming || at === -1 || item.parentId === undefined || !text.trim()) return false;
		const before = this.#items;
		this.editing = null;
		const edited: UserItem = {
			kind: 'user',
			key: `local${++this.#counter}`,
			content: text,
			// The edited question keeps its files.
			attachments: item.attachments,
			createdAt: new Date().toISOString(),
			parentId: item.parentId
		};
		this.#items = [...before.slice(0, at), edited];
		const files = item.attachments.map((file) => file.attachment_id);
		const body: ChatRequest = {
			session_id: this.#sessionId!,
			message: text,
			parent_id: item.parentId,
			...(files.length ? { attachment_ids: files } : {})
		};
		if (!(await this.#stream(body))) {
			this.#items = before;
			return false;
		}
		await this.#reshow(at);
		return true;
	}

	/** One more reply to the question before `reply`, beside it. */
	async regenerate(reply: AssistantItem): Promise<void> {
		const at = this.#items.indexOf(reply);
		const question = this.#items[at - 1];
		if (this.#streaming || question?.kind !== 'user' || question.id === undefined) return;
		const before = this.#items;
		this.#items = before.slice(0, at);
		if (await this.#stream({ session_id: this.#sessionId!, message: '', reply_to: question.id }))
			await this.#reshow(at);
		else this.#items = before;
	}

	/** Previous (-1) / Next (+1) version of `item`: the conversation follows that branch. */
	async switchVersion(item: ChatItem, step: -1 | 1): Promise<void> {
		const siblings = item.siblingIds ?? [];
		const target = siblings[siblings.indexOf(item.id ?? -1) + step];
		if (target === undefined) return;
		await this.showPath(this.#items.indexOf(item), target);
	}

	/**
	 * Shows the path through `messageId` (PATCH current_leaf_id), keeping the first `keep` items
	 * (the part of the path it shares with the one shown).
	 */
	async showPath(keep: number, messageId: number): Promise<void> {
		const sessionId = this.#sessionId;
		if (!sessionId || this.#streaming || keep < 0) return;
		try {
			await api(`/api/sessions/${encodeURIComponent(sessionId)}`, renamedSession, {
				method: 'PATCH',
				json: { current_leaf_id: messageId }
			});
			await this.#reshow(keep);
		} catch (error) {
			this.#requestError = `Could not show that version: ${(error as Error).message}`;
		}
	}

	/** Opens the last question with an id in its editor (Ctrl/⌘+Shift+E); false when there is none. */
	editLast(): boolean {
		const last = this.#items.findLast((item) => item.kind === 'user');
		if (this.#streaming || !last || last.parentId === undefined) return false;
		this.editing = last.key;
		return true;
	}

	/**
	 * The current path again after it changed below the first `keep` items: those stay (nothing
	 * above the change renders again), the rest comes from the newest page. When that page does
	 * not reach back to them, the conversation opens again from its end.
	 */
	async #reshow(keep: number): Promise<void> {
		const sessionId = this.#sessionId;
		if (!sessionId) return;
		const opened = this.#opened;
		const detail = await api(
			`/api/sessions/${encodeURIComponent(sessionId)}?limit=${HISTORY_PAGE}`,
			sessionDetail
		);
		if (opened !== this.#opened || this.#sessionId !== sessionId) return;
		const prefix = this.#items.slice(0, keep);
		const keys = new Set(prefix.map((item) => item.key));
		const fresh = foldHistoryPage(detail.messages, { hasMore: detail.has_more }).items;
		if (keep === 0 || !fresh.some((item) => keys.has(item.key))) {
			this.#showPage(detail);
			return;
		}
		this.#items = [...prefix, ...fresh.filter((item) => !keys.has(item.key))];
	}

	/**
	 * Stops the reply on the server, which saves what was written; the stream then ends with its
	 * `done` (`aborted`) as any reply does.
	 */
	async stop(): Promise<void> {
		if (!this.#streaming) return;
		const sessionId = this.#sessionId;
		// Until the stream's first event the server may still be saving the question (a stop
		// would find nothing running) and a new conversation has no id: sent at `session`.
		if (!sessionId || !this.#running) {
			this.#stopWanted = true;
			return;
		}
		try {
			await api(`/api/sessions/${encodeURIComponent(sessionId)}/stop`, stoppedTurn, {
				method: 'POST'
			});
		} catch (error) {
			// It ended on its own meanwhile: nothing left to stop.
			if (error instanceof ApiRequestError && error.code === 'not_running') return;
			this.#requestError = `Could not stop the reply: ${(error as Error).message}`;
		}
	}

	/** Runs `callback` once no reply is streaming (dictation queues its send this way). */
	afterReply(callback: () => void): void {
		if (this.#streaming) this.#afterReply.push(callback);
		else callback();
	}

	async decide(toolCallId: string, decision: ApprovalDecisionRequest['decision']): Promise<void> {
		const card = this.#pending?.tools.find((tool) => tool.id === toolCallId);
		await api('/api/chat/approvals', approvalDecisionResponse, {
			method: 'POST',
			json: {
				session_id: this.#sessionId ?? '',
				tool_call_id: toolCallId,
				decision
			} satisfies ApprovalDecisionRequest
		});
		// The call may already have finished while this answer was on its way (a fast tool).
		if (card?.status === 'awaiting_approval') card.status = 'running';
	}

	/** Answers a server's question; throws ApiRequestError (400 keeps it open for another try). */
	async answerElicitation(
		id: string,
		action: ElicitationAnswerRequest['action'],
		content?: ElicitationAnswerRequest['content']
	): Promise<void> {
		await api('/api/chat/elicitations', approvalDecisionResponse, {
			method: 'POST',
			json: {
				session_id: this.#sessionId ?? '',
				elicitation_id: id,
				action,
				...(content ? { content } : {})
			} satisfies ElicitationAnswerRequest
		});
	}

	async decideSampling(id: string, action: SamplingDecisionRequest['action']): Promise<void> {
		await api('/api/chat/samplings', approvalDecisionResponse, {
			method: 'POST',
			json: {
				session_id: this.#sessionId ?? '',
				sampling_id: id,
				action
			} satisfies SamplingDecisionRequest
		});
	}

	/** Stops following the reply here; the server goes on writing it. */
	#detach() {
		this.#controller?.abort();
		this.#controller = null;
		this.#streaming = false;
		this.#running = false;
		this.#stopWanted = false;
	}

	/** Runs one POST /api/chat; false when the server refused it before starting. */
	#stream(body: ChatRequest): Promise<boolean> {
		return this.#receive(async (signal) => {
			await this.hooks.beforeSend?.().catch(() => {});
			return fetch('/api/chat', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				signal
			});
		});
	}

	/** Follows the reply the server is writing in this conversation, from its first event. */
	async #follow(sessionId: string): Promise<void> {
		await this.#receive(async (signal) => {
			const path = `/api/sessions/${encodeURIComponent(sessionId)}`;
			const response = await fetch(`${path}/stream`, { signal });
			if (response.status !== 204) return response;
			// It ended between the page's load and now: its saved rows are the reply.
			const detail = await api(`${path}?limit=${MAX_MESSAGES_PAGE}`, sessionDetail, { signal });
			if (this.#sessionId === sessionId) this.#showSavedReply(detail);
			return null;
		});
	}

	/**
	 * The newest messages again, once the reply that was running has been saved: the items from
	 * the first turn of `detail` on are replaced (the ones already shown kept as they are, so
	 * nothing above the reply renders again), the older ones stay.
	 */
	#showSavedReply(detail: SessionDetail) {
		if (!this.#items.length) {
			this.#showPage(detail);
			return;
		}
		const fresh = foldHistoryPage(detail.messages, { hasMore: detail.has_more }).items;
		const known = new Map(this.#items.map((item) => [item.key, item]));
		const keys = new Set(fresh.map((item) => item.key));
		const from = this.#items.findIndex((item) => keys.has(item.key));
		this.#items = [
			...(from === -1 ? this.#items : this.#items.slice(0, from)),
			...fresh.map((item) => known.get(item.key) ?? item)
		];
	}

	/** Shows one reply as it streams in; false when the server refused it before starting. */
	async #receive(open: OpenStream): Promise<boolean> {
		const controller = new AbortController();
		this.#controller = controller;
		this.#streaming = true;
		this.#running = false;
		this.#stopWanted = false;
		this.#requestError = null;
		this.#pending = emptyAssistant(`pending${++this.#counter}`);
		const reply = this.#pending;
		/** Refusals show only while this page still follows this stream (see #detach). */
		const refuse = (message: string | null) => {
			if (this.#controller !== controller) return;
			this.#requestError = message;
			this.#pending = null;
		};
		let started = false;
		try {
			const response = await open(controller.signal);
			if (!response) {
				refuse(null);
				return true;
			}
			if (!response.ok || !response.body) {
				refuse((await errorFrom(response)).message);
				return false;
			}
			started = true;
			for await (const item of readSse(response.body)) {
				if (this.#controller !== controller) break; // events already read when it was left
				if (isSseComment(item) || !item.event) continue;
				const schema = chatEvents[item.event as keyof typeof chatEvents];
				if (!schema) continue;
				const parsed = schema.safeParse(JSON.parse(item.data));
				if (parsed.success)
					this.#apply({ event: item.event, data: parsed.data } as ChatEvent, reply);
			}
			if (reply.streaming && !reply.error) {
				reply.error = {
					code: 'incomplete',
					message: 'The connection to the server ended before the reply finished.'
				};
			}
		} catch (error) {
			if (controller.signal.aborted) {
				// This page stopped following the reply (see #detach); the server goes on with it.
			} else if (!started) {
				refuse('Could not reach the Switchboard server. Check that it is running and try again.');
				return false;
			} else {
				reply.error = {
					code: 'network_error',
					message: `The connection broke while the reply was streaming (${(error as Error).message}).`
				};
			}
		} finally {
			// A stream this page stopped following (another conversation was opened) changes nothing.
			const current = this.#controller === controller;
			if (current) {
				this.#controller = null;
				this.#streaming = false;
				this.#running = false;
			}
			if (current && this.#pending === reply) {
				reply.streaming = false;
				for (const tool of reply.tools)
					if (tool.status === 'running' || tool.status === 'awaiting_approval')
						tool.status = 'error';
				for (const question of reply.questions ?? [])
					if (question.status === 'open') question.status = 'cancel';
				this.#items = [...this.#items, $state.snapshot(reply) as AssistantItem];
				this.#pending = null;
			}
			if (started && this.#sessionId) this.hooks.onTurnFinished?.(this.#sessionId);
			if (!this.#streaming) for (const callback of this.#afterReply.splice(0)) callback();
		}
		return true;
	}

	#apply(event: ChatEvent, reply: AssistantItem): void {
		switch (event.event) {
			case 'session': {
				const isNew = this.#sessionId !== event.data.session_id;
				this.#sessionId = event.data.session_id;
				this.#running = true;
				const asked = this.#items.at(-1);
				if (asked?.kind === 'user' && asked.id === undefined) {
					const id = event.data.user_message_id;
					this.#items = [...this.#items.slice(0, -1), { ...asked, id, siblingIds: [id] }];
				}
				if (isNew) {
					const first = this.#items.find((item) => item.kind === 'user');
					this.#title = titleFrom(first?.content ?? '', 'Attachment');
					this.hooks.onSessionStarted?.(event.data.session_id, this.#title);
				}
				if (this.#stopWanted) void this.stop();
				break;
			}
			case 'delta':
				reply.content += event.data.text;
				break;
			case 'reasoning':
				reply.reasoning += event.data.text;
				break;
			case 'tool_call':
				if (reply.content && !reply.content.endsWith('\n\n')) reply.content += '\n\n';
				reply.tools.push({
					id: event.data.id,
					name: event.data.name,
					arguments: event.data.arguments,
					status: 'running'
				});
				break;
			case 'tool_approval': {
				const card = reply.tools.find((tool) => tool.id === event.data.id);
				if (card) card.status = 'awaiting_approval';
				break;
			}
			case 'tool_progress': {
				const card = reply.tools.find((tool) => tool.id === event.data.id);
				if (card)
					card.progress = {
						progress: event.data.progress,
						total: event.data.total,
						message: event.data.message
					};
				break;
			}
			case 'tool_result': {
				const card = reply.tools.find((tool) => tool.id === event.data.id);
				if (card) {
					card.status = event.data.is_error ? 'error' : 'done';
					card.result = event.data.content;
					card.durationMs = event.data.duration_ms;
				}
				if (event.data.attachments) reply.attachments.push(...event.data.attachments);
				break;
			}
			case 'elicitation':
				// Assigned first: the value of `??=` is the plain array, not the state's proxy of it.
				reply.questions ??= [];
				reply.questions.push({
					kind: 'elicitation',
					id: event.data.id,
					serverId: event.data.server_id,
					message: event.data.message,
					schema: event.data.requested_schema,
					status: 'open'
				});
				break;
			case 'sampling_request':
				reply.questions ??= [];
				reply.questions.push({
					kind: 'sampling',
					id: event.data.id,
					serverId: event.data.server_id,
					messages: event.data.messages,
					maxTokens: event.data.max_tokens,
					systemPrompt: event.data.system_prompt,
					status: 'open'
				});
				break;
			case 'elicitation_result':
			case 'sampling_result': {
				const question = reply.questions?.find((item) => item.id === event.data.id);
				if (question) question.status = event.data.action;
				break;
			}
			case 'citations':
				reply.citations = event.data.items;
				break;
			case 'usage':
				reply.usage = event.data;
				break;
			case 'error':
				reply.error = event.data;
				break;
			case 'done':
				reply.finishReason = event.data.finish_reason;
				reply.modelId = event.data.model_id ?? reply.modelId;
				reply.leafId = event.data.message_id ?? reply.leafId;
				reply.streaming = false;
				break;
		}
	}
}

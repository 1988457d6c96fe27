import type { ChatEvent } from '$lib/api';
import { AppError, conflict, notFound } from '../errors';
import type { Logger } from '../log';
import { ServerShutdown, type ChatTurn, type ChatTurnInput } from './orchestrator';
import type { ChatRepository } from './repository';

type DoneData = Extract<ChatEvent, { event: 'done' }>['data'];

/** A subscriber of a run (sse-response.ts): called with each event as it happens, then `end`. */
export interface RunListener {
	event(event: ChatEvent): void;
	/** The turn is over (after its `done`, or without one when it crashed). */
	end(): void;
}

export interface ChatRunsDeps {
	chat: { start(input: ChatTurnInput): Promise<ChatTurn> };
	repo: Pick<ChatRepository, 'getConversation'>;
	log: Logger;
	/** Turns running at once (CHAT_MAX_STREAMS); beyond it a new chat is refused with 429. */
	maxStreams: number;
	/** How long a stop waits for the turn to save its partial reply before answering anyway. */
	stopTimeoutMs?: number;
}

/** What a refused chat tells the browser to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * One turn running on the server, independent of any browser: it runs to its end (or a stop)
 * whoever listens. Every event is kept until the turn ends, so a subscriber that comes later
 * (a reloaded tab, a second window) gets the turn from its start, then the live events.
 */
export class ChatRun {
	readonly sessionId: string;
	/** Resolves once the turn has ended and its reply is saved. */
	readonly ended: Promise<void>;
	readonly #events: ChatEvent[] = [];
	readonly #controller = new AbortController();
	readonly #listeners = new Set<() => void>();
	readonly #subscribers = new Set<RunListener>();
	#finished = false;
	#done: DoneData | undefined;

	/** `onEnd` runs at `done` (the reply is saved by then), or when the turn ended without one. */
	constructor(turn: ChatTurn, log: Logger, onEnd: () => void) {
		this.sessionId = turn.sessionId;
		this.ended = this.#pump(turn, log, onEnd);
	}

	get finished(): boolean {
		return this.#finished;
	}

	/** The turn's `done` event, once it came. */
	get done(): DoneData | undefined {
		return this.#done;
	}

	/** Stops the turn: upstream is aborted, the partial reply saved (`aborted`, or `interrupted` on shutdown). */
	stop(reason?: unknown): void {
		this.#controller.abort(reason);
	}

	/**
	 * Every event since the turn began (synchronously, at once), then each live one as the turn
	 * produces it, then `end`. The push form of `follow`, for the event streams: a token goes to
	 * the socket without an async generator and a promise per step between them. Returns the
	 * unsubscribe function, which only detaches this subscriber; the turn goes on.
	 */
	subscribe(listener: RunListener): () => void {
		for (const event of this.#events) listener.event(event);
		if (this.#finished) {
			listener.end();
			return () => {};
		}
		this.#subscribers.add(listener);
		return () => this.#subscribers.delete(listener);
	}

	/**
	 * Every event since the turn began, then the live ones until `done`. Aborting `signal` only
	 * detaches this subscriber; the turn goes on.
	 */
	async *follow(signal?: AbortSignal): AsyncGenerator<ChatEvent> {
		let next = 0;
		while (true) {
			while (next < this.#events.length) yield this.#events[next++];
			if (this.#finished || signal?.aborted) return;
			await new Promise<void>((resolve) => {
				const wake = () => {
					this.#listeners.delete(wake);
					signal?.removeEventListener('abort', wake);
					resolve();
				};
				this.#listeners.add(wake);
				signal?.addEventListener('abort', wake, { once: true });
			});
		}
	}

	async #pump(turn: ChatTurn, log: Logger, onEnd: () => void): Promise<void> {
		try {
			const accept = (event: ChatEvent) => {
				this.#events.push(event);
				if (event.event === 'done') {
					this.#done = event.data;
					// From here the conversation takes a new message, though the generator has yet to return.
					onEnd();
				}
				this.#publish(event, log);
				this.#wake();
			};
			// The reply's text comes through `accept` directly, the rest through the generator.
			for await (const event of turn.events(this.#controller.signal, accept)) accept(event);
		} catch (error) {
			// The orchestrator ends every turn with `done` itself; this is a bug showing.
			log.error('chat run crashed', { session_id: this.sessionId, error });
		} finally {
			this.#finished = true;
			if (!this.#done) onEnd();
			this.#wake();
			const subscribers = [...this.#subscribers];
			this.#subscribers.clear();
			for (const subscriber of subscribers) {
				try {
					subscriber.end();
				} catch (error) {
					log.error('chat run subscriber failed', { session_id: this.sessionId, error });
				}
			}
		}
	}

	/** One subscriber that throws (a closed stream) must not stop the turn or the others. */
	#publish(event: ChatEvent, log: Logger) {
		for (const subscriber of this.#subscribers) {
			try {
				subscriber.event(event);
			} catch (error) {
				this.#subscribers.delete(subscriber);
				log.error('chat run subscriber failed', { session_id: this.sessionId, error });
			}
		}
	}

	#wake() {
		for (const wake of [...this.#listeners]) wake();
	}
}

/**
 * The turns running on this server, one per conversation at most, except replies to one question
 * (`replyTo`: models compared side by side), which run together. `POST /api/chat` starts one and
 * is its first subscriber; `GET /api/sessions/{id}/stream` follows the newest; `POST
 * /api/sessions/{id}/stop` stops them. A turn is dropped from here once it ended.
 */
export class ChatRuns {
	readonly #deps: ChatRunsDeps;
	readonly #runs = new Map<string, ChatRun[]>();
	/**
	 * Per conversation, its turns being set up or running and the question they answer (undefined
	 * for anything but `replyTo`), so that only more replies to that question join them.
	 */
	readonly #claimed = new Map<string, { replyTo: number | undefined; count: number }>();
	/** Turns being set up, counted against the cap before they run. */
	#starting = 0;

	constructor(deps: ChatRunsDeps) {
		this.#deps = deps;
	}

	/** Turns running now. */
	get size(): number {
		let size = 0;
		for (const runs of this.#runs.values()) size += runs.length;
		return size;
	}

	/**
	 * Starts a turn (see ChatOrchestrator.start for what it checks first). 409 `already_running`
	 * when the conversation's reply is still being written, 429 `too_many_streams` past the cap.
	 */
	async start(input: ChatTurnInput): Promise<ChatRun> {
		const claim = input.sessionId;
		const busy = claim ? this.#claimed.get(claim) : undefined;
		if (busy && (input.replyTo === undefined || busy.replyTo !== input.replyTo)) {
			throw conflict(
				'A reply is still being written in this conversation. Wait for it to finish, or stop it, before sending another message.',
				'already_running'
			);
		}
		if (this.size + this.#starting >= this.#deps.maxStreams) {
			throw new AppError(
				429,
				'too_many_streams',
				`The server is already writing ${this.#deps.maxStreams} replies at once (CHAT_MAX_STREAMS). Try again in a few seconds.`,
				{ 'retry-after': String(RETRY_AFTER_SECONDS) }
			);
		}
		if (claim) this.#claim(claim, input.replyTo);
		this.#starting++;
		let turn: ChatTurn;
		try {
			turn = await this.#deps.chat.start(input);
		} catch (error) {
			if (claim) this.#release(claim);
			throw error;
		} finally {
			this.#starting--;
		}
		// A new conversation is claimed once it has its id.
		if (!claim) this.#claim(turn.sessionId, input.replyTo);
		const run: ChatRun = new ChatRun(turn, this.#deps.log, () => {
			const runs = this.#runs.get(run.sessionId);
			if (!runs?.includes(run)) return;
			if (runs.length === 1) this.#runs.delete(run.sessionId);
			else runs.splice(runs.indexOf(run), 1);
			this.#release(run.sessionId);
		});
		const runs = this.#runs.get(run.sessionId);
		if (runs) runs.push(run);
		else this.#runs.set(run.sessionId, [run]);
		return run;
	}

	#claim(sessionId: string, replyTo: number | undefined) {
		const busy = this.#claimed.get(sessionId);
		if (busy) busy.count++;
		else this.#claimed.set(sessionId, { replyTo, count: 1 });
	}

	#release(sessionId: string) {
		const busy = this.#claimed.get(sessionId);
		if (busy && --busy.count === 0) this.#claimed.delete(sessionId);
	}

	isRunning(sessionId: string): boolean {
		return this.#runs.has(sessionId);
	}

	/**
	 * The conversation's running turn (the newest, when replies are compared), undefined when none
	 * runs; 404 for an unknown conversation.
	 */
	find(sessionId: string): ChatRun | undefined {
		this.#mustExist(sessionId);
		return this.#runs.get(sessionId)?.at(-1);
	}

	/**
	 * Stops the conversation's turn and waits until its partial reply is saved. 404
	 * `session_not_found`, 409 `not_running` when nothing runs.
	 */
	async stop(sessionId: string): Promise<DoneData | undefined> {
		this.#mustExist(sessionId);
		const runs = [...(this.#runs.get(sessionId) ?? [])];
		if (!runs.length) {
			throw conflict('No reply is being written in this conversation.', 'not_running');
		}
		for (const run of runs) run.stop();
		await this.#settled(runs);
		return runs[0].done;
	}

	/** Shutdown: every turn is stopped as `interrupted` and given a moment to save its reply. */
	async close(): Promise<void> {
		const runs = [...this.#runs.values()].flat();
		for (const run of runs) run.stop(new ServerShutdown());
		await this.#settled(runs);
	}

	#mustExist(sessionId: string) {
		if (!this.#deps.repo.getConversation(sessionId))
			throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
	}

	/** Waits for the turns to end, but not forever: a tool that ignores its abort signal must not hang a stop. */
	async #settled(runs: ChatRun[]): Promise<void> {
		let timer: ReturnType<typeof setTimeout> | undefined;
		const timeout = new Promise<void>((resolve) => {
			timer = setTimeout(resolve, this.#deps.stopTimeoutMs ?? 10_000);
		});
		await Promise.race([Promise.all(runs.map((run) => run.ended)), timeout]);
		clearTimeout(timer);
		for (const run of runs) {
			if (!run.finished)
				this.#deps.log.warn('chat run still going after its stop', { session_id: run.sessionId });
		}
	}
}

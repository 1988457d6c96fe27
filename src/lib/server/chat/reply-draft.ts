import type { MessageRow, NewMessageRow } from '../db/schema';
import type { Logger } from '../log';
import type { ChatRepository } from './repository';

/** `finish_reason` of a reply whose row is still being written. */
export const STREAMING = 'streaming';
/** `finish_reason` of a reply the server did not finish: it died (or shut down) mid-stream. */
export const INTERRUPTED = 'interrupted';

/** How often a streaming reply's text is written to the database, at most. */
export const CHECKPOINT_MS = 1000;

export interface DraftText {
	text: string;
	reasoning: string;
}

type FinalFields = Omit<NewMessageRow, 'id' | 'sessionId' | 'role' | 'createdAt'>;

/**
 * The reply row of one model round while it streams. It is inserted at the round's first text
 * (so the question is the only row when the upstream call starts), then rewritten at most once
 * per `intervalMs`, and a last time when the round ends. A crash (kill -9) loses the last
 * interval at most; until the row is finished its finish reason is `streaming`, which the next
 * start turns into `interrupted`.
 */
export class ReplyDraft {
	#id: number | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	#lastWrite = 0;
	#finished = false;

	constructor(
		private readonly deps: {
			repo: ChatRepository;
			log: Logger;
			now: () => Date;
			intervalMs?: number;
		},
		private readonly turn: { sessionId: string; modelId: string },
		private readonly reply: DraftText
	) {}

	/** The reply grew: the first text inserts the row, later text is written within the interval. */
	changed(): void {
		if (this.#finished || this.#timer) return;
		const wait = this.#lastWrite + (this.deps.intervalMs ?? CHECKPOINT_MS) - Date.now();
		if (this.#id === undefined || wait <= 0) {
			this.#write();
			return;
		}
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			// A checkpoint that fails must not take the process down; the final write reports it.
			try {
				if (!this.#finished) this.#write();
			} catch (error) {
				this.deps.log.error('reply checkpoint failed', {
					session_id: this.turn.sessionId,
					error
				});
			}
		}, wait);
	}

	/** Writes the round's reply as it ended (inserting it when nothing streamed). */
	finish(fields: FinalFields): MessageRow {
		this.#stopTimer();
		// `createdAt` is when the reply was saved whole, as before it was written while streaming:
		// the browser times a tool call from its assistant message to its result.
		const createdAt = this.deps.now().toISOString();
		const row =
			(this.#id !== undefined &&
				this.deps.repo.updateMessage(this.#id, { ...fields, createdAt })) ||
			this.deps.repo.addMessage({
				...fields,
				sessionId: this.turn.sessionId,
				role: 'assistant',
				createdAt
			});
		this.#finished = true;
		return row;
	}

	/** The turn crashed before the round ended: the row says so instead of `streaming`. */
	abandon(error: { code: string; message: string }): void {
		this.#stopTimer();
		if (this.#finished || this.#id === undefined) return;
		this.#finished = true;
		this.deps.repo.updateMessage(this.#id, { finishReason: 'error', error });
	}

	#write() {
		this.#lastWrite = Date.now();
		const text = { content: this.reply.text, reasoning: this.reply.reasoning || null };
		if (this.#id !== undefined) {
			this.deps.repo.updateMessage(this.#id, text);
			return;
		}
		this.#id = this.deps.repo.addMessage({
			...text,
			sessionId: this.turn.sessionId,
			role: 'assistant',
			modelId: this.turn.modelId,
			finishReason: STREAMING,
			createdAt: this.deps.now().toISOString()
		}).id;
	}

	#stopTimer() {
		clearTimeout(this.#timer);
		this.#timer = undefined;
	}
}

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
 * How much later a checkpoint may come (at most a tenth of the interval) so that the drafts of
 * turns streaming together commit together.
 */
const ALIGN_MS = 50;

interface Job {
	work(): unknown;
	resolve(value: unknown): void;
	reject(error: unknown): void;
}

/**
 * Writes what the turns running together write, together: what is due in one turn of the event
 * loop goes in one transaction, right after that turn's I/O (setImmediate). The streaming replies'
 * checkpoints are queued here (`queue`), and so are the questions and the replies' last writes
 * (`run`, which resolves once committed). So a token is sent to the browser before its reply's
 * row is written, SQLite commits once for hundreds of turns instead of three times each, and
 * FTS5 indexes them as one segment. One write that fails (its conversation deleted meanwhile, a
 * full disk) does not cost the others theirs: the batch is then written again one by one.
 */
export class DraftWriter {
	readonly #due = new Set<ReplyDraft>();
	#jobs: Job[] = [];
	#scheduled: NodeJS.Immediate | undefined;

	constructor(private readonly deps: { repo: ChatRepository; log: Logger }) {}

	queue(draft: ReplyDraft): void {
		this.#due.add(draft);
		this.#scheduled ??= setImmediate(() => this.flush());
	}

	forget(draft: ReplyDraft): void {
		this.#due.delete(draft);
	}

	/** Runs `work` (synchronous database writes) in the next batch; resolves once it is committed. */
	run<T>(work: () => T): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			this.#jobs.push({ work, resolve: resolve as (value: unknown) => void, reject });
			this.#scheduled ??= setImmediate(() => this.flush());
		});
	}

	/** Writes everything queued now (also what the timer does). */
	flush(): void {
		clearImmediate(this.#scheduled);
		this.#scheduled = undefined;
		const jobs = this.#jobs;
		this.#jobs = [];
		const drafts = [...this.#due];
		this.#due.clear();
		if (jobs.length === 0 && drafts.length === 0) return;
		const { repo, log } = this.deps;
		let results: { jobs: unknown[]; drafts: number[] };
		try {
			results = repo.inTransaction(() => ({
				jobs: jobs.map((job) => job.work()),
				drafts: drafts.map((draft) => draft.write())
			}));
		} catch {
			for (const job of jobs) {
				try {
					job.resolve(repo.inTransaction(() => job.work()));
				} catch (error) {
					job.reject(error);
				}
			}
			for (const draft of drafts) {
				try {
					draft.written(repo.inTransaction(() => draft.write()));
				} catch (error) {
					// A checkpoint that fails must not take the process down; the final write reports it.
					draft.written(undefined);
					log.error('reply checkpoint failed', { session_id: draft.sessionId, error });
				}
			}
			return;
		}
		jobs.forEach((job, i) => job.resolve(results.jobs[i]));
		drafts.forEach((draft, i) => draft.written(results.drafts[i]));
	}
}

/**
 * The reply row of one model round while it streams. It is inserted just after the round's first
 * text (so the question is the only row when the upstream call starts), then rewritten at most
 * once per `intervalMs`, and a last time when the round ends; the writes in between go through
 * the shared DraftWriter. A crash (kill -9) loses the last interval at most; until the row is
 * finished its finish reason is `streaming`, which the next start turns into `interrupted`.
 */
export class ReplyDraft {
	#id: number | undefined;
	#timer: ReturnType<typeof setTimeout> | undefined;
	/** Waiting in the writer's queue. */
	#queued = false;
	#lastWrite = 0;
	#finished = false;

	constructor(
		private readonly deps: {
			repo: ChatRepository;
			log: Logger;
			writer: DraftWriter;
			now: () => Date;
			intervalMs?: number;
		},
		/** `leafId`: the message the reply goes under (its question, or the round before). */
		private readonly turn: { sessionId: string; modelId: string; leafId?: number | null },
		private readonly reply: DraftText
	) {}

	get sessionId(): string {
		return this.turn.sessionId;
	}

	/** The reply grew: the first text inserts the row, later text is written within the interval. */
	changed(): void {
		if (this.#finished || this.#timer || this.#queued) return;
		const interval = this.deps.intervalMs ?? CHECKPOINT_MS;
		const due = this.#lastWrite + interval;
		// The first text is written at once; after that (or after a failed first insert) once per interval.
		if (this.#lastWrite === 0 || due <= Date.now()) {
			this.#queue();
			return;
		}
		// On a shared grid, so that the timers of turns streaming together fire together.
		const grid = Math.min(ALIGN_MS, interval / 10);
		const wait = Math.ceil(due / grid) * grid - Date.now();
		this.#timer = setTimeout(() => {
			this.#timer = undefined;
			if (!this.#finished) this.#queue();
		}, wait);
	}

	/**
	 * Writes the round's reply as it ended (inserting it when nothing streamed), with the writes
	 * of the other turns; resolves with the row once it is committed.
	 */
	async finish(fields: FinalFields): Promise<MessageRow> {
		this.#stopTimer();
		// No checkpoint may start once the last write is on its way.
		this.#finished = true;
		// `createdAt` is when the reply was saved whole, as before it was written while streaming:
		// the browser times a tool call from its assistant message to its result.
		const createdAt = this.deps.now().toISOString();
		try {
			return await this.deps.writer.run(
				() =>
					(this.#id !== undefined &&
						this.deps.repo.updateMessage(this.#id, { ...fields, createdAt })) ||
					this.deps.repo.addMessage({
						...fields,
						sessionId: this.turn.sessionId,
						parentId: this.turn.leafId,
						role: 'assistant',
						createdAt
					})
			);
		} catch (error) {
			// Not saved: abandon() may still mark the streaming row as failed.
			this.#finished = false;
			throw error;
		}
	}

	/** The turn crashed before the round ended: the row says so instead of `streaming`. */
	abandon(error: { code: string; message: string }): void {
		this.#stopTimer();
		if (this.#finished || this.#id === undefined) return;
		this.#finished = true;
		this.deps.repo.updateMessage(this.#id, { finishReason: 'error', error });
	}

	/**
	 * The writer's part, inside its transaction: writes the text as it is now, and answers the
	 * row's id; `written` takes it once the transaction committed.
	 */
	write(): number {
		const content = this.reply.text;
		const reasoning = this.reply.reasoning || null;
		if (this.#id !== undefined) {
			this.deps.repo.writeDrafts([{ id: this.#id, content, reasoning }]);
			return this.#id;
		}
		return this.deps.repo.addMessage({
			content,
			reasoning,
			sessionId: this.turn.sessionId,
			parentId: this.turn.leafId,
			role: 'assistant',
			modelId: this.turn.modelId,
			finishReason: STREAMING,
			createdAt: this.deps.now().toISOString()
		}).id;
	}

	/** After the writer's commit (undefined: the write failed; the next change tries again). */
	written(id: number | undefined): void {
		this.#queued = false;
		this.#lastWrite = Date.now();
		if (id !== undefined && !this.#finished) this.#id = id;
	}

	#queue() {
		this.#queued = true;
		this.deps.writer.queue(this);
	}

	#stopTimer() {
		clearTimeout(this.#timer);
		this.#timer = undefined;
		if (this.#queued) {
			this.#queued = false;
			this.deps.writer.forget(this);
		}
	}
}

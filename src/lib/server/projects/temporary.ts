import type { ChatRepository } from '../chat/repository';
import type { Logger } from '../log';
import type { ProjectRepository } from './repository';

/** A temporary chat is deleted this long after its last message. */
export const TEMPORARY_TTL_MS = 24 * 60 * 60 * 1000;

export interface TemporaryChatsDeps {
	projects: Pick<ProjectRepository, 'temporaryIds'>;
	/** Deletes a conversation as DELETE /api/sessions/{id} does (its reply stopped, its files). */
	deleteSession: (sessionId: string) => Promise<void>;
	log: Logger;
	now?: () => Date;
	intervalMs?: number;
}

/**
 * Deletes temporary chats: all of them when the server starts (none outlives the process that
 * held it), then every interval those whose last message is 24 h old.
 */
export class TemporaryChatReaper {
	readonly #deps: TemporaryChatsDeps;
	readonly #now: () => Date;
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<number> | undefined;

	constructor(deps: TemporaryChatsDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? (() => new Date());
	}

	start(): void {
		if (this.#timer) return;
		const sweep = (all: boolean) =>
			void this.sweep(all).catch((error) =>
				this.#deps.log.error('temporary chat reaper failed', { error })
			);
		sweep(true);
		this.#timer = setInterval(() => sweep(false), this.#deps.intervalMs ?? 10 * 60_000);
		this.#timer.unref();
	}

	async stop(): Promise<void> {
		clearInterval(this.#timer);
		this.#timer = undefined;
		await this.#running?.catch(() => {});
	}

	/** Deletes the expired temporary chats (every one with `all`); answers how many went. */
	sweep(all = false): Promise<number> {
		if (this.#running) return this.#running;
		const cutoff = new Date(this.#now().getTime() - TEMPORARY_TTL_MS).toISOString();
		this.#running = (async () => {
			const ids = this.#deps.projects.temporaryIds(all ? undefined : cutoff);
			for (const id of ids) await this.#deps.deleteSession(id);
			if (ids.length) this.#deps.log.info('temporary chats deleted', { count: ids.length });
			return ids.length;
		})().finally(() => (this.#running = undefined));
		return this.#running;
	}
}

/** The logger with conversation records of temporary chats dropped: they are never logged. */
export function withoutTemporaryLogs(
	log: Logger,
	repo: Pick<ChatRepository, 'getConversation'>
): Logger {
	return {
		...log,
		conversation(sessionId, record) {
			if (!repo.getConversation(sessionId)?.temporary) log.conversation(sessionId, record);
		}
	};
}

import type { Logger } from '../log';
import { settleAll } from './concurrency';
import type { AttachmentRepository } from './repository';
import type { BlobStorage } from './storage/storage';

/**
 * The attachments whose blobs the reaper is deleting right now. A chat that wants to use one of
 * them is refused instead of linking a row whose blob is about to vanish.
 */
export class ReapingSet {
	readonly #ids = new Set<string>();
	has(id: string): boolean {
		return this.#ids.has(id);
	}
	claim(ids: string[]): void {
		for (const id of ids) this.#ids.add(id);
	}
	release(ids: string[]): void {
		for (const id of ids) this.#ids.delete(id);
	}
}

export interface ReaperOptions {
	repo: AttachmentRepository;
	/** Shared with the service, so a use and a deletion never overlap. */
	reaping?: ReapingSet;
	storage: BlobStorage;
	log: Logger;
	retentionDays: number;
	now?: () => Date;
	batchSize?: number;
	/** A blob without a row younger than this may be an upload whose row is being written. */
	orphanGraceMs?: number;
	intervalMs?: number;
}

export interface ReapResult {
	/** Attachments (blob and row) removed for being unused past the retention. */
	deleted: number;
	/** Attachments whose blob could not be deleted this run (kept, retried next run). */
	failed: number;
	/** Blobs without a row (an upload that crashed between blob and row) removed. */
	orphans: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes attachments unused for the retention period. Blobs go first, then rows, batch by
 * batch: a crash in between leaves rows whose blob is already gone, which the next run deletes
 * again without complaint, so every run is safe to repeat.
 */
export class AttachmentReaper {
	readonly #o: Required<Omit<ReaperOptions, 'now'>> & { now: () => Date };
	#timer: NodeJS.Timeout | undefined;
	#running: Promise<ReapResult> | undefined;

	constructor(options: ReaperOptions) {
		// `??`, not spread defaults: callers pass `now: undefined` when no clock is injected.
		this.#o = {
			...options,
			batchSize: options.batchSize ?? 100,
			orphanGraceMs: options.orphanGraceMs ?? 60 * 60_000,
			intervalMs: options.intervalMs ?? 60 * 60_000,
			now: options.now ?? (() => new Date()),
			reaping: options.reaping ?? new ReapingSet()
		};
	}

	/** Runs now and then every interval; a failing run is logged and the next one tries again. */
	start(): void {
		if (this.#timer) return;
		const tick = () =>
			void this.run().catch((error) => this.#o.log.error('attachment reaper failed', { error }));
		tick();
		this.#timer = setInterval(tick, this.#o.intervalMs);
		this.#timer.unref();
	}

	async stop(): Promise<void> {
		clearInterval(this.#timer);
		this.#timer = undefined;
		await this.#running?.catch(() => {});
	}

	/** One pass; concurrent callers share the pass in progress. */
	run(): Promise<ReapResult> {
		return (this.#running ??= this.#pass().finally(() => (this.#running = undefined)));
	}

	async #pass(): Promise<ReapResult> {
		const { repo, storage, log, batchSize, retentionDays, reaping } = this.#o;
		const now = this.#o.now();
		const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
		const result: ReapResult = { deleted: 0, failed: 0, orphans: 0 };
		const skip: string[] = [];

		for (;;) {
			const rows = repo.unusedSince(cutoff, batchSize, skip);
			if (!rows.length) break;
			// Claimed in the same tick as the select: no chat can start using them in between.
			const claimed = rows.map((row) => row.attachmentId);
			reaping.claim(claimed);
			const gone: string[] = [];
			try {
				const settled = await settleAll(rows, 8, (row) => storage.delete(row.gcsBlob));
				settled.forEach((outcome, index) => {
					const id = rows[index].attachmentId;
					if (outcome.status === 'fulfilled') gone.push(id);
					else {
						skip.push(id);
						log.warn('attachment blob not deleted', { attachment_id: id, error: outcome.reason });
					}
				});
				// The blob is gone, so the row goes too, even if a history read touched it meanwhile.
				result.deleted += repo.delete(gone);
			} finally {
				reaping.release(claimed);
			}
			result.failed += rows.length - gone.length;
			// A batch that failed whole means storage is down: stop, the next run retries.
			if (rows.length < batchSize || !gone.length) break;
		}

		result.orphans = await this.#sweepOrphans(now);
		if (result.deleted || result.failed || result.orphans) {
			log.info('attachments reaped', { ...result, retention_days: retentionDays, cutoff });
		}
		return result;
	}

	async #sweepOrphans(now: Date): Promise<number> {
		const { repo, storage, batchSize, orphanGraceMs, log } = this.#o;
		const oldEnough = now.getTime() - orphanGraceMs;
		let removed = 0;
		let page: string[] = [];
		const flush = async () => {
			const inUse = repo.blobsInUse(page);
			const orphans = page.filter((name) => !inUse.has(name));
			page = [];
			const settled = await settleAll(orphans, 8, (name) => storage.delete(name));
			removed += settled.filter((outcome) => outcome.status === 'fulfilled').length;
		};
		try {
			for await (const blob of storage.list()) {
				if (blob.createdAt.getTime() >= oldEnough) continue;
				page.push(blob.name);
				if (page.length >= batchSize) await flush();
			}
			if (page.length) await flush();
		} catch (error) {
			log.warn('orphan attachment sweep stopped early', { error });
		}
		return removed;
	}
}

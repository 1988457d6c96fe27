import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { z } from 'zod';
import { AppError } from '../errors';

/** A JSON file that exists but cannot be used; never overwritten, never replaced by defaults. */
export class CorruptFileError extends AppError {
	constructor(file: string, reason: string) {
		super(
			500,
			'corrupt_settings_file',
			`${file} is not valid (${reason}). Fix or remove the file; Switchboard will not overwrite it.`
		);
		this.name = 'CorruptFileError';
	}
}

export interface JsonStoreOptions<T> {
	/** Absolute path of the file. */
	file: string;
	schema: z.ZodType<T>;
	/** Value used while the file does not exist (not written until the first update). */
	defaults: () => T;
	/** File mode (default 0600: settings name models, servers and their secrets); folders are 0700. */
	mode?: number;
}

/**
 * One JSON document on disk: atomic writes (temp file + rename), writers serialized in order,
 * the last good copy kept in memory, corrupt files reported.
 */
export class JsonStore<T> {
	readonly file: string;
	readonly #options: JsonStoreOptions<T>;
	#queue: Promise<unknown> = Promise.resolve();
	#cache: { value: T; exists: boolean; stamp: string } | undefined;

	constructor(options: JsonStoreOptions<T>) {
		this.#options = options;
		this.file = options.file;
	}

	/** Whether the file exists on disk (false means defaults are in use). */
	async exists(): Promise<boolean> {
		await this.#queue;
		return (await this.#load()).exists;
	}

	/** The current value, after every update called before this read has landed. */
	async read(): Promise<T> {
		await this.#queue;
		return structuredClone((await this.#load()).value);
	}

	/** Runs `change` on the current value and writes the result; concurrent updates apply in call order. */
	update(change: (current: T) => T | Promise<T>): Promise<T> {
		const run = this.#queue.then(async () => {
			const current = await this.#load();
			const next = this.#validate(await change(structuredClone(current.value)), 'the new value');
			await this.#write(next);
			this.#cache = { value: next, exists: true, stamp: this.#stamp() };
			return structuredClone(next);
		});
		this.#queue = run.catch(() => {});
		return run;
	}

	write(value: T): Promise<T> {
		return this.update(() => value);
	}

	/** Forgets the cached copy, so the next read sees edits made outside the app. */
	invalidate(): void {
		this.#cache = undefined;
	}

	async #load(): Promise<{ value: T; exists: boolean }> {
		// The file may be edited (or broken) by hand while the app runs: a changed stamp means
		// read it again, so a later write never clobbers that edit with a stale copy.
		const stamp = this.#stamp();
		if (this.#cache?.stamp === stamp) return this.#cache;
		if (stamp === 'missing') return { value: this.#options.defaults(), exists: false };
		let text: string;
		try {
			text = await readFile(this.file, 'utf8');
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT')
				return { value: this.#options.defaults(), exists: false };
			throw error;
		}
		let raw: unknown;
		try {
			raw = JSON.parse(text);
		} catch (error) {
			throw new CorruptFileError(this.file, `invalid JSON: ${(error as Error).message}`);
		}
		this.#cache = { value: this.#validate(raw, this.file), exists: true, stamp };
		return this.#cache;
	}

	/** Synchronous on purpose: it runs before every chat turn, and a stat of a small file in the
	 * page cache costs ~6 µs inline against ~55 µs through the thread pool. */
	#stamp(): string {
		// No exception for a file that does not exist (the usual case until the first change):
		// building one with its stack cost more than the stat.
		const stats = statSync(this.file, { throwIfNoEntry: false });
		return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : 'missing';
	}

	#validate(value: unknown, what: string): T {
		const parsed = this.#options.schema.safeParse(value);
		if (!parsed.success) {
			const issue = parsed.error.issues[0];
			const reason = `${issue.path.join('.') || 'root'}: ${issue.message}`;
			if (what === this.file) throw new CorruptFileError(this.file, reason);
			throw new AppError(400, 'invalid_settings', reason);
		}
		return parsed.data;
	}

	async #write(value: T): Promise<void> {
		const mode = this.#options.mode ?? 0o600;
		const dir = path.dirname(this.file);
		await mkdir(dir, { recursive: true, mode: 0o700 });
		const temp = path.join(
			dir,
			`.${path.basename(this.file)}.${randomBytes(6).toString('hex')}.tmp`
		);
		try {
			await writeFile(temp, JSON.stringify(value, null, 2) + '\n', { mode });
			await rename(temp, this.file);
		} catch (error) {
			await rm(temp, { force: true });
			throw error;
		}
	}
}

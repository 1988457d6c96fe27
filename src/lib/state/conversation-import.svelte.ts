import type { ImportResult } from '$lib/api';
import { importConversations } from '$lib/api/import-upload';

export type ImportPhase = 'idle' | 'uploading' | 'importing' | 'done' | 'failed';

/** One import of a conversations file from Settings: its progress, then its result or error. */
export class ConversationImport {
	#phase = $state<ImportPhase>('idle');
	#progress = $state(0);
	#fileName = $state('');
	#result = $state<ImportResult | null>(null);
	#error = $state<string | null>(null);

	constructor(
		/** Called after a successful import (the sidebar reloads its list). */
		private readonly onImported: (result: ImportResult) => unknown = () => {},
		private readonly send: typeof importConversations = importConversations
	) {}

	get phase() {
		return this.#phase;
	}
	get busy() {
		return this.#phase === 'uploading' || this.#phase === 'importing';
	}
	/** Share of the file sent, 0..1 (the server then imports it: `importing`). */
	get progress() {
		return this.#progress;
	}
	get fileName() {
		return this.#fileName;
	}
	get result() {
		return this.#result;
	}
	get error() {
		return this.#error;
	}

	async import(file: File): Promise<void> {
		if (this.busy) return;
		this.#fileName = file.name;
		this.#phase = 'uploading';
		this.#progress = 0;
		this.#result = null;
		this.#error = null;
		try {
			const result = await this.send(file, {
				onProgress: (fraction) => {
					this.#progress = fraction;
					if (fraction >= 1) this.#phase = 'importing';
				}
			});
			this.#result = result;
			this.#phase = 'done';
			await this.onImported(result);
		} catch (error) {
			this.#error = (error as Error).message;
			this.#phase = 'failed';
		}
	}

	reset(): void {
		this.#phase = 'idle';
		this.#progress = 0;
		this.#fileName = '';
		this.#result = null;
		this.#error = null;
	}
}

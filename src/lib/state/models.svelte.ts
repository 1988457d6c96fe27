import { modelList, type CatalogueModel } from '$lib/api';
import { api } from '$lib/api/client';

/** The model catalogue the picker offers (GET /api/models, cached on the server). */
export class ModelsState {
	#models = $state.raw<CatalogueModel[]>([]);
	#loading = $state(false);
	#loaded = $state(false);
	/** Why the list may be stale or short (the server's note, or our own request failing). */
	#error = $state<string | null>(null);
	#request: Promise<void> | null = null;

	get models() {
		return this.#models;
	}
	get loading() {
		return this.#loading;
	}
	get loaded() {
		return this.#loaded;
	}
	get error() {
		return this.#error;
	}

	find(id: string): CatalogueModel | undefined {
		return this.#models.find((model) => model.id === id);
	}

	/** Loads once; later calls reuse the result unless `force`. */
	load(force = false): Promise<void> {
		if (this.#loaded && !force) return Promise.resolve();
		return (this.#request ??= this.#fetch().finally(() => (this.#request = null)));
	}

	async #fetch(): Promise<void> {
		this.#loading = true;
		try {
			const list = await api('/api/models', modelList);
			this.#models = list.models;
			this.#error = list.error;
			this.#loaded = true;
		} catch (error) {
			this.#error = (error as Error).message;
		} finally {
			this.#loading = false;
		}
	}

	reset(): void {
		this.#models = [];
		this.#loaded = false;
		this.#error = null;
	}
}

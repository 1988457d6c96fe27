import {
	suggestion,
	suggestionList,
	type CreateSuggestionRequest,
	type Suggestion,
	type UpdateSuggestionRequest
} from '$lib/api';
import { api } from '$lib/api/client';

/** Prompt templates: chips on an empty chat, the composer's `/` menu, the /suggestions screen. */
export class SuggestionsState {
	#items = $state.raw<Suggestion[]>([]);
	#loaded = $state(false);
	#error = $state<string | null>(null);
	#request: Promise<void> | null = null;

	get items() {
		return this.#items;
	}
	get loaded() {
		return this.#loaded;
	}
	get error() {
		return this.#error;
	}

	load(force = false): Promise<void> {
		if (this.#loaded && !force) return Promise.resolve();
		return (this.#request ??= (async () => {
			try {
				this.#items = (await api('/api/suggestions', suggestionList)).suggestions;
				this.#error = null;
				this.#loaded = true;
			} catch (error) {
				this.#error = (error as Error).message;
			} finally {
				this.#request = null;
			}
		})());
	}

	async create(input: CreateSuggestionRequest): Promise<Suggestion> {
		const created = await api('/api/suggestions', suggestion, { method: 'POST', json: input });
		this.#items = [...this.#items, created];
		return created;
	}

	async update(id: string, patch: UpdateSuggestionRequest): Promise<Suggestion> {
		const updated = await api(`/api/suggestions/${encodeURIComponent(id)}`, suggestion, {
			method: 'PUT',
			json: patch
		});
		this.#items = this.#items.map((item) => (item.id === id ? updated : item));
		return updated;
	}

	async remove(id: string): Promise<void> {
		await api(`/api/suggestions/${encodeURIComponent(id)}`, null, { method: 'DELETE' });
		this.#items = this.#items.filter((item) => item.id !== id);
	}

	reset(): void {
		this.#items = [];
		this.#loaded = false;
		this.#error = null;
	}
}

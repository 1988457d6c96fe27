import { getContext, setContext } from 'svelte';
import type {
	CreateSuggestionRequest,
	Suggestion,
	SuggestionList,
	UpdateSuggestionRequest
} from '$lib/api';
import { api } from '$lib/api-client';

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
				this.#items = (await api<SuggestionList>('/api/suggestions')).suggestions;
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
		const created = await api<Suggestion>('/api/suggestions', { method: 'POST', json: input });
		this.#items = [...this.#items, created];
		return created;
	}

	async update(id: string, patch: UpdateSuggestionRequest): Promise<Suggestion> {
		const updated = await api<Suggestion>(`/api/suggestions/${encodeURIComponent(id)}`, {
			method: 'PUT',
			json: patch
		});
		this.#items = this.#items.map((item) => (item.id === id ? updated : item));
		return updated;
	}

	async remove(id: string): Promise<void> {
		await api<void>(`/api/suggestions/${encodeURIComponent(id)}`, { method: 'DELETE' });
		this.#items = this.#items.filter((item) => item.id !== id);
	}

	reset(): void {
		this.#items = [];
		this.#loaded = false;
		this.#error = null;
	}
}

const KEY = Symbol('suggestions');
export const setSuggestions = (state: SuggestionsState) => setContext(KEY, state);
export const getSuggestions = () => getContext<SuggestionsState>(KEY);

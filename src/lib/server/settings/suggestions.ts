import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import {
	suggestion,
	type CreateSuggestionRequest,
	type Suggestion,
	type UpdateSuggestionRequest
} from '$lib/api/suggestions';
import { notFound } from '../errors';
import { JsonStore } from './json-store';

/** Offered until the person saves their own list (the file is written on the first change). */
export const DEFAULT_SUGGESTIONS: Suggestion[] = [
	{
		id: 'summarize',
		title: 'Summarize a text',
		prompt:
			'Summarize the following text in five bullet points, keeping names and numbers exact:\n\n'
	},
	{
		id: 'explain-code',
		title: 'Explain code',
		prompt:
			'Explain what this code does, step by step, and point out any bugs or risky parts:\n\n```\n\n```'
	},
	{
		id: 'draft-email',
		title: 'Draft an email',
		prompt: 'Draft a short, friendly email to … about … . Keep it under 120 words.'
	},
	{
		id: 'translate',
		title: 'Translate',
		prompt: 'Translate the following into English, keeping the tone and formatting:\n\n'
	},
	{
		id: 'brainstorm',
		title: 'Brainstorm ideas',
		prompt: 'Give me ten varied ideas for … , one line each, then pick the best two and say why.'
	}
];

/** Saved prompt templates in `data/suggestions.json` (chips on an empty chat, `/` in the composer). */
export class SuggestionService {
	readonly #store: JsonStore<Suggestion[]>;

	constructor({ dataDir }: { dataDir: string }) {
		this.#store = new JsonStore({
			file: path.join(dataDir, 'suggestions.json'),
			schema: z.array(suggestion),
			defaults: () => structuredClone(DEFAULT_SUGGESTIONS)
		});
	}

	list(): Promise<Suggestion[]> {
		return this.#store.read();
	}

	async get(id: string): Promise<Suggestion> {
		return this.#find(await this.#store.read(), id);
	}

	async create(input: CreateSuggestionRequest): Promise<Suggestion> {
		const created: Suggestion = { id: randomUUID(), ...input };
		await this.#store.update((list) => [...list, created]);
		return created;
	}

	async update(id: string, patch: UpdateSuggestionRequest): Promise<Suggestion> {
		let updated: Suggestion | undefined;
		await this.#store.update((list) => {
			const current = this.#find(list, id);
			updated = {
				...current,
				...(patch.title !== undefined ? { title: patch.title } : {}),
				...(patch.prompt !== undefined ? { prompt: patch.prompt } : {})
			};
			return list.map((item) => (item === current ? updated! : item));
		});
		return updated!;
	}

	async delete(id: string): Promise<void> {
		await this.#store.update((list) => {
			const current = this.#find(list, id);
			return list.filter((item) => item !== current);
		});
	}

	#find(list: Suggestion[], id: string): Suggestion {
		const found = list.find((item) => item.id === id);
		if (!found) {
			const shown = id.length > 80 ? `${id.slice(0, 80)}…` : id;
			throw notFound(`No suggestion with id ${shown}.`, 'suggestion_not_found');
		}
		return found;
	}
}

import type { CatalogueModel, ModelList } from '$lib/api/models';
import type { Logger } from '../log';
import type { KnownModels } from './check';
import { DEMO_MODEL_ID } from '../openrouter/client';
import type { OpenRouterModel } from '../openrouter/types';

/** Always offered, so a first run without a key (or without OpenRouter) can still chat. */
export const DEMO_MODEL: CatalogueModel = {
	id: DEMO_MODEL_ID,
	name: 'Switchboard demo (offline)',
	context_length: null,
	pricing: { prompt: '0', completion: '0' },
	input_modalities: ['text'],
	supported_parameters: []
};

export interface ModelCatalogueOptions {
	source: { listModels(signal?: AbortSignal): Promise<OpenRouterModel[]> };
	log: Logger;
	/** How long a fetched catalogue is served before the next request refreshes it. */
	ttlMs?: number;
	/** After a failed refresh, how long to serve the old copy before asking OpenRouter again. */
	retryMs?: number;
	/** Bounds one catalogue fetch, far below the chat timeout: the picker waits on it. */
	fetchTimeoutMs?: number;
	now?: () => Date;
}

/** The OpenRouter model catalogue, cached; the last good copy outlives OpenRouter outages. */
export class ModelCatalogue implements KnownModels {
	readonly #options: Required<Omit<ModelCatalogueOptions, 'source' | 'log'>> &
		Pick<ModelCatalogueOptions, 'source' | 'log'>;
	#good: { models: CatalogueModel[]; ids: Set<string>; fetchedAt: Date } | undefined;
	#failure: { message: string; at: Date } | undefined;
	#inflight: Promise<void> | undefined;

	constructor(options: ModelCatalogueOptions) {
		this.#options = {
			...options,
			ttlMs: options.ttlMs ?? 10 * 60_000,
			retryMs: options.retryMs ?? 30_000,
			fetchTimeoutMs: options.fetchTimeoutMs ?? 15_000,
			now: options.now ?? (() => new Date())
		};
	}

	async list(): Promise<ModelList> {
		if (this.#due())
			await (this.#inflight ??= this.#refresh().finally(() => (this.#inflight = undefined)));
		const models = this.#good?.models ?? [];
		return {
			models: [DEMO_MODEL, ...models.filter((model) => model.id !== DEMO_MODEL_ID)],
			fetched_at: this.#good?.fetchedAt.toISOString() ?? null,
			error: this.#failure?.message ?? null
		};
	}

	/**
	 * The ids of the last good fetch, demo model included; undefined while none succeeded.
	 * Never fetches: checks of a chat or a setting must not wait on OpenRouter.
	 */
	knownIds(): ReadonlySet<string> | undefined {
		// An empty list is a broken answer, not a catalogue that refuses every model.
		return this.#good?.models.length ? this.#good.ids : undefined;
	}

	#due(): boolean {
		const now = this.#options.now().getTime();
		if (this.#failure && now - this.#failure.at.getTime() < this.#options.retryMs) return false;
		return !this.#good || now - this.#good.fetchedAt.getTime() >= this.#options.ttlMs;
	}

	async #refresh(): Promise<void> {
		try {
			const models = await this.#options.source.listModels(
				AbortSignal.timeout(this.#options.fetchTimeoutMs)
			);
			const kept = models.map(
				({ id, name, context_length, pricing, input_modalities, supported_parameters }) => ({
					id,
					name,
					context_length,
					pricing,
					input_modalities,
					supported_parameters
				})
			);
			this.#good = {
				models: kept,
				ids: new Set([DEMO_MODEL_ID, ...kept.map((model) => model.id)]),
				fetchedAt: this.#options.now()
			};
			this.#failure = undefined;
		} catch (error) {
			const message = `Could not load the model list from OpenRouter: ${(error as Error).message}`;
			this.#failure = { message, at: this.#options.now() };
			this.#options.log.warn('model catalogue refresh failed', {
				error: (error as Error).message,
				cached: Boolean(this.#good)
			});
		}
	}
}

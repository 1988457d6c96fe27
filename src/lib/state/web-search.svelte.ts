import { renamedSession, type SessionPatchRequest } from '$lib/api';
import { api } from '$lib/api/client';

/**
 * The composer's Web search toggle for the open conversation: saved on the conversation as it
 * is switched (PATCH), and sent with every question, so a new chat starts with it.
 */
export class WebSearchToggle {
	#on = $state(false);
	#saving = $state(false);
	#error = $state<string | null>(null);
	readonly #sessionId: () => string | null;

	constructor(sessionId: () => string | null) {
		this.#sessionId = sessionId;
	}

	get on() {
		return this.#on;
	}
	get saving() {
		return this.#saving;
	}
	/** Saving the change failed (the toggle went back). */
	get error() {
		return this.#error;
	}

	/** The setting of a conversation just opened, or a new chat's default (a project's, say). */
	load(on: boolean | undefined): void {
		this.#on = on ?? false;
		this.#error = null;
	}

	async set(on: boolean): Promise<void> {
		const before = this.#on;
		this.#on = on;
		this.#error = null;
		const sessionId = this.#sessionId();
		if (!sessionId) return;
		this.#saving = true;
		try {
			await api(`/api/sessions/${encodeURIComponent(sessionId)}`, renamedSession, {
				method: 'PATCH',
				json: { web_search: on } satisfies SessionPatchRequest
			});
		} catch (error) {
			if (this.#sessionId() === sessionId) {
				this.#on = before;
				this.#error = `Could not change web search: ${(error as Error).message}`;
			}
		} finally {
			this.#saving = false;
		}
	}
}

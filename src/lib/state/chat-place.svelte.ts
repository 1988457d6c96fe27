import { renamedSession, type ChatRequest, type SessionDetail } from '$lib/api';
import { api } from '$lib/api/client';

/**
 * Where the open chat sits and what it runs on (its project, its own model, temporary or not),
 * and what a new chat will start as (in a project, temporary).
 */
export class ChatPlace {
	/** The open chat; null on a new chat. */
	#sessionId = $state<string | null>(null);
	#projectId = $state<string | null>(null);
	#modelId = $state<string | null>(null);
	#temporary = $state(false);
	/** A new chat starts in this project (`/?project=<id>`). */
	newProjectId = $state<string | null>(null);
	/** A new chat starts as a temporary one. */
	newTemporary = $state(false);
	/** The message list's item to bring into view and mark (a search hit). */
	highlighted = $state<string | null>(null);

	get sessionId() {
		return this.#sessionId;
	}
	get projectId() {
		return this.#sessionId ? this.#projectId : this.newProjectId;
	}
	/** The chat's own model ("Use only in this chat"); null follows the project's or the active one. */
	get modelId() {
		return this.#sessionId ? this.#modelId : null;
	}
	get temporary() {
		return this.#sessionId ? this.#temporary : this.newTemporary;
	}

	open(detail: SessionDetail): void {
		if (detail.session_id === this.#sessionId) return;
		this.highlighted = null;
		this.#sessionId = detail.session_id;
		this.#projectId = detail.project_id ?? null;
		this.#modelId = detail.model_id ?? null;
		this.#temporary = detail.temporary ?? false;
	}

	/** The fields of `POST /api/chat` that start a new conversation where it belongs. */
	newConversation(): Pick<ChatRequest, 'project_id' | 'temporary'> {
		return {
			...(this.newProjectId ? { project_id: this.newProjectId } : {}),
			...(this.newTemporary ? { temporary: true } : {})
		};
	}

	/** The new chat got its id: it is the open chat now, as it was started. */
	started(sessionId: string): void {
		this.#sessionId = sessionId;
		this.#projectId = this.newProjectId;
		this.#modelId = null;
		this.#temporary = this.newTemporary;
		this.newProjectId = null;
		this.newTemporary = false;
	}

	/** A new chat (`/`, or `/?project=<id>`). */
	startNew(projectId: string | null = null): void {
		this.highlighted = null;
		this.#sessionId = null;
		this.#projectId = null;
		this.#modelId = null;
		this.#temporary = false;
		this.newProjectId = projectId;
		this.newTemporary = false;
	}

	/** Pins the open chat to a model of its own, or (null) lets it follow again. */
	async setModel(modelId: string | null): Promise<void> {
		const sessionId = this.#sessionId;
		if (!sessionId) return;
		const updated = await api(`/api/sessions/${encodeURIComponent(sessionId)}`, renamedSession, {
			method: 'PATCH',
			json: { model_id: modelId }
		});
		if (this.#sessionId === sessionId) this.#modelId = updated.model_id;
	}

	/** The open chat moved (from the sidebar). */
	moved(sessionId: string, projectId: string | null): void {
		if (sessionId === this.#sessionId) this.#projectId = projectId;
	}
}

import {
	renamedSession,
	sessionList,
	type RenameSessionRequest,
	type SessionSummary
} from '$lib/api';
import { api } from '$lib/api/client';

const PAGE = 50;

/** The sidebar's conversation list: paged, searchable, renamable. */
export class SessionsState {
	#sessions = $state.raw<SessionSummary[]>([]);
	#nextCursor = $state<string | null>(null);
	#query = $state('');
	#loading = $state(false);
	#error = $state<string | null>(null);
	#loaded = $state(false);
	#request = 0;

	get sessions() {
		return this.#sessions;
	}
	get query() {
		return this.#query;
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
	get hasMore() {
		return this.#nextCursor !== null;
	}

	/** Reloads the first page for the current query. */
	async refresh(): Promise<void> {
		const request = ++this.#request;
		this.#loading = true;
		try {
			const params = new URLSearchParams({ limit: String(PAGE) });
			if (this.#query) params.set('q', this.#query);
			const page = await api(`/api/sessions?${params}`, sessionList);
			if (request !== this.#request) return; // an older search finished after a newer one
			this.#sessions = page.sessions;
			this.#nextCursor = page.next_cursor;
			this.#error = null;
			this.#loaded = true;
		} catch (error) {
			if (request === this.#request) this.#error = (error as Error).message;
		} finally {
			if (request === this.#request) this.#loading = false;
		}
	}

	async loadMore(): Promise<void> {
		if (!this.#nextCursor || this.#loading) return;
		const request = this.#request;
		this.#loading = true;
		try {
			const params = new URLSearchParams({ limit: String(PAGE), cursor: this.#nextCursor });
			if (this.#query) params.set('q', this.#query);
			const page = await api(`/api/sessions?${params}`, sessionList);
			if (request !== this.#request) return;
			const known = new Set(this.#sessions.map((s) => s.session_id));
			this.#sessions = [
				...this.#sessions,
				...page.sessions.filter((s) => !known.has(s.session_id))
			];
			this.#nextCursor = page.next_cursor;
		} catch (error) {
			this.#error = (error as Error).message;
		} finally {
			this.#loading = false;
		}
	}

	search(query: string): Promise<void> {
		this.#query = query.trim();
		return this.refresh();
	}

	async rename(sessionId: string, title: string): Promise<void> {
		const updated = await api(`/api/sessions/${sessionId}`, renamedSession, {
			method: 'PATCH',
			json: { title } satisfies RenameSessionRequest
		});
		this.#sessions = this.#sessions.map((s) =>
			s.session_id === sessionId ? { ...s, title: updated.title } : s
		);
	}

	async remove(sessionId: string): Promise<void> {
		await api(`/api/sessions/${sessionId}`, null, { method: 'DELETE' });
		this.#sessions = this.#sessions.filter((s) => s.session_id !== sessionId);
	}

	/** Shows a conversation at the top right away (before the list is refetched). */
	upsert(summary: SessionSummary): void {
		if (this.#query) return;
		this.#sessions = [
			summary,
			...this.#sessions.filter((s) => s.session_id !== summary.session_id)
		];
	}

	reset(): void {
		this.#sessions = [];
		this.#nextCursor = null;
		this.#query = '';
		this.#error = null;
		this.#loaded = false;
	}
}

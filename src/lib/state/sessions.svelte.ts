import {
	renamedSession,
	sessionList,
	type RenameSessionRequest,
	type SessionPatchRequest,
	type SessionSummary
} from '$lib/api';
import { api } from '$lib/api/client';

const PAGE = 50;

/** Pinned chats first (newest pin first), the others after them in the order they had. */
const pinnedFirst = (sessions: SessionSummary[]) => [
	...sessions.filter((s) => s.pinned),
	...sessions.filter((s) => !s.pinned)
];

/** The sidebar's conversation list: paged, searchable, renamable. */
export class SessionsState {
	#sessions = $state.raw<SessionSummary[]>([]);
	#nextCursor = $state<string | null>(null);
	#query = $state('');
	#loading = $state(false);
	#error = $state<string | null>(null);
	#loaded = $state(false);
	#request = 0;
	/** Projects whose chats were added to the list (loadProject): added again on each refresh. */
	#projects = new Set<string>();

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
		if (request === this.#request && !this.#query)
			await Promise.all([...this.#projects].map((id) => this.loadProject(id)));
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

	/** Pins, moves or sets the model of a chat; the list shows the change (pinned ones first). */
	async update(sessionId: string, patch: SessionPatchRequest): Promise<SessionSummary | undefined> {
		const updated = await api(`/api/sessions/${encodeURIComponent(sessionId)}`, renamedSession, {
			method: 'PATCH',
			json: patch
		});
		let changed: SessionSummary | undefined;
		this.#sessions = this.#sessions.map((s) =>
			s.session_id === sessionId ? (changed = { ...s, ...updated, match: s.match }) : s
		);
		if (patch.pinned !== undefined) this.#sessions = pinnedFirst(this.#sessions);
		return changed;
	}

	/**
	 * Adds a project's chats to the list (its section shows them all, also those older than the
	 * pages loaded so far).
	 */
	async loadProject(projectId: string): Promise<void> {
		this.#projects.add(projectId);
		if (this.#query) return;
		const params = new URLSearchParams({ limit: '200', project_id: projectId });
		try {
			const page = await api(`/api/sessions?${params}`, sessionList);
			const known = new Set(this.#sessions.map((s) => s.session_id));
			const added = page.sessions.filter((s) => !known.has(s.session_id));
			if (added.length) this.#sessions = [...this.#sessions, ...added];
		} catch (error) {
			this.#error = (error as Error).message;
		}
	}

	async remove(sessionId: string): Promise<void> {
		await api(`/api/sessions/${sessionId}`, null, { method: 'DELETE' });
		this.#sessions = this.#sessions.filter((s) => s.session_id !== sessionId);
	}

	/** Shows a conversation at the top right away (before the list is refetched). */
	upsert(summary: SessionSummary): void {
		if (this.#query) return;
		this.#sessions = pinnedFirst([
			summary,
			...this.#sessions.filter((s) => s.session_id !== summary.session_id)
		]);
	}

	reset(): void {
		this.#projects.clear();
		this.#sessions = [];
		this.#nextCursor = null;
		this.#query = '';
		this.#error = null;
		this.#loaded = false;
	}
}

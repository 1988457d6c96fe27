import {
	project,
	projectList,
	type CreateProjectRequest,
	type Project,
	type UpdateProjectRequest
} from '$lib/api';
import { api } from '$lib/api/client';

/** The sidebar's projects: listed, created, edited, deleted; which are collapsed. */
export class ProjectsState {
	#projects = $state.raw<Project[]>([]);
	#loaded = $state(false);
	#error = $state<string | null>(null);
	/** Project ids whose section is folded (kept in this browser). */
	#collapsed = $state<string[]>([]);

	get projects() {
		return this.#projects;
	}
	get loaded() {
		return this.#loaded;
	}
	get error() {
		return this.#error;
	}

	byId(projectId: string | null | undefined): Project | undefined {
		return projectId ? this.#projects.find((p) => p.project_id === projectId) : undefined;
	}

	async load(): Promise<void> {
		try {
			this.#projects = (await api('/api/projects', projectList)).projects;
			this.#error = null;
			this.#loaded = true;
		} catch (error) {
			this.#error = (error as Error).message;
		}
		if (typeof localStorage !== 'undefined') {
			try {
				const saved = JSON.parse(localStorage.getItem('switchboard.collapsed-projects') ?? '[]');
				if (Array.isArray(saved)) this.#collapsed = saved.filter((id) => typeof id === 'string');
			} catch {
				// a hand-edited value: every section open
			}
		}
	}

	async create(body: CreateProjectRequest): Promise<Project> {
		const created = await api('/api/projects', project, { method: 'POST', json: body });
		this.#projects = [...this.#projects, created].sort((a, b) => a.name.localeCompare(b.name));
		return created;
	}

	async update(projectId: string, body: UpdateProjectRequest): Promise<Project> {
		const updated = await api(`/api/projects/${encodeURIComponent(projectId)}`, project, {
			method: 'PUT',
			json: body
		});
		this.#projects = this.#projects
			.map((p) => (p.project_id === projectId ? updated : p))
			.sort((a, b) => a.name.localeCompare(b.name));
		return updated;
	}

	async remove(projectId: string, deleteChats = false): Promise<void> {
		await api(
			`/api/projects/${encodeURIComponent(projectId)}${deleteChats ? '?delete_chats=true' : ''}`,
			null,
			{ method: 'DELETE' }
		);
		this.#projects = this.#projects.filter((p) => p.project_id !== projectId);
	}

	/** A chat moved in or out: the counts shown change by one. */
	countMove(from: string | null, to: string | null): void {
		if (from === to) return;
		this.#projects = this.#projects.map((p) =>
			p.project_id === from
				? { ...p, session_count: Math.max(0, p.session_count - 1) }
				: p.project_id === to
					? { ...p, session_count: p.session_count + 1 }
					: p
		);
	}

	isCollapsed(projectId: string): boolean {
		return this.#collapsed.includes(projectId);
	}

	toggle(projectId: string): void {
		this.#collapsed = this.isCollapsed(projectId)
			? this.#collapsed.filter((id) => id !== projectId)
			: [...this.#collapsed, projectId];
		try {
			localStorage.setItem('switchboard.collapsed-projects', JSON.stringify(this.#collapsed));
		} catch {
			// storage full or blocked: folding still works for this visit
		}
	}

	reset(): void {
		this.#projects = [];
		this.#loaded = false;
		this.#error = null;
		this.#collapsed = [];
	}
}

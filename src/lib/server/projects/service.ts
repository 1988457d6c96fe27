import { randomUUID } from 'node:crypto';
import type {
	CreateProjectRequest,
	DeleteProjectQuery,
	Project,
	ProjectList,
	UpdateProjectRequest
} from '$lib/api';
import { projectId as projectIdSchema } from '$lib/api/projects';
import type { ProjectRow } from '../db/schema';
import { badRequest, conflict, notFound } from '../errors';
import { checkModelId, type KnownModels } from '../models/check';
import type { ProjectRepository, ProjectWithCount } from './repository';

export interface ProjectServiceDeps {
	projects: ProjectRepository;
	/** Deletes a conversation as DELETE /api/sessions/{id} does (its reply stopped, its files). */
	deleteSession: (sessionId: string) => Promise<void>;
	models?: KnownModels;
	now?: () => Date;
}

const toApi = (row: ProjectWithCount): Project => ({
	project_id: row.projectId,
	name: row.name,
	description: row.description,
	system_prompt: row.systemPrompt,
	model_id: row.modelId,
	web_search: row.webSearch,
	session_count: row.sessionCount,
	created_at: row.createdAt,
	updated_at: row.updatedAt
});

/** The sidebar lists every project: more than this would not be a list anyone reads. */
export const MAX_PROJECTS = 500;

const noProject = (id: string) => notFound(`No project with id ${id}.`, 'project_not_found');

/** An empty prompt is no prompt: the global one applies then. */
const promptOrNull = (prompt: string | null | undefined) => (prompt?.trim() ? prompt : null);

/** The projects API in wire shapes. */
export class ProjectService {
	readonly #deps: ProjectServiceDeps;
	readonly #now: () => Date;

	constructor(deps: ProjectServiceDeps) {
		this.#deps = deps;
		this.#now = deps.now ?? (() => new Date());
	}

	list(): ProjectList {
		return { projects: this.#deps.projects.list().map(toApi) };
	}

	get(projectId: string): Project {
		const row = this.#find(projectId);
		if (!row) throw noProject(projectId);
		return toApi(row);
	}

	create(body: CreateProjectRequest): Project {
		if (this.#deps.projects.count() >= MAX_PROJECTS)
			throw conflict(
				`There are ${MAX_PROJECTS} projects already, the most there can be; delete one first.`,
				'too_many_projects'
			);
		const now = this.#now().toISOString();
		const row: ProjectRow = {
			projectId: randomUUID(),
			name: body.name,
			description: body.description ?? '',
			systemPrompt: promptOrNull(body.system_prompt),
			modelId: body.model_id ? this.#model(body.model_id) : null,
			webSearch: body.web_search ?? false,
			createdAt: now,
			updatedAt: now
		};
		this.#deps.projects.insert(row);
		return toApi({ ...row, sessionCount: 0 });
	}

	update(projectId: string, body: UpdateProjectRequest): Project {
		if (!this.#find(projectId)) throw noProject(projectId);
		this.#deps.projects.update(projectId, {
			...(body.name !== undefined ? { name: body.name } : {}),
			...(body.description !== undefined ? { description: body.description } : {}),
			...(body.system_prompt !== undefined
				? { systemPrompt: promptOrNull(body.system_prompt) }
				: {}),
			...(body.model_id !== undefined
				? { modelId: body.model_id ? this.#model(body.model_id) : null }
				: {}),
			...(body.web_search !== undefined ? { webSearch: body.web_search } : {}),
			updatedAt: this.#now().toISOString()
		});
		return this.get(projectId);
	}

	/** Deletes the project; its chats move out of it, or go with it (`delete_chats=true`). */
	async delete(projectId: string, query: DeleteProjectQuery = {}): Promise<void> {
		if (!this.#find(projectId)) throw noProject(projectId);
		if (query.delete_chats === 'true')
			for (const sessionId of this.#deps.projects.sessionIds(projectId))
				await this.#deps.deleteSession(sessionId);
		this.#deps.projects.delete(projectId);
	}

	/** Ids that are not UUIDs name no project: 404 as for any other unknown id. */
	#find(projectId: string) {
		return projectIdSchema.safeParse(projectId).success
			? this.#deps.projects.get(projectId)
			: undefined;
	}

	#model(modelId: string) {
		return checkModelId(modelId, this.#deps.models);
	}
}

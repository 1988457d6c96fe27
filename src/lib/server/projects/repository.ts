import { and, asc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversations, projects, type ConversationRow, type ProjectRow } from '../db/schema';

export interface ProjectWithCount extends ProjectRow {
	sessionCount: number;
}

/** What PATCH /api/sessions/{id} may change of a conversation's place and model. */
export interface ConversationPlacement {
	projectId?: string | null;
	/** The time it was pinned, or null to unpin. */
	pinnedAt?: string | null;
	modelId?: string | null;
}

/** Projects, and the columns of a conversation that say where it sits and what it runs on. */
export class ProjectRepository {
	/** A chat turn reads its project: prepared once (drizzle's builder costs more than the query). */
	readonly #row;

	constructor(private readonly db: Db) {
		this.#row = db
			.select()
			.from(projects)
			.where(eq(projects.projectId, sql.placeholder('projectId')))
			.prepare();
	}

	/** The project's row, without its count. */
	find(projectId: string): ProjectRow | undefined {
		return this.#row.get({ projectId });
	}

	#withCount() {
		return this.db
			.select({
				projectId: projects.projectId,
				name: projects.name,
				description: projects.description,
				systemPrompt: projects.systemPrompt,
				modelId: projects.modelId,
				webSearch: projects.webSearch,
				createdAt: projects.createdAt,
				updatedAt: projects.updatedAt,
				// Temporary chats are nobody's to see, so they are not counted either.
				sessionCount: sql<number>`(select count(*) from "conversations" c where c."project_id" = "projects"."project_id" and c."temporary" = 0)`
			})
			.from(projects);
	}

	list(): ProjectWithCount[] {
		return this.#withCount().orderBy(asc(projects.name), asc(projects.createdAt)).all();
	}

	get(projectId: string): ProjectWithCount | undefined {
		return this.#withCount().where(eq(projects.projectId, projectId)).get();
	}

	count(): number {
		return (
			this.db
				.select({ n: sql<number>`count(*)` })
				.from(projects)
				.get()?.n ?? 0
		);
	}

	exists(projectId: string): boolean {
		return (
			this.db
				.select({ id: projects.projectId })
				.from(projects)
				.where(eq(projects.projectId, projectId))
				.get() !== undefined
		);
	}

	insert(row: ProjectRow): void {
		this.db.insert(projects).values(row).run();
	}

	update(projectId: string, patch: Partial<Omit<ProjectRow, 'projectId' | 'createdAt'>>): boolean {
		return (
			this.db.update(projects).set(patch).where(eq(projects.projectId, projectId)).run().changes > 0
		);
	}

	/** Ids of the project's conversations (temporary ones too). */
	sessionIds(projectId: string): string[] {
		return this.db
			.select({ id: conversations.sessionId })
			.from(conversations)
			.where(eq(conversations.projectId, projectId))
			.all()
			.map((row) => row.id);
	}

	/** Deletes the project; its remaining chats move out of it (the foreign key sets null). */
	delete(projectId: string): number {
		return this.db.transaction(() => {
			const moved = this.db
				.update(conversations)
				.set({ projectId: null })
				.where(eq(conversations.projectId, projectId))
				.run().changes;
			this.db.delete(projects).where(eq(projects.projectId, projectId)).run();
			return moved;
		});
	}

	/** Changes where a conversation sits and its model; undefined when there is no such one. */
	place(sessionId: string, placement: ConversationPlacement): ConversationRow | undefined {
		const set = Object.fromEntries(
			Object.entries(placement).filter(([, value]) => value !== undefined)
		) as ConversationPlacement;
		if (Object.keys(set).length === 0)
			return this.db
				.select()
				.from(conversations)
				.where(eq(conversations.sessionId, sessionId))
				.get();
		return this.db
			.update(conversations)
			.set(set)
			.where(eq(conversations.sessionId, sessionId))
			.returning()
			.get();
	}

	/** Temporary conversations whose last message is older than `before` (all with no bound). */
	temporaryIds(before?: string): string[] {
		return this.db
			.select({ id: conversations.sessionId })
			.from(conversations)
			.where(
				and(
					eq(conversations.temporary, true),
					before ? lt(conversations.updatedAt, before) : undefined
				)
			)
			.all()
			.map((row) => row.id);
	}
}

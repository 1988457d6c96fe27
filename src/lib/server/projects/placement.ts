import type { SessionPatchRequest } from '$lib/api';
import type { SessionPlacement } from '../chat/sessions';
import { badRequest } from '../errors';
import { checkModelId, type KnownModels } from '../models/check';
import type { ConversationPlacement, ProjectRepository } from './repository';

/** A chat's project, pin and own model, as PATCH /api/sessions/{id} changes them. */
export class Placement implements SessionPlacement {
	readonly #now: () => Date;

	constructor(
		private readonly projects: ProjectRepository,
		private readonly models?: KnownModels,
		now?: () => Date
	) {
		this.#now = now ?? (() => new Date());
	}

	check(patch: SessionPatchRequest): ConversationPlacement {
		if (patch.project_id && !this.projects.exists(patch.project_id))
			throw badRequest(`project_id: no project with id ${patch.project_id}`, 'unknown_project');
		return {
			projectId: patch.project_id,
			modelId:
				patch.model_id === undefined || patch.model_id === null
					? patch.model_id
					: checkModelId(patch.model_id, this.models),
			pinnedAt:
				patch.pinned === undefined ? undefined : patch.pinned ? this.#now().toISOString() : null
		};
	}

	place(sessionId: string, placement: ConversationPlacement) {
		return this.projects.place(sessionId, placement);
	}
}

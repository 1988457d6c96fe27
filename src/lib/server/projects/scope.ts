import { badRequest } from '../errors';
import type { ChatRepository, NewConversationFields } from '../chat/repository';
import type { ModelSettings } from '../settings/model-settings';
import type { ProjectRepository } from './repository';

/** Where a turn runs: an existing conversation, or a new one (in a project, or temporary). */
export interface TurnPlace {
	sessionId?: string;
	projectId?: string;
	temporary?: boolean;
}

/**
 * What a chat runs on. Its model: the one asked for in the request, else the chat's own, else
 * its project's, else the active model. Its system prompt: the project's when it has one, else
 * the global one.
 */
export class ChatScope {
	constructor(
		private readonly repo: Pick<ChatRepository, 'getConversation'>,
		private readonly projects: Pick<ProjectRepository, 'find'>
	) {}

	/** The active setup with the chat's and its project's choices applied; 400 for a bad place. */
	apply(active: ModelSettings, place: TurnPlace): ModelSettings {
		if (place.sessionId && place.projectId)
			throw badRequest('project_id: only for a new conversation (move a chat with PATCH)');
		if (place.sessionId && place.temporary)
			throw badRequest('temporary: only for a new conversation');
		if (place.projectId && !this.projects.find(place.projectId))
			throw badRequest(`project_id: no project with id ${place.projectId}`, 'unknown_project');
		const conversation = place.sessionId ? this.repo.getConversation(place.sessionId) : undefined;
		const projectId = conversation ? conversation.projectId : place.projectId;
		const project = projectId ? this.projects.find(projectId) : undefined;
		const modelId = conversation?.modelId ?? project?.modelId ?? null;
		return {
			...active,
			modelId: modelId ?? active.modelId,
			systemPrompt: project?.systemPrompt ?? active.systemPrompt
		};
	}

	/** The fields a new conversation starts with. */
	newConversation(place: TurnPlace): NewConversationFields {
		const project = place.projectId ? this.projects.find(place.projectId) : undefined;
		return {
			projectId: project?.projectId ?? null,
			temporary: place.temporary ?? false,
			webSearch: project?.webSearch ?? false
		};
	}
}

import { z } from 'zod';
import { modelId, systemPromptText } from './settings';

/** Project ids are ours (UUIDs); anything else names no project. */
export const projectId = z.string().uuid('is not a project id');

/** Shown in the sidebar as a section heading: one line of text. */
export const projectName = z
	.string()
	.trim()
	.min(1, 'must not be empty')
	.max(100, 'is longer than 100 characters')
	.refine((name) => !/[\u0000-\u001f\u007f]/.test(name), 'must not contain control characters')
	.refine((name) => !/[\ud800-\udfff]/u.test(name), 'must be well-formed Unicode text');

export const projectDescription = z
	.string()
	.trim()
	.max(2000, 'is longer than 2000 characters')
	.refine(
		(text) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(text),
		'must not contain control characters'
	);

export const project = z.object({
	project_id: z.string(),
	name: z.string(),
	description: z.string(),
	/** Replaces the global system prompt in the project's chats; null: the global one applies. */
	system_prompt: z.string().nullable(),
	/** The project's chats use it unless a chat has its own; null: the active model. */
	model_id: z.string().nullable(),
	/** New chats of the project start with web search on. */
	web_search: z.boolean(),
	session_count: z.number(),
	created_at: z.string(),
	updated_at: z.string()
});
export type Project = z.infer<typeof project>;

export const projectList = z.object({ projects: z.array(project) });
export type ProjectList = z.infer<typeof projectList>;

/** `POST /api/projects`. An empty system prompt is stored as none (null). */
export const createProjectRequest = z
	.object({
		name: projectName,
		description: projectDescription.optional(),
		system_prompt: systemPromptText.nullable().optional(),
		model_id: modelId.nullable().optional(),
		web_search: z.boolean().optional()
	})
	.strict();
export type CreateProjectRequest = z.infer<typeof createProjectRequest>;

/** `PUT /api/projects/{id}`: the fields given change, the others stay. */
export const updateProjectRequest = createProjectRequest
	.partial()
	.refine((body) => Object.keys(body).length > 0, 'nothing to change: give at least one field');
export type UpdateProjectRequest = z.infer<typeof updateProjectRequest>;

/** `DELETE /api/projects/{id}?delete_chats=true` deletes its chats too; else they move out. */
export const deleteProjectQuery = z.object({
	delete_chats: z.enum(['true', 'false'], 'must be true or false').optional()
});
export type DeleteProjectQuery = z.infer<typeof deleteProjectQuery>;

import { badRequest } from '../errors';
import type { ContentPart } from '../openrouter/types';
import type { MessageAttachment } from '$lib/api';
import type { ToolFile } from './tools';

export interface StoredToolFiles {
	lines: string[];
	attachments: MessageAttachment[];
}

/** What the chat needs from the attachment service (issue "Attachments" fills it in). */
export interface ChatAttachments {
	/** Checks the ids exist and the model can take them; throws an AppError (4xx) otherwise. */
	validate(ids: string[], modelId: string): Promise<void>;
	/** Links attachments to the message that carries them and marks them used. */
	link(messageId: number, sessionId: string, ids: string[]): void;
	/** The upstream content parts for a message's attachments (marks them used). */
	partsFor(messageId: number): Promise<ContentPart[]>;
	/**
	 * Stores files a tool returned: a line per file for the model (name and URL, or why it was not
	 * kept) and the stored attachments, to link to the tool message and show in the chat.
	 */
	storeToolFiles(sessionId: string, files: ToolFile[]): Promise<StoredToolFiles>;
}

export const noAttachments: ChatAttachments = {
	validate: async (ids) => {
		if (ids.length) {
			throw badRequest('Attachments are not available on this server.', 'attachments_unavailable');
		}
	},
	link: () => {},
	partsFor: async () => [],
	storeToolFiles: async () => ({ lines: [], attachments: [] })
};

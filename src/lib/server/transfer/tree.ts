import type { ExportedMessage } from '$lib/api';

/** A message about to be imported; `key`/`parentKey` are the file's ids, not ours yet. */
export interface ImportMessage {
	key: string;
	parentKey: string | null;
	role: ExportedMessage['role'];
	content: string;
	reasoning: string | null;
	toolCalls: ExportedMessage['tool_calls'];
	toolCallId: string | null;
	modelId: string | null;
	usage: ExportedMessage['usage'];
	finishReason: string | null;
	error: ExportedMessage['error'];
	citations: ExportedMessage['citations'];
	resources: ExportedMessage['resources'];
	attachmentIds: string[];
	createdAt: string;
}

/** A conversation checked and ready to write, its messages parents first. */
export interface ImportConversation {
	/** How errors name it: `Conversation 3 ("Trip to Rome")`. */
	label: string;
	sessionId: string;
	title: string;
	createdAt: string;
	updatedAt: string;
	currentLeafKey: string | null;
	modelId: string | null;
	projectId: string | null;
	pinnedAt: string | null;
	disabledServers: string[] | null;
	webSearch: boolean;
	messages: ImportMessage[];
}

export const emptyMessage = (
	fields: Pick<ImportMessage, 'key' | 'parentKey' | 'role' | 'content' | 'createdAt'>
): ImportMessage => ({
	reasoning: null,
	toolCalls: null,
	toolCallId: null,
	modelId: null,
	usage: null,
	finishReason: null,
	error: null,
	citations: null,
	resources: null,
	attachmentIds: [],
	...fields
});

/**
 * The messages ordered so that every parent comes before its children (breadth first from the
 * roots, siblings in file order). Returns a problem instead when a key repeats, a parent is not
 * in the conversation, or parents form a cycle (those messages are reachable from no root).
 * Linear in the number of messages, whatever the shape.
 */
export function orderTree(messages: ImportMessage[]): ImportMessage[] | string {
	const byKey = new Map<string, ImportMessage>();
	for (const message of messages) {
		if (byKey.has(message.key)) return `message id ${message.key} appears twice`;
		byKey.set(message.key, message);
	}
	const children = new Map<string, ImportMessage[]>();
	const ordered: ImportMessage[] = [];
	for (const message of messages) {
		if (message.parentKey === null) {
			ordered.push(message);
			continue;
		}
		if (!byKey.has(message.parentKey))
			return `message ${message.key}: its parent ${message.parentKey} is not in the conversation`;
		const list = children.get(message.parentKey);
		if (list) list.push(message);
		else children.set(message.parentKey, [message]);
	}
	for (let i = 0; i < ordered.length; i++)
		for (const child of children.get(ordered[i].key) ?? []) ordered.push(child);
	if (ordered.length < messages.length) {
		const placed = new Set(ordered.map((message) => message.key));
		const stuck = messages.find((message) => !placed.has(message.key))!;
		return `message ${stuck.key}: its parents form a cycle`;
	}
	return ordered;
}

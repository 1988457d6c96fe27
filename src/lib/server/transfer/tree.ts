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
 * The messages ordered so that every parent comes before its children, otherwise in the order
 * given (a file that is already in that order, as ours are, keeps it exactly). Returns a problem
 * instead when a key repeats, a parent is not in the conversation, or parents form a cycle
 * (those messages are never reached). Linear in the number of messages, whatever the shape.
 */
export function orderTree(messages: ImportMessage[]): ImportMessage[] | string {
	const byKey = new Map<string, ImportMessage>();
	for (const message of messages) {
		if (byKey.has(message.key)) return `message id ${message.key} appears twice`;
		byKey.set(message.key, message);
	}
	const placed = new Set<string>();
	const waiting = new Map<string, ImportMessage[]>();
	const ordered: ImportMessage[] = [];
	const place = (message: ImportMessage) => {
		// Iterative: a chain of 100,000 messages waiting on each other must not blow the stack.
		const stack = [message];
		while (stack.length) {
			const next = stack.pop()!;
			ordered.push(next);
			placed.add(next.key);
			const children = waiting.get(next.key);
			if (children) {
				waiting.delete(next.key);
				for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
			}
		}
	};
	for (const message of messages) {
		const parent = message.parentKey;
		if (parent === null || placed.has(parent)) {
			place(message);
			continue;
		}
		if (!byKey.has(parent))
			return `message ${message.key}: its parent ${parent} is not in the conversation`;
		const list = waiting.get(parent);
		if (list) list.push(message);
		else waiting.set(parent, [message]);
	}
	if (ordered.length < messages.length) {
		const stuck = messages.find((message) => !placed.has(message.key))!;
		return `message ${stuck.key}: its parents form a cycle`;
	}
	return ordered;
}

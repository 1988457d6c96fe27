import type { z } from 'zod';
import {
	CONVERSATION_FORMAT,
	CONVERSATIONS_FORMAT,
	EXPORT_VERSION,
	exportedConversation,
	type ExportedConversation
} from '$lib/api';
import { badRequest } from '../errors';
import { fromChatgpt } from './chatgpt';
import { orderTree, type ImportConversation } from './tree';

/** More than this many messages in one file is refused before anything is converted. */
export const MAX_IMPORT_MESSAGES = 500_000;

const invalid = (message: string) => badRequest(message, 'invalid_import_file');

const isObject = (value: unknown): value is Record<string, unknown> =>
	typeof value === 'object' && value !== null && !Array.isArray(value);

function label(index: number | null, title: unknown): string {
	const name =
		typeof title === 'string' && title.trim()
			? ` ("${title.replace(/\s+/g, ' ').trim().slice(0, 80)}")`
			: '';
	return index === null ? `The conversation${name}` : `Conversation ${index + 1}${name}`;
}

function describe(error: z.ZodError): string {
	return error.issues
		.slice(0, 3)
		.map((issue) =>
			issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message
		)
		.join('; ');
}

/** One conversation of our own export, checked: its tree whole, its leaf one of its messages. */
function fromOwn(raw: unknown, index: number | null): ImportConversation {
	const where = label(index, isObject(raw) ? raw.title : undefined);
	const parsed = exportedConversation.safeParse(raw);
	if (!parsed.success) throw invalid(`${where}: ${describe(parsed.error)}`);
	const source: ExportedConversation = parsed.data;
	const messages = source.messages.map((message) => ({
		key: String(message.id),
		parentKey: message.parent_id === null ? null : String(message.parent_id),
		role: message.role,
		content: message.content,
		reasoning: message.reasoning,
		toolCalls: message.tool_calls,
		toolCallId: message.tool_call_id,
		modelId: message.model_id,
		usage: message.usage,
		finishReason: message.finish_reason,
		error: message.error,
		citations: message.citations,
		resources: message.resources,
		attachmentIds: message.attachments.map((file) => file.attachment_id),
		createdAt: message.created_at
	}));
	const ordered = orderTree(messages);
	if (typeof ordered === 'string') throw invalid(`${where}: ${ordered}`);
	const leaf = source.current_leaf_id === null ? null : String(source.current_leaf_id);
	if (leaf !== null && !ordered.some((message) => message.key === leaf))
		throw invalid(`${where}: current_leaf_id ${leaf} is not one of its messages`);
	return {
		label: where,
		sessionId: source.session_id,
		title: source.title.trim() || 'Imported conversation',
		createdAt: source.created_at,
		updatedAt: source.updated_at,
		currentLeafKey: leaf ?? ordered.at(-1)?.key ?? null,
		modelId: source.model_id,
		projectId: source.project_id,
		pinnedAt: source.pinned_at,
		disabledServers: source.disabled_servers,
		webSearch: source.web_search,
		messages: ordered
	};
}

function countMessages(list: unknown[], field: 'messages' | 'mapping'): void {
	let total = 0;
	for (const item of list) {
		const value = isObject(item) ? item[field] : undefined;
		total += Array.isArray(value) ? value.length : isObject(value) ? Object.keys(value).length : 0;
		if (total > MAX_IMPORT_MESSAGES)
			throw invalid(`The file holds more than ${MAX_IMPORT_MESSAGES} messages; split it.`);
	}
}

/**
 * Reads an import file: our export of one conversation or of all, or ChatGPT's
 * `conversations.json` (an array, or one of its conversations). Every conversation is checked;
 * the first bad one is a 400 naming it (its place in the file and title) and what is wrong.
 */
export function parseImportFile(text: string, now: Date): ImportConversation[] {
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw invalid('The file is not valid JSON.');
	}
	if (Array.isArray(value)) {
		countMessages(value, 'mapping');
		return value.map((item, index) => {
			const result = fromChatgpt(item, now);
			if ('problem' in result) throw invalid(`${label(index, result.title)}: ${result.problem}`);
			return { ...result.conversation, label: label(index, result.title) };
		});
	}
	if (isObject(value)) {
		if (value.format === CONVERSATION_FORMAT || value.format === CONVERSATIONS_FORMAT) {
			if (value.version !== EXPORT_VERSION)
				throw invalid(
					`This file is version ${JSON.stringify(value.version)} of ${value.format}; this app reads version ${EXPORT_VERSION}.`
				);
			if (value.format === CONVERSATION_FORMAT) {
				countMessages([value], 'messages');
				return [fromOwn(value, null)];
			}
			if (!Array.isArray(value.conversations))
				throw invalid('conversations: expected an array of conversations.');
			countMessages(value.conversations, 'messages');
			return value.conversations.map((item, index) => fromOwn(item, index));
		}
		if ('mapping' in value) {
			countMessages([value], 'mapping');
			const result = fromChatgpt(value, now);
			if ('problem' in result) throw invalid(`${label(null, result.title)}: ${result.problem}`);
			return [{ ...result.conversation, label: label(null, result.title) }];
		}
	}
	throw invalid(
		'This is neither a Switchboard export (format "switchboard.conversation" or "switchboard.conversations") nor ChatGPT\'s conversations.json.'
	);
}

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { fenced } from './markdown';
import { emptyMessage, orderTree, type ImportConversation, type ImportMessage } from './tree';

/**
 * ChatGPT's data export (`conversations.json` in the zip): an array of conversations, each a
 * `mapping` of node id → `{message, parent, children}`, a tree whose branches are edits and
 * regenerations; `current_node` is the leaf of the branch last shown. Only the fields read here
 * are checked; the rest of a node (moderation, weights, plugin data) is ignored.
 */
const text = z.string();
const epochSeconds = z.number().nullable().optional();

const chatgptContent = z.looseObject({
	content_type: z.string().max(200).optional(),
	parts: z.array(z.unknown()).optional(),
	text: text.optional(),
	result: text.optional(),
	language: z.string().max(100).nullable().optional(),
	thoughts: z
		.array(z.looseObject({ summary: text.optional(), content: text.optional() }))
		.optional(),
	user_profile: text.nullable().optional(),
	user_instructions: text.nullable().optional(),
	url: text.nullable().optional(),
	title: text.nullable().optional()
});

const chatgptMessage = z.looseObject({
	author: z.looseObject({
		role: z.string().max(100),
		name: z.string().max(500).nullable().optional()
	}),
	create_time: epochSeconds,
	content: chatgptContent,
	recipient: z.string().max(500).nullable().optional(),
	metadata: z
		.looseObject({
			model_slug: z.string().max(200).nullable().optional(),
			is_visually_hidden_from_conversation: z.boolean().nullable().optional(),
			attachments: z
				.array(
					z.looseObject({
						name: z.string().max(1000).nullable().optional(),
						mime_type: z.string().max(200).nullable().optional()
					})
				)
				.nullable()
				.optional()
		})
		.nullable()
		.optional()
});
type ChatgptMessage = z.infer<typeof chatgptMessage>;

const chatgptNode = z.looseObject({
	message: chatgptMessage.nullable().optional(),
	parent: z.string().max(1000).nullable().optional()
});
type ChatgptNode = z.infer<typeof chatgptNode>;

const chatgptConversation = z.looseObject({
	id: z.string().min(1).max(1000).optional(),
	conversation_id: z.string().min(1).max(1000).optional(),
	title: z.string().nullable().optional(),
	create_time: epochSeconds,
	update_time: epochSeconds,
	current_node: z.string().max(1000).nullable().optional(),
	mapping: z.custom<Record<string, unknown>>(
		(value) => typeof value === 'object' && value !== null && !Array.isArray(value),
		'expected an object of nodes'
	)
});

/** Namespace of the ids of imported ChatGPT conversations (a UUID v5 of `chatgpt:<id>`). */
const CHATGPT_NAMESPACE = '1b671a64-40d5-491e-99b0-da01ff1f3341';

/**
 * The session id a ChatGPT conversation gets here: the same on every import (RFC 9562 §5.5,
 * name-based with SHA-1), so importing the file again finds it and skips it.
 */
export function chatgptSessionId(conversationId: string): string {
	const hash = createHash('sha1')
		.update(Buffer.from(CHATGPT_NAMESPACE.replace(/-/g, ''), 'hex'))
		.update(`chatgpt:${conversationId}`)
		.digest();
	hash[6] = (hash[6] & 0x0f) | 0x50;
	hash[8] = (hash[8] & 0x3f) | 0x80;
	const hex = hash.subarray(0, 16).toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Epoch seconds as an ISO time; absent, not finite or beyond a Date's range → `fallback`. */
function isoTime(seconds: number | null | undefined, fallback: string): string {
	if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return fallback;
	const ms = seconds * 1000;
	return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : fallback;
}

/** A part that is not text (an image, audio, a file) leaves a note where it was. */
function partText(part: unknown): string {
	if (typeof part === 'string') return part;
	if (typeof part !== 'object' || part === null) return '';
	const record = part as Record<string, unknown>;
	if (typeof record.text === 'string') return record.text;
	const kind = typeof record.content_type === 'string' ? record.content_type : 'attachment';
	if (kind === 'image_asset_pointer')
		return '[An image was here; ChatGPT exports keep it in the zip, and it was not imported.]';
	return `[A ${kind.slice(0, 100)} part was here and was not imported.]`;
}

interface Converted {
	role: ImportMessage['role'];
	content: string;
	/** Text of a thinking step, handed to the next reply as its reasoning. */
	reasoning?: string;
	toolName?: string;
}

/** What one ChatGPT message becomes here; null leaves it out (its children move up). */
function convert(message: ChatgptMessage, hasToolChild: boolean): Converted | null {
	const { author, content, metadata } = message;
	if (metadata?.is_visually_hidden_from_conversation) return null;
	const kind = content.content_type ?? 'text';
	const parts = () => (content.parts ?? []).map(partText).join('\n\n').trim();
	let body: string;
	switch (kind) {
		case 'text':
		case 'multimodal_text':
			body = parts();
			break;
		case 'code':
			body = content.text ?? parts();
			break;
		case 'execution_output':
		case 'tether_browsing_display':
		case 'system_error':
			body = content.text ?? content.result ?? parts();
			break;
		case 'tether_quote':
			body = [
				content.text ? content.text.replace(/^/gm, '> ') : '',
				content.url ? `— [${content.title || content.url}](<${content.url}>)` : ''
			]
				.filter(Boolean)
				.join('\n\n');
			break;
		case 'thoughts': {
			const thoughts = (content.thoughts ?? [])
				.map((step) => [step.summary, step.content].filter(Boolean).join('\n'))
				.join('\n\n');
			return thoughts ? { role: 'assistant', content: '', reasoning: thoughts } : null;
		}
		case 'reasoning_recap':
		case 'sonic_webpage':
			return null;
		case 'user_editable_context':
			body = [content.user_profile, content.user_instructions].filter(Boolean).join('\n\n');
			break;
		default:
			body = content.text ?? content.result ?? parts();
	}
	const files = (metadata?.attachments ?? [])
		.map((file) => `[Attached in ChatGPT: ${file.name || 'a file'} (not imported)]`)
		.join('\n');
	if (files) body = body ? `${body}\n\n${files}` : files;

	const recipient = message.recipient ?? 'all';
	switch (author.role) {
		case 'user':
			return body ? { role: 'user', content: body } : null;
		case 'system':
			return body ? { role: 'system', content: body } : null;
		case 'assistant':
			// A message to a tool (code for `python`, a query for `browser`) is a tool call when
			// the tool's answer follows; else it is kept as text.
			if (recipient !== 'all' && hasToolChild)
				return { role: 'assistant', content: body, toolName: recipient };
			if (recipient !== 'all' && body)
				return { role: 'assistant', content: kind === 'code' ? fenced(body) : body };
			return body ? { role: 'assistant', content: body } : null;
		case 'tool':
		case 'function':
			return body ? { role: 'tool', content: body, toolName: author.name ?? 'tool' } : null;
		default:
			return null;
	}
}

const toolFunctionName = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
const callId = (key: string) => `call_${createHash('sha1').update(key).digest('hex').slice(0, 24)}`;

/**
 * One ChatGPT conversation as ours: its tree kept (nodes without a message, hidden or empty
 * ones are left out and their children attach to the nearest message above), `current_node` as
 * the current leaf. Returns a problem as a string when the conversation cannot be imported.
 */
export function fromChatgpt(
	raw: unknown,
	now: Date
):
	| { conversation: Omit<ImportConversation, 'label'>; title: string }
	| { problem: string; title?: string } {
	const parsed = chatgptConversation.safeParse(raw);
	const rawTitle = (raw as { title?: unknown } | null)?.title;
	const title = typeof rawTitle === 'string' ? rawTitle : undefined;
	if (!parsed.success) return { problem: describe(parsed.error), title };
	const source = parsed.data;
	const sourceId = source.conversation_id ?? source.id;
	if (!sourceId) return { problem: 'it has no id (conversation_id or id)', title };

	const nodes = new Map<string, ChatgptNode>();
	for (const [key, value] of Object.entries(source.mapping)) {
		const node = chatgptNode.safeParse(value);
		if (!node.success) return { problem: `node ${key}: ${describe(node.error)}`, title };
		nodes.set(key, node.data);
	}
	const fallbackTime = isoTime(source.create_time, now.toISOString());

	// A parent that is not in the mapping (or the node itself) makes the node a root.
	const parentOf = (key: string): string | null => {
		const parent = nodes.get(key)?.parent;
		return parent != null && parent !== key && nodes.has(parent) ? parent : null;
	};
	const children = new Map<string, string[]>();
	const order: string[] = [];
	for (const key of nodes.keys()) {
		const parent = parentOf(key);
		if (parent === null) order.push(key);
		else {
			const list = children.get(parent);
			if (list) list.push(key);
			else children.set(parent, [key]);
		}
	}
	for (let i = 0; i < order.length; i++) order.push(...(children.get(order[i]) ?? []));
	if (order.length < nodes.size) return { problem: 'its mapping has a cycle of parents', title };

	/** Per node: the nearest message at or above it that is kept, and reasoning waiting for a reply. */
	const keptAt = new Map<string, string | null>();
	const pendingReasoning = new Map<string, string | null>();
	const byKey = new Map<string, ImportMessage>();
	const messages: ImportMessage[] = [];
	for (const key of order) {
		const parent = parentOf(key);
		const keptParent = parent === null ? null : (keptAt.get(parent) ?? null);
		const waiting = parent === null ? null : (pendingReasoning.get(parent) ?? null);
		const message = nodes.get(key)!.message;
		const hasToolChild = (children.get(key) ?? []).some((child) => {
			const role = nodes.get(child)?.message?.author.role;
			return role === 'tool' || role === 'function';
		});
		const converted = message ? convert(message, hasToolChild) : null;
		if (!converted || (converted.reasoning !== undefined && !converted.content)) {
			keptAt.set(key, keptParent);
			const reasoning = [waiting, converted?.reasoning].filter(Boolean).join('\n\n');
			pendingReasoning.set(key, reasoning || null);
			continue;
		}
		const item = emptyMessage({
			key,
			parentKey: keptParent,
			role: converted.role,
			content: converted.content,
			createdAt: isoTime(message!.create_time, fallbackTime)
		});
		const above = keptParent === null ? undefined : byKey.get(keptParent);
		if (converted.role === 'assistant') {
			item.reasoning = waiting;
			item.finishReason = 'stop';
			const slug = message!.metadata?.model_slug;
			if (slug) item.modelId = slug.includes('/') ? slug : `openai/${slug}`;
			if (converted.toolName) {
				item.toolCalls = [
					{
						id: callId(key),
						type: 'function',
						function: {
							name: toolFunctionName(converted.toolName),
							arguments: JSON.stringify({ input: converted.content })
						}
					}
				];
				item.content = '';
				item.finishReason = 'tool_calls';
			}
		} else if (converted.role === 'tool') {
			const call = above?.toolCalls?.[0];
			if (call) item.toolCallId = call.id;
			else {
				// A tool's output with no call above it (a picture tool, a browser view) reads as text.
				item.role = 'assistant';
				item.content = `_${converted.toolName}:_\n\n${converted.content}`;
			}
		}
		keptAt.set(key, key);
		pendingReasoning.set(key, null);
		byKey.set(key, item);
		messages.push(item);
	}

	// Ids in the order the messages were written, as this app gives them (parents still first).
	const byTime = messages
		.map((message, index) => ({ message, index }))
		.sort((a, b) =>
			a.message.createdAt < b.message.createdAt
				? -1
				: a.message.createdAt > b.message.createdAt
					? 1
					: a.index - b.index
		)
		.map(({ message }) => message);
	const ordered = orderTree(byTime);
	if (typeof ordered === 'string') return { problem: ordered, title };
	const current = source.current_node;
	const currentLeafKey =
		(current != null && nodes.has(current) ? keptAt.get(current) : undefined) ??
		messages.at(-1)?.key ??
		null;
	const lastTime = messages.reduce(
		(latest, m) => (m.createdAt > latest ? m.createdAt : latest),
		fallbackTime
	);
	const cleanTitle = (source.title ?? '').replace(/\s+/g, ' ').trim().slice(0, 200);
	return {
		title: cleanTitle,
		conversation: {
			sessionId: chatgptSessionId(sourceId),
			title: cleanTitle || 'Imported from ChatGPT',
			createdAt: fallbackTime,
			updatedAt: isoTime(source.update_time, lastTime),
			currentLeafKey,
			modelId: null,
			projectId: null,
			pinnedAt: null,
			disabledServers: null,
			webSearch: false,
			messages: ordered
		}
	};
}

function describe(error: z.ZodError): string {
	const issue = error.issues[0];
	return issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

import {
	addUsage,
	type Citation,
	type Message,
	type MessageAttachment,
	type MessageResource,
	type Usage
} from '$lib/api';

export interface ToolCardView {
	id: string;
	name: string;
	arguments: Record<string, unknown>;
	status: 'running' | 'awaiting_approval' | 'done' | 'error';
	result?: string;
	durationMs?: number;
	progress?: { progress: number; total?: number; message?: string };
}

/** Where a message sits in the conversation tree (known once the server saved it). */
export interface TreePlace {
	/** The message's id; for a reply, its first row's. */
	id?: number;
	parentId?: number | null;
	/** Its versions, itself included, oldest first (see sibling_ids). */
	siblingIds?: number[];
	/** A reply's last row (its tool rounds come before): what a next question goes under. */
	leafId?: number;
}

/** The message a question sent after `item` goes under; undefined when not known here. */
export function leafOf(item: ChatItem | undefined): number | null | undefined {
	if (!item) return null;
	return item.kind === 'assistant' ? (item.leafId ?? item.id) : item.id;
}

export interface UserItem extends TreePlace {
	kind: 'user';
	key: string;
	content: string;
	attachments: MessageAttachment[];
	createdAt: string;
	/** MCP resources attached to the question (chips). */
	resources?: MessageResource[];
}

/** A server's question during a tool call: a form to fill (elicitation) or a completion to approve. */
export interface QuestionView {
	kind: 'elicitation' | 'sampling';
	id: string;
	serverId: string;
	/** Elicitation: what the server asks, and the schema of the answer. */
	message?: string;
	schema?: Record<string, unknown>;
	/** Sampling: the messages it wants to send, and its token limit. */
	messages?: { role: string; text: string }[];
	maxTokens?: number;
	systemPrompt?: string;
	status: 'open' | 'accept' | 'decline' | 'cancel' | 'approved' | 'denied' | 'failed';
}

export interface AssistantItem extends TreePlace {
	kind: 'assistant';
	key: string;
	/** Text of every round of the turn, in order (tool rounds can say something too). */
	content: string;
	reasoning: string;
	tools: ToolCardView[];
	usage: Usage | null;
	modelId: string | null;
	error: { code: string; message: string } | null;
	finishReason: string | null;
	attachments: MessageAttachment[];
	streaming: boolean;
	/** Questions its tools' servers asked while it streamed. */
	questions?: QuestionView[];
	/** The web sources of a reply written with web search. */
	citations?: Citation[];
}

export type ChatItem = UserItem | AssistantItem;

export const emptyAssistant = (key: string, modelId: string | null = null): AssistantItem => ({
	kind: 'assistant',
	key,
	content: '',
	reasoning: '',
	tools: [],
	usage: null,
	modelId,
	error: null,
	finishReason: null,
	attachments: [],
	streaming: true
});

function parseArguments(text: string): Record<string, unknown> {
	try {
		const value = JSON.parse(text);
		return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
	} catch {
		return {};
	}
}

/**
 * Folds stored rows into what the chat shows: each question, then one reply per turn. While a
 * reply is `running`, its rows (everything after the last question, saved as it streams) are
 * left out: the reply is shown from its stream instead, which replays it from the start.
 */
export function itemsFromHistory(
	messages: Message[],
	{ running = false }: { running?: boolean } = {}
): ChatItem[] {
	const rows = running
		? messages.slice(0, messages.findLastIndex((message) => message.role === 'user') + 1)
		: messages;
	const items: ChatItem[] = [];
	let reply: AssistantItem | undefined;
	// A tool message is saved when its call ends, the call's message just before it started.
	const calledAt = new Map<string, number>();
	for (const message of rows) {
		if (message.role === 'user') {
			reply = undefined;
			items.push({
				kind: 'user',
				key: `m${message.id}`,
				id: message.id,
				parentId: message.parent_id,
				siblingIds: message.sibling_ids,
				content: message.content,
				attachments: message.attachments,
				createdAt: message.created_at,
				...(message.resources?.length ? { resources: message.resources } : {})
			});
		} else if (message.role === 'assistant') {
			if (reply) reply.leafId = message.id;
			if (!reply) {
				reply = {
					...emptyAssistant(`m${message.id}`, message.model_id),
					streaming: false,
					id: message.id,
					parentId: message.parent_id,
					siblingIds: message.sibling_ids,
					leafId: message.id
				};
				items.push(reply);
			}
			if (message.content) reply.content += (reply.content ? '\n\n' : '') + message.content;
			if (message.reasoning) reply.reasoning += (reply.reasoning ? '\n\n' : '') + message.reasoning;
			for (const call of message.tool_calls ?? []) {
				calledAt.set(call.id, Date.parse(message.created_at));
				reply.tools.push({
					id: call.id,
					name: call.function.name,
					arguments: parseArguments(call.function.arguments),
					status: 'error',
					result: 'The tool did not finish (the reply was stopped).'
				});
			}
			if (message.usage) reply.usage = addUsage(reply.usage, message.usage);
			reply.modelId = message.model_id ?? reply.modelId;
			if (message.citations?.length) reply.citations = message.citations;
			reply.error = message.error ?? null;
			reply.finishReason = message.finish_reason ?? null;
		} else if (message.role === 'tool' && reply) {
			reply.leafId = message.id;
			const card = reply.tools.find((tool) => tool.id === message.tool_call_id);
			if (card) {
				card.status = message.finish_reason === 'error' ? 'error' : 'done';
				card.result = message.content;
				const took = Date.parse(message.created_at) - (calledAt.get(card.id) ?? NaN);
				if (took >= 0) card.durationMs = took;
			}
			reply.attachments.push(...message.attachments);
		}
	}
	return items;
}

/** Messages per page when a conversation opens and each time older ones load. */
export const HISTORY_PAGE = 50;

/** One page of history folded into items, and what it leaves for the next (older) page. */
export interface FoldedPage {
	/** Oldest first, each turn whole (its question, then its reply). */
	items: ChatItem[];
	/**
	 * Rows before the page's first question: the end of a turn whose question is on the older
	 * page. Shown with that page, so a turn is never split in two (a reply of tool rounds can
	 * span several rows).
	 */
	carry: Message[];
	/**
	 * The reply being written has not been passed yet (no question on the pages so far): its rows
	 * are still left out of the next page too.
	 */
	cutting: boolean;
}

/**
 * Folds a page of history (oldest first) with the rows `carry` left over from the newer page
 * before it. `hasMore`: older pages exist, so rows before the page's first question wait for
 * them. `cutting`: the reply is `running`, and its rows (everything after the last question)
 * are shown from its stream instead (see itemsFromHistory).
 */
export function foldHistoryPage(
	page: Message[],
	{
		hasMore,
		cutting = false,
		carry = []
	}: { hasMore: boolean; cutting?: boolean; carry?: Message[] }
): FoldedPage {
	let rows = carry.length ? [...page, ...carry] : page;
	if (cutting) {
		const lastQuestion = rows.findLastIndex((message) => message.role === 'user');
		// Every row is the running reply's: none shown, and the next page is cut as well.
		if (lastQuestion === -1) return { items: [], carry: [], cutting: hasMore };
		rows = rows.slice(0, lastQuestion + 1);
	}
	if (!hasMore) return { items: itemsFromHistory(rows), carry: [], cutting: false };
	const firstQuestion = rows.findIndex((message) => message.role === 'user');
	if (firstQuestion === -1) return { items: [], carry: rows, cutting: false };
	return {
		items: itemsFromHistory(rows.slice(firstQuestion)),
		carry: rows.slice(0, firstQuestion),
		cutting: false
	};
}

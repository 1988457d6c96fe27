import type { ChatItem } from './chat-items';

/** What revealing a message needs of the open chat (ChatState). */
export interface PagedChat {
	readonly sessionId: string | null;
	readonly items: ChatItem[];
	readonly hasOlder: boolean;
	readonly loadingOlder: boolean;
	readonly olderError: string | null;
	loadOlder(): Promise<boolean>;
}

/** The message id an item starts with (`m<id>`); items not saved yet have none. */
const idOf = (item: ChatItem) => {
	const match = /^m(\d+)$/.exec(item.key);
	return match ? Number(match[1]) : null;
};

/** The item showing message `messageId`: the last one that starts at or before it. */
export function itemFor(items: ChatItem[], messageId: number): ChatItem | undefined {
	let found: ChatItem | undefined;
	for (const item of items) {
		const id = idOf(item);
		if (id !== null && id <= messageId) found = item;
	}
	return found;
}

/**
 * Loads older pages of the open chat until message `messageId` is among its items (a search hit
 * can be anywhere in a long chat), and answers the key of the item that shows it.
 */
export async function loadUntil(chat: PagedChat, messageId: number): Promise<string | null> {
	const sessionId = chat.sessionId;
	const oldest = () => {
		for (const item of chat.items) {
			const id = idOf(item);
			if (id !== null) return id;
		}
		return Infinity;
	};
	while (chat.sessionId === sessionId && chat.hasOlder && oldest() > messageId) {
		if (chat.olderError) return null;
		// The list's own loader may be fetching a page already: wait for it.
		if (chat.loadingOlder) await new Promise((resolve) => setTimeout(resolve, 30));
		else await chat.loadOlder();
	}
	if (chat.sessionId !== sessionId) return null;
	return itemFor(chat.items, messageId)?.key ?? null;
}

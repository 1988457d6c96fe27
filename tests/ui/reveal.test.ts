import { describe, expect, it } from 'vitest';
import { itemsFromHistory, type ChatItem } from '../../src/lib/state/chat-items';
import { itemFor, loadUntil, type PagedChat } from '../../src/lib/state/reveal';
import { apiMessage as message } from '../support/factories';

/** A chat of `turns` question/answer pairs (ids 1…2·turns) whose pages load `page` items at a time. */
function pagedChat(turns: number, shown: number, page: number): PagedChat & { loads: number } {
	const all: ChatItem[] = itemsFromHistory(
		Array.from({ length: turns * 2 }, (_, i) =>
			message(i % 2 ? 'assistant' : 'user', { id: i + 1, content: `message ${i + 1}` })
		)
	);
	let from = all.length - shown;
	const chat = {
		sessionId: 's1',
		loads: 0,
		loadingOlder: false,
		olderError: null,
		get items() {
			return all.slice(from);
		},
		get hasOlder() {
			return from > 0;
		},
		async loadOlder() {
			chat.loads++;
			from = Math.max(0, from - page);
			return true;
		}
	};
	return chat;
}

describe('opening a chat at a message', () => {
	it('finds the item that shows a message', () => {
		const chat = pagedChat(5, 10, 10);
		expect(itemFor(chat.items, 4)?.key).toBe('m4');
		expect(itemFor(chat.items, 999)?.key).toBe('m10');
		expect(itemFor(chat.items, 0)).toBeUndefined();
	});

	it('loads older pages until the message is there, and no more', async () => {
		const chat = pagedChat(100, 50, 50);
		expect(await loadUntil(chat, 120)).toBe('m120');
		expect(chat.loads).toBe(1);
		expect(await loadUntil(chat, 3)).toBe('m3');
		expect(chat.loads).toBe(3);
		expect(chat.hasOlder).toBe(false);
	});

	it('gives up when the chat changes meanwhile', async () => {
		const chat = pagedChat(100, 50, 50);
		const load = chat.loadOlder;
		chat.loadOlder = async () => {
			(chat as { sessionId: string }).sessionId = 'another';
			return load();
		};
		expect(await loadUntil(chat, 3)).toBeNull();
	});
});

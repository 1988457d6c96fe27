import {
	CONVERSATION_FORMAT,
	CONVERSATIONS_FORMAT,
	EXPORT_VERSION,
	type ConversationFile,
	type ImportResult
} from '$lib/api';
import type { Db } from '../db/client';
import { notFound } from '../errors';
import { sanitizeFileName } from '../attachments/file-name';
import { parseImportFile } from './import-file';
import { ConversationWriter } from './write';
import { conversationMarkdown } from './markdown';
import { ConversationReader } from './read';

/** Conversations read per step of the export of everything: bounded memory for any count. */
const EXPORT_PAGE = 50;

export interface ExportedFile {
	fileName: string;
	contentType: string;
	body: string;
}

export interface TransferDeps {
	db: Db;
	now?: () => Date;
}

/** Export of conversations (Markdown, JSON) and import of ours and ChatGPT's. */
export class TransferService {
	readonly #reader: ConversationReader;
	readonly #writer: ConversationWriter;
	readonly #now: () => Date;

	constructor({ db, now = () => new Date() }: TransferDeps) {
		this.#reader = new ConversationReader(db);
		this.#writer = new ConversationWriter(db);
		this.#now = now;
	}

	/** One conversation: its current path as Markdown, or its whole tree as JSON. */
	exportOne(
		sessionId: string,
		format: 'markdown' | 'json',
		options: { origin: string }
	): ExportedFile {
		const conversation = this.#reader.conversation(sessionId);
		if (!conversation) throw notFound(`No conversation with id ${sessionId}.`, 'session_not_found');
		const exportedAt = this.#now().toISOString();
		const name = sanitizeFileName(conversation.title, 'conversation');
		if (format === 'markdown')
			return {
				fileName: `${name}.md`,
				contentType: 'text/markdown; charset=utf-8',
				body: conversationMarkdown(conversation, { origin: options.origin, exportedAt })
			};
		const file: ConversationFile = {
			format: CONVERSATION_FORMAT,
			version: EXPORT_VERSION,
			exported_at: exportedAt,
			...conversation
		};
		return {
			fileName: `${name}.json`,
			contentType: 'application/json; charset=utf-8',
			body: JSON.stringify(file, null, 2)
		};
	}

	/**
	 * Every conversation that is not temporary as one JSON document, written a page of
	 * conversations at a time as the reader asks for more: ten thousand chats never sit in memory
	 * at once.
	 */
	exportAll(): { fileName: string; body: ReadableStream<Uint8Array> } {
		const exportedAt = this.#now().toISOString();
		const encoder = new TextEncoder();
		const reader = this.#reader;
		let after: string | null = null;
		let first = true;
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				const head = JSON.stringify({
					format: CONVERSATIONS_FORMAT,
					version: EXPORT_VERSION,
					exported_at: exportedAt
				});
				controller.enqueue(encoder.encode(`${head.slice(0, -1)},"conversations":[`));
			},
			pull(controller) {
				const page = reader.page(after, EXPORT_PAGE);
				if (!page.length) {
					controller.enqueue(encoder.encode(']}\n'));
					controller.close();
					return;
				}
				after = page[page.length - 1].session_id;
				const chunk = page.map((conversation) => JSON.stringify(conversation)).join(',\n');
				controller.enqueue(encoder.encode(`${first ? '\n' : ',\n'}${chunk}`));
				first = false;
			}
		});
		return { fileName: `switchboard-conversations-${exportedAt.slice(0, 10)}.json`, body };
	}

	/**
	 * Imports a file of ours (one conversation or all) or ChatGPT's `conversations.json`. Every
	 * conversation is checked before anything is written; then all are written in one
	 * transaction, skipping those already here.
	 */
	import(text: string): ImportResult {
		const parsed = parseImportFile(text, this.#now());
		return this.#writer.write(parsed);
	}
}

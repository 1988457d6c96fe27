import { and, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type Database from 'better-sqlite3';
import type { Db } from '../db/client';
import { badRequest } from '../errors';
import {
	conversations,
	messageAttachments,
	messages,
	type ConversationRow,
	type MessageRow,
	type NewMessageRow
} from '../db/schema';
import { ConversationTree } from './tree';

export interface SessionListItem extends Pick<
	ConversationRow,
	'sessionId' | 'title' | 'createdAt' | 'updatedAt' | 'projectId' | 'pinnedAt' | 'modelId'
> {
	messageCount: number;
}

export interface ListSessionsOptions {
	limit: number;
	cursor?: string;
	q?: string;
	/** A project's chats only; `none`: those outside projects. */
	projectId?: string;
}

/** What a new conversation starts with besides its title. */
export interface NewConversationFields {
	projectId?: string | null;
	temporary?: boolean;
	webSearch?: boolean;
}

/** Pinned chats listed above the others, on the first page (more than this is not a pin). */
const MAX_PINNED = 200;

const encodeCursor = (row: Pick<ConversationRow, 'updatedAt' | 'sessionId'>) =>
	Buffer.from(JSON.stringify([row.updatedAt, row.sessionId])).toString('base64url');

/** A cursor that is not one of ours is the caller's mistake (400), not a silent first page. */
function decodeCursor(cursor: string): [string, string] {
	try {
		const value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
		if (
			Array.isArray(value) &&
			value.length === 2 &&
			typeof value[0] === 'string' &&
			typeof value[1] === 'string'
		)
			return [value[0], value[1]];
	} catch {
		// fall through
	}
	throw badRequest(
		'cursor: not a cursor from a previous page (use next_cursor as given)',
		'invalid_cursor'
	);
}

/** Up to this many conversations, a short query's matches are listed directly (see #matches). */
const SHORT_QUERY_SESSIONS = 500;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);
/** FTS5 string literal: the whole query as one phrase, so user input is never query syntax. */
const ftsPhrase = (text: string) => `"${text.replace(/"/g, '""')}"`;

/** About 120 characters of `text` around the first place `q` occurs (case-insensitive). */
function snippetAround(text: string, q: string): string {
	const flat = text.replace(/\s+/g, ' ');
	const at = Math.max(0, flat.toLowerCase().indexOf(q.toLowerCase()));
	const start = Math.max(0, at - 40);
	const end = Math.min(flat.length, at + q.length + 80);
	return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

/**
 * The queries of every chat turn, built and prepared once: drizzle otherwise rebuilds the SQL and
 * SQLite re-prepares it on each call, several times the cost of running it (71 µs against 9 µs
 * for a short history, measured).
 */
function prepareTurnQueries(db: Db) {
	const sessionId = sql.placeholder('sessionId');
	return {
		conversation: db
			.select()
			.from(conversations)
			.where(eq(conversations.sessionId, sessionId))
			.prepare(),
		withAttachments: db
			.selectDistinct({ id: messageAttachments.messageId })
			.from(messageAttachments)
			.innerJoin(messages, eq(messages.id, messageAttachments.messageId))
			.where(eq(messages.sessionId, sessionId))
			.prepare(),
		message: db
			.select()
			.from(messages)
			.where(eq(messages.id, sql.placeholder('id')))
			.prepare(),
		touch: db
			.update(conversations)
			.set({ updatedAt: sql`${sql.placeholder('updatedAt')}` })
			.where(eq(conversations.sessionId, sessionId))
			.prepare()
	};
}

const json = (value: unknown) => (value === null ? null : JSON.parse(value as string));

/**
 * A message row from the columns of MESSAGE_READ, in their order. Written out so that every row
 * has one shape: drizzle's generic mapping (a decoder and an entity check per column) took about
 * 15 ms of the 5,000 rows of a long conversation, this about 5 (most of it the JSON columns).
 */
const messageRow = (v: unknown[]): MessageRow =>
	({
		id: v[0],
		sessionId: v[1],
		role: v[2],
		content: v[3],
		reasoning: v[4],
		toolCalls: json(v[5]),
		toolCallId: v[6],
		modelId: v[7],
		usage: json(v[8]),
		finishReason: v[9],
		error: json(v[10]),
		createdAt: v[11],
		parentId: v[12],
		citations: json(v[13]),
		resources: json(v[14])
	}) as MessageRow;
const MESSAGE_READ =
	'id, session_id, role, content, reasoning, tool_calls, tool_call_id, model_id, usage, finish_reason, error, created_at, parent_id, citations, resources';

/** The reads of whole conversations and their pages, as arrays (see messageRow). */
function prepareMessageReads(db: Db) {
	const client = db.$client;
	const messagesOf = client
		.prepare(`select ${MESSAGE_READ} from messages where session_id = ? order by id`)
		.raw(true);
	// Newest first from `before` down, walking the (session_id, id) index backwards; LIMIT -1 is
	// no limit. Reversed by the caller.
	const page = client
		.prepare(
			`select ${MESSAGE_READ} from messages where session_id = ? and id < ? order by id desc limit ?`
		)
		.raw(true);
	return {
		messages: (sessionId: string) => (messagesOf.all(sessionId) as unknown[][]).map(messageRow),
		page: (sessionId: string, before: number, limit: number) =>
			(page.all(sessionId, before, limit) as unknown[][]).map(messageRow)
	};
}

type Statement = Database.Statement;
type MessageFields = Omit<NewMessageRow, 'id'>;

/** The columns of `messages` by field, for the hand-prepared writes below. */
const MESSAGE_COLUMNS = {
	sessionId: 'session_id',
	parentId: 'parent_id',
	role: 'role',
	content: 'content',
	reasoning: 'reasoning',
	toolCalls: 'tool_calls',
	toolCallId: 'tool_call_id',
	modelId: 'model_id',
	usage: 'usage',
	finishReason: 'finish_reason',
	error: 'error',
	citations: 'citations',
	resources: 'resources',
	createdAt: 'created_at'
} as const satisfies Record<keyof MessageFields, string>;
type MessageField = keyof typeof MESSAGE_COLUMNS;
const MESSAGE_FIELDS = Object.keys(MESSAGE_COLUMNS) as MessageField[];
/** Stored as JSON text (drizzle's `mode: 'json'`). */
const JSON_FIELDS = new Set<MessageField>([
	'toolCalls',
	'usage',
	'error',
	'citations',
	'resources'
]);

const toDriver = (field: MessageField, value: unknown) =>
	value === undefined || value === null
		? null
		: JSON_FIELDS.has(field)
			? JSON.stringify(value)
			: value;

/**
 * The writes of every chat turn (the question, the reply as it streams and as it ends), prepared
 * once on the SQLite handle: drizzle's builder plus SQLite's prepare cost about 0.15 ms a
 * statement, more than running it, and a turn writes four or five times.
 */
function prepareTurnWrites(db: Db) {
	const client = db.$client;
	const columns = MESSAGE_FIELDS.map((field) => MESSAGE_COLUMNS[field]).join(', ');
	const values = MESSAGE_FIELDS.map((field) => `@${field}`).join(', ');
	const updates = new Map<string, Statement>();
	return {
		insertConversation: client.prepare(
			'insert into conversations (session_id, title, created_at, updated_at, project_id, temporary, web_search) values (?, ?, ?, ?, ?, ?, ?)'
		),
		insertMessage: client.prepare(`insert into messages (${columns}) values (${values})`),
		draftText: client.prepare('update messages set content = ?, reasoning = ? where id = ?'),
		/**
		 * A new message becomes the conversation's current leaf when it is a question or a reply
		 * to one (a new branch: an edit, a regenerated or compared reply), or when it continues
		 * the path shown. A later round of a reply that is no longer shown (one of the compared
		 * replies, after another was chosen) leaves the leaf where the person put it.
		 */
		advanceLeaf: client.prepare(
			`update conversations set current_leaf_id = @id where session_id = @sessionId and (
				@role = 'user' or current_leaf_id is null or current_leaf_id is @parentId
				or (select role from messages where id = @parentId) = 'user')`
		),
		/** `update messages set <these fields> where id = @id`, one statement per set of fields. */
		update(fields: MessageField[]): Statement {
			const key = fields.join(',');
			let statement = updates.get(key);
			if (!statement) {
				const set = fields.map((field) => `${MESSAGE_COLUMNS[field]} = @${field}`).join(', ');
				statement = client.prepare(`update messages set ${set} where id = @id`);
				updates.set(key, statement);
			}
			return statement;
		},
		transaction: <T>(work: () => T): T => client.transaction(work)()
	};
}

/** A reply's text as it stands while it streams (ReplyDraft's checkpoints). */
export interface DraftText {
	id: number;
	content: string;
	reasoning: string | null;
}

/** Conversations and messages in SQLite. FTS5 (a SQLite-only feature) stays inside this file. */
export class ChatRepository {
	readonly #turn: ReturnType<typeof prepareTurnQueries>;
	readonly #writes: ReturnType<typeof prepareTurnWrites>;
	readonly #reads: ReturnType<typeof prepareMessageReads>;
	/** Paths, versions and the current leaf (tree.ts). */
	readonly tree: ConversationTree;

	constructor(private readonly db: Db) {
		this.tree = new ConversationTree(db);
		this.#turn = prepareTurnQueries(db);
		this.#reads = prepareMessageReads(db);
		this.#writes = prepareTurnWrites(db);
	}

	createConversation(
		sessionId: string,
		title: string,
		now: string,
		fields: NewConversationFields = {}
	): ConversationRow {
		const projectId = fields.projectId ?? null;
		const temporary = fields.temporary ?? false;
		const webSearch = fields.webSearch ?? false;
		this.#writes.insertConversation.run(
			sessionId,
			title,
			now,
			now,
			projectId,
			Number(temporary),
			Number(webSearch)
		);
		return {
			sessionId,
			title,
			createdAt: now,
			updatedAt: now,
			currentLeafId: null,
			modelId: null,
			projectId,
			pinnedAt: null,
			temporary,
			disabledServers: null,
			webSearch
		};
	}

	getConversation(sessionId: string): ConversationRow | undefined {
		return this.#turn.conversation.get({ sessionId });
	}

	/**
	 * Adds a message and bumps the conversation, atomically. Without a `parentId` (undefined, not
	 * null) it goes under the conversation's current leaf, which continues the path shown.
	 */
	addMessage(message: NewMessageRow): MessageRow {
		if (message.parentId === undefined)
			message = {
				...message,
				parentId:
					this.#turn.conversation.get({ sessionId: message.sessionId })?.currentLeafId ?? null
			};
		const params: Record<string, unknown> = {};
		for (const field of MESSAGE_FIELDS) params[field] = toDriver(field, message[field]);
		return this.#writes.transaction(() => {
			const id = Number(this.#writes.insertMessage.run(params).lastInsertRowid);
			this.#turn.touch.run({ sessionId: message.sessionId, updatedAt: message.createdAt });
			this.#writes.advanceLeaf.run({
				id,
				sessionId: message.sessionId,
				role: message.role,
				parentId: message.parentId ?? null
			});
			// The row as stored, without reading it back: what SQLite keeps is what was given.
			const row = { id } as Record<string, unknown>;
			for (const field of MESSAGE_FIELDS) row[field] = message[field] ?? null;
			return row as MessageRow;
		});
	}

	/**
	 * Rewrites a message (a reply while it streams, then as it ended). A new `createdAt` also
	 * bumps the conversation, as adding the message would have.
	 */
	updateMessage(
		id: number,
		patch: Partial<Omit<NewMessageRow, 'id' | 'sessionId' | 'role'>>
	): MessageRow | undefined {
		const fields = MESSAGE_FIELDS.filter(
			(field) => patch[field as keyof typeof patch] !== undefined
		);
		const params: Record<string, unknown> = { id };
		for (const field of fields) params[field] = toDriver(field, patch[field as keyof typeof patch]);
		return this.#writes.transaction(() => {
			if (fields.length && this.#writes.update(fields).run(params).changes === 0) return undefined;
			const row = this.#turn.message.get({ id });
			if (row && patch.createdAt)
				this.#turn.touch.run({ sessionId: row.sessionId, updatedAt: patch.createdAt });
			return row;
		});
	}

	/** Runs `work` in one transaction (nested: a savepoint); SQLite commits once for all of it. */
	inTransaction<T>(work: () => T): T {
		return this.#writes.transaction(work);
	}

	/**
	 * Writes the text of streaming replies, all in one transaction: FTS5 then adds one index
	 * segment for all of them instead of one per reply, and SQLite commits once. Ids that are gone
	 * (the conversation was deleted meanwhile) are skipped.
	 */
	writeDrafts(drafts: DraftText[]): void {
		this.#writes.transaction(() => {
			for (const { id, content, reasoning } of drafts)
				this.#writes.draftText.run(content, reasoning, id);
		});
	}

	/** Replies left with `from` as finish reason (still streaming when the process died) get `to`. */
	markUnfinished(from: string, to: string): number {
		return this.db
			.update(messages)
			.set({ finishReason: to })
			.where(and(eq(messages.role, 'assistant'), eq(messages.finishReason, from)))
			.run().changes;
	}

	/** A new conversation with its first message, in one transaction (never one without the other). */
	startConversation(
		title: string,
		message: NewMessageRow,
		fields?: NewConversationFields
	): MessageRow {
		return this.#writes.transaction(() => {
			this.createConversation(message.sessionId, title, message.createdAt, fields);
			return this.addMessage(message);
		});
	}

	listMessages(sessionId: string): MessageRow[] {
		return this.#reads.messages(sessionId);
	}

	/**
	 * One page of a conversation, oldest first: the last `limit` messages (all without it) older
	 * than the message id `before` (the newest without it). `hasMore`: older ones exist.
	 */
	listMessagesPage(
		sessionId: string,
		{ limit, before }: { limit?: number; before?: number }
	): { rows: MessageRow[]; hasMore: boolean } {
		const rows = this.#reads.page(
			sessionId,
			before ?? Number.MAX_SAFE_INTEGER,
			// One more than asked tells whether there are older ones.
			limit === undefined ? -1 : limit + 1
		);
		const hasMore = limit !== undefined && rows.length > limit;
		if (hasMore) rows.pop();
		return { rows: rows.reverse(), hasMore };
	}

	/** Ids of the conversation's messages that carry attachments. */
	messageIdsWithAttachments(sessionId: string): Set<number> {
		return new Set(this.#turn.withAttachments.all({ sessionId }).map((row) => row.id));
	}

	/** Removes messages after `afterId` (used to retry a failed reply without duplicating the question). */
	deleteMessagesAfter(sessionId: string, afterId: number): void {
		this.db
			.delete(messages)
			.where(and(eq(messages.sessionId, sessionId), gt(messages.id, afterId)))
			.run();
	}

	/** Renaming keeps the conversation's place in the list (updated_at is about messages). */
	rename(sessionId: string, title: string): ConversationRow | undefined {
		return this.db
			.update(conversations)
			.set({ title })
			.where(eq(conversations.sessionId, sessionId))
			.returning()
			.get();
	}

	/** Whether the model may search the web in this conversation. */
	setWebSearch(sessionId: string, on: boolean): ConversationRow | undefined {
		return this.db
			.update(conversations)
			.set({ webSearch: on })
			.where(eq(conversations.sessionId, sessionId))
			.returning()
			.get();
	}

	delete(sessionId: string): boolean {
		return (
			this.db.delete(conversations).where(eq(conversations.sessionId, sessionId)).run().changes > 0
		);
	}

	listSessions({ limit, cursor, q, projectId }: ListSessionsOptions): {
		sessions: SessionListItem[];
		nextCursor: string | null;
	} {
		// Temporary chats are never listed nor found.
		const filters: SQL[] = [eq(conversations.temporary, false)];
		if (projectId === 'none') filters.push(isNull(conversations.projectId));
		else if (projectId) filters.push(eq(conversations.projectId, projectId));
		if (q) filters.push(this.#matches(q));
		const select = () =>
			this.db
				.select({
					sessionId: conversations.sessionId,
					title: conversations.title,
					createdAt: conversations.createdAt,
					updatedAt: conversations.updatedAt,
					projectId: conversations.projectId,
					pinnedAt: conversations.pinnedAt,
					modelId: conversations.modelId,
					// Spelled out: drizzle drops the table names inside a raw subquery, which makes the join ambiguous.
					messageCount: sql<number>`(select count(*) from "messages" m where m."session_id" = "conversations"."session_id")`
				})
				.from(conversations);

		// Pinned chats head the first page; the pages (and their cursor) go through the others.
		const pinned = cursor
			? []
			: select()
					.where(and(...filters, isNotNull(conversations.pinnedAt)))
					.orderBy(desc(conversations.pinnedAt), desc(conversations.sessionId))
					.limit(MAX_PINNED)
					.all();
		const after = cursor ? decodeCursor(cursor) : undefined;
		if (after) {
			const [updatedAt, sessionId] = after;
			filters.push(
				or(
					lt(conversations.updatedAt, updatedAt),
					and(eq(conversations.updatedAt, updatedAt), lt(conversations.sessionId, sessionId))
				)!
			);
		}
		const rows = select()
			// `+`: pinned_at's index would find the unpinned (nearly all) rows, which then need a
			// sort; without it the list walks updated_at's index and stops at the page (30 → 0.6 ms
			// for 10,000 conversations).
			.where(and(...filters, sql`+${conversations.pinnedAt} is null`))
			.orderBy(desc(conversations.updatedAt), desc(conversations.sessionId))
			.limit(limit + 1)
			.all();
		const page = rows.slice(0, limit);
		return {
			sessions: [...pinned, ...page],
			nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null
		};
	}

	/**
	 * For each of these conversations, the newest message holding `q` (what search found in it),
	 * with a bit of the text around the hit; conversations where only the title matched are left
	 * out. One query for the whole page, so the full-text index is read once.
	 */
	findMatches(
		sessionIds: string[],
		q: string
	): Map<string, { messageId: number; snippet: string }> {
		const found = new Map<string, { messageId: number; snippet: string }>();
		if (!q || q.includes('\0') || sessionIds.length === 0) return found;
		const hit =
			[...q].length >= 3
				? // `+`: the page's conversations first (their index), then the hits among their
					// messages; by the hits first, every hit of a common word was read (12 → 4 ms).
					sql`+${messages.id} in (select rowid from messages_fts where messages_fts match ${ftsPhrase(q)})`
				: sql`${messages.content} like ${`%${escapeLike(q)}%`} escape '\\'`;
		const newest = this.db
			.select({ id: sql<number>`max(${messages.id})` })
			.from(messages)
			.where(
				and(
					inArray(messages.sessionId, sessionIds),
					inArray(messages.role, ['user', 'assistant']),
					hit
				)
			)
			.groupBy(messages.sessionId)
			.all()
			.map((row) => row.id);
		if (newest.length === 0) return found;
		const rows = this.db
			.select({ id: messages.id, sessionId: messages.sessionId, content: messages.content })
			.from(messages)
			.where(inArray(messages.id, newest))
			.all();
		for (const row of rows)
			found.set(row.sessionId, { messageId: row.id, snippet: snippetAround(row.content, q) });
		return found;
	}

	#matches(q: string): SQL {
		// SQLite's LIKE and the FTS5 query parser read text only up to a NUL, so no search can
		// find one; the cut phrase was an FTS5 syntax error ("unterminated string", a 500).
		if (q.includes('\0')) return sql`0`;
		const pattern = `%${escapeLike(q)}%`;
		const titleMatch = sql`${conversations.title} like ${pattern} escape '\\'`;
		if ([...q].length >= 3) {
			const hits = sql`select rowid from messages_fts where messages_fts match ${ftsPhrase(q)}`;
			return or(
				titleMatch,
				sql`"conversations"."session_id" in (select m."session_id" from "messages" m where m."id" in (${hits}))`
			)!;
		}
		// The trigram index needs three characters, so a shorter query reads message text. First
		// the conversations it occurs in, up to a bound: a rare string ("qz") is found everywhere
		// it occurs in one pass (10 ms over 45,000 messages), and those few are listed directly.
		// A common one ("AI", "Go") hits the bound at once; then the list is walked newest first,
		// checking each conversation's messages, and stops when the page is full (0.2 ms, where
		// collecting every match first took 30 ms).
		const found = this.db
			// `+` keeps SQLite from walking the session index for DISTINCT: a plain scan is twice as fast.
			.selectDistinct({ id: sql<string>`+${messages.sessionId}` })
			.from(messages)
			.where(sql`${messages.content} like ${pattern} escape '\\'`)
			.limit(SHORT_QUERY_SESSIONS + 1)
			.all();
		const textMatch =
			found.length <= SHORT_QUERY_SESSIONS
				? inArray(
						conversations.sessionId,
						found.map((row) => row.id)
					)
				: sql`exists (select 1 from "messages" m where m."session_id" = "conversations"."session_id" and m."content" like ${pattern} escape '\\')`;
		return or(titleMatch, textMatch)!;
	}
}

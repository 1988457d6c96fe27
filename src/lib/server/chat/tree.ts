import { and, asc, desc, eq, inArray, isNull, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { conversations, messages, type MessageRow } from '../db/schema';
import { badRequest, notFound } from '../errors';

/**
 * The ancestors of `start` (itself included), at most `max` of them, as a subquery of ids. The
 * walk follows `parent_id` one primary-key lookup per step, so a path costs its own length, never
 * the size of the tree. Recursive CTEs are standard SQL (Postgres has the same syntax).
 */
const ancestors = (start: unknown, max: unknown): SQL => sql`with recursive p(id, n) as (
	select ${start}, 1
	union all
	select m.parent_id, p.n + 1 from messages m join p on m.id = p.id
	where m.parent_id is not null and p.n < ${max}
) select id from p`;

/** No bound on a path's length, for `max` above. */
const WHOLE = Number.MAX_SAFE_INTEGER;

/** The versions of one message: its siblings (same parent, itself included), oldest first. */
export type Siblings = Map<number, number[]>;

/**
 * The conversation tree: every message hangs under its `parent_id` (null for a first message),
 * and the conversation shows (and sends upstream) the path from the root to its
 * `current_leaf_id`. Each query here reads one path, or the children of the messages it is
 * given, through the `parent_id` index.
 */
export class ConversationTree {
	readonly #path;
	readonly #pathEnd;
	readonly #message;
	readonly #question;
	readonly #latestLeaf;
	readonly #setLeaf;

	constructor(private readonly db: Db) {
		const sessionId = sql.placeholder('sessionId');
		const start = sql.placeholder('start');
		// Newest first, so that LIMIT keeps the end of the path nearest `start`.
		this.#path = db
			.select()
			.from(messages)
			.where(
				and(
					eq(messages.sessionId, sessionId),
					sql`${messages.id} in (${ancestors(start, sql.placeholder('max'))})`
				)
			)
			.orderBy(desc(messages.id))
			.prepare();
		this.#pathEnd = db
			.select({ parentId: messages.parentId })
			.from(messages)
			.where(and(eq(messages.sessionId, sessionId), eq(messages.id, sql.placeholder('id'))))
			.prepare();
		this.#message = db
			.select()
			.from(messages)
			.where(and(eq(messages.sessionId, sessionId), eq(messages.id, sql.placeholder('id'))))
			.prepare();
		// Up from `start` until the first question (a parent id, when an edit became the leaf).
		this.#question = db.$client.prepare<{ start: number; sessionId: string }, { id: number }>(
			`with recursive p(id, parent, role) as (
				select id, parent_id, role from messages where id = @start and session_id = @sessionId
				union all
				select m.id, m.parent_id, m.role from messages m join p on m.id = p.parent where p.role <> 'user'
			) select id from p where role = 'user'`
		);
		// Down from `start`, each step to the newest child: the branch written last.
		this.#latestLeaf = db.$client.prepare<{ start: number }, { id: number }>(
			`with recursive d(id) as (
				select @start
				union all
				select (select max(c.id) from messages c where c.parent_id = d.id) from d where d.id is not null
			) select max(id) as id from d`
		);
		this.#setLeaf = db
			.update(conversations)
			.set({ currentLeafId: sql`${sql.placeholder('leaf')}` })
			.where(eq(conversations.sessionId, sessionId))
			.prepare();
	}

	/** One message of the conversation; undefined when there is none with that id in it. */
	message(sessionId: string, id: number): MessageRow | undefined {
		return this.#message.get({ sessionId, id });
	}

	/** The path from the root down to `leafId`, oldest first (nothing for null). */
	path(sessionId: string, leafId: number | null): MessageRow[] {
		if (leafId === null) return [];
		return this.#path.all({ sessionId, start: leafId, max: WHOLE }).reverse();
	}

	/**
	 * The last `limit` messages of the path that ends at `leafId`, before the message `before`
	 * (which is on it) when given; oldest first. `hasMore`: the path goes on above them.
	 */
	pathPage(
		sessionId: string,
		leafId: number | null,
		{ limit, before }: { limit?: number; before?: number }
	): { rows: MessageRow[]; hasMore: boolean } {
		let start = leafId;
		if (before !== undefined) {
			const row = this.#pathEnd.get({ sessionId, id: before });
			start = row ? row.parentId : null;
		}
		if (start === null) return { rows: [], hasMore: false };
		const rows = this.#path.all({
			sessionId,
			start,
			// One more than asked tells whether the path goes on.
			max: limit === undefined ? WHOLE : limit + 1
		});
		const hasMore = limit !== undefined && rows.length > limit;
		if (hasMore) rows.pop();
		return { rows: rows.reverse(), hasMore };
	}

	/** The question nearest above `from` on its path (itself when it is one). */
	questionAbove(sessionId: string, from: number | null): number | undefined {
		if (from === null) return undefined;
		return this.#question.get({ start: from, sessionId })?.id;
	}

	/** The leaf reached from `id` by always taking the newest child (`id` itself when it has none). */
	latestLeafUnder(id: number): number {
		return this.#latestLeaf.get({ start: id })?.id ?? id;
	}

	setCurrentLeaf(sessionId: string, leafId: number): void {
		this.#setLeaf.run({ sessionId, leaf: leafId });
	}

	/**
	 * The versions of each of `rows` (messages of one conversation): the ids of the messages that
	 * share its parent, oldest first. One indexed query for the children of their parents, and
	 * one for the conversation's first messages when a root is among them.
	 */
	siblings(sessionId: string, rows: Pick<MessageRow, 'id' | 'parentId'>[]): Siblings {
		const parents = [...new Set(rows.map((row) => row.parentId).filter((id) => id !== null))];
		const byParent = new Map<number | null, number[]>();
		const add = (parent: number | null, id: number) => {
			const list = byParent.get(parent);
			if (list) list.push(id);
			else byParent.set(parent, [id]);
		};
		// At most a page's parents at a time, under SQLite's bound on parameters.
		for (let i = 0; i < parents.length; i += 500) {
			const children = this.db
				.select({ id: messages.id, parentId: messages.parentId })
				.from(messages)
				.where(inArray(messages.parentId, parents.slice(i, i + 500)))
				.orderBy(asc(messages.id))
				.all();
			for (const child of children) add(child.parentId, child.id);
		}
		if (rows.some((row) => row.parentId === null)) {
			const roots = this.db
				.select({ id: messages.id })
				.from(messages)
				.where(and(eq(messages.sessionId, sessionId), isNull(messages.parentId)))
				.orderBy(asc(messages.id))
				.all();
			for (const root of roots) add(null, root.id);
		}
		return new Map(rows.map((row) => [row.id, byParent.get(row.parentId) ?? [row.id]]));
	}
}

/** Where a turn goes in the tree: one more reply to a question, or a new question under a message. */
export type Placement = { replyTo: number } | { parentId: number | null };

export interface PlacementRequest {
	/** Under this message (null: a new first message); the current leaf when undefined. */
	parentId?: number | null;
	/** Answer this question again. */
	replyTo?: number;
	/** Answer the current path's last question again (the same as its `replyTo`). */
	regenerate?: boolean;
	/** The request carries a question of its own (text or files). */
	asks: boolean;
}

/**
 * Checks where a turn asked to go: a message of another conversation (or none) is a 404, a
 * reply to something that is not a question or a reply that asks something is a 400.
 */
export function placeTurn(
	tree: ConversationTree,
	conversation: { sessionId: string; currentLeafId: number | null } | undefined,
	request: PlacementRequest
): Placement {
	const { parentId, regenerate } = request;
	let { replyTo } = request;
	if (replyTo !== undefined && parentId !== undefined)
		throw badRequest('reply_to and parent_id: give one of them, not both');
	if (!conversation) {
		if (regenerate) throw badRequest('session_id: required to retry a reply');
		if (replyTo !== undefined) throw badRequest('session_id: required with reply_to');
		if (parentId !== undefined && parentId !== null)
			throw badRequest('session_id: required with parent_id');
		return { parentId: null };
	}
	const { sessionId } = conversation;
	if (regenerate && replyTo === undefined) {
		replyTo = tree.questionAbove(sessionId, conversation.currentLeafId);
		if (replyTo === undefined)
			throw badRequest(
				'There is no question to answer again in this conversation.',
				'nothing_to_retry'
			);
	}
	if (replyTo !== undefined) {
		const question = tree.message(sessionId, replyTo);
		if (!question)
			throw notFound(`reply_to: no message ${replyTo} in this conversation.`, 'message_not_found');
		if (question.role !== 'user')
			throw badRequest(
				`reply_to: message ${replyTo} is not a question (a user message).`,
				'not_a_question'
			);
		if (request.asks)
			throw badRequest('message: must be empty with reply_to (the question is already saved)');
		return { replyTo };
	}
	if (parentId === undefined) return { parentId: conversation.currentLeafId };
	if (parentId !== null && !tree.message(sessionId, parentId))
		throw notFound(`parent_id: no message ${parentId} in this conversation.`, 'message_not_found');
	return { parentId };
}

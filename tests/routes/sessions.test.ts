import { afterEach, describe, expect, it } from 'vitest';
import { sessionDetail, sessionList } from '$lib/api';
import type { Services } from '$lib/server/services';
import { GET as LIST } from '../../src/routes/api/sessions/+server';
import { DELETE, GET, PATCH } from '../../src/routes/api/sessions/[id]/+server';
import {
	callRoute,
	disposeAll,
	errorOf,
	nextTimestamp,
	seedConversation,
	testServices
} from '../support/factories';

afterEach(disposeAll);

const list = (s: Services, query = '') => callRoute(LIST, s, { path: `/api/sessions${query}` });
const get = (s: Services, id: string, query = '') =>
	callRoute(GET, s, { path: `/api/sessions/${encodeURIComponent(id)}${query}`, params: { id } });
const page = async (s: Services, id: string, query: string) => {
	const response = await get(s, id, query);
	expect(response.status).toBe(200);
	return sessionDetail.strict().parse(await response.json());
};
const patch = (s: Services, id: string, body: unknown) =>
	callRoute(PATCH, s, { method: 'PATCH', path: `/api/sessions/${id}`, params: { id }, body });
const del = (s: Services, id: string) =>
	callRoute(DELETE, s, { method: 'DELETE', path: `/api/sessions/${id}`, params: { id } });

function seeded(n = 3) {
	const s = testServices();
	const ids = Array.from({ length: n }, (_, i) =>
		seedConversation(s.repo, {
			title: `Chat ${i}`,
			updatedAt: nextTimestamp(),
			messages: [
				{ content: `question ${i} about llamas` },
				{
					content: `answer ${i}`,
					modelId: 'openai/gpt-4o',
					usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5, cost: 0.0001 }
				}
			]
		})
	);
	return { s, ids };
}

describe('GET /api/sessions', () => {
	it('lists conversations newest first in the wire shape', async () => {
		const { s, ids } = seeded(3);
		const response = await list(s);
		expect(response.status).toBe(200);
		const body = sessionList.strict().parse(await response.json());
		expect(body.sessions.map((x) => x.session_id)).toEqual([...ids].reverse());
		expect(body.sessions[0]).toEqual({
			session_id: ids[2],
			title: 'Chat 2',
			created_at: expect.any(String),
			updated_at: expect.any(String),
			message_count: 2,
			project_id: null,
			pinned: false,
			model_id: null
		});
		expect(body.next_cursor).toBeNull();
	});

	it('pages with limit and next_cursor', async () => {
		const { s } = seeded(5);
		const first = sessionList.parse(await (await list(s, '?limit=2')).json());
		const second = sessionList.parse(
			await (await list(s, `?limit=2&cursor=${first.next_cursor}`)).json()
		);
		const third = sessionList.parse(
			await (await list(s, `?limit=2&cursor=${second.next_cursor}`)).json()
		);
		expect([...first.sessions, ...second.sessions, ...third.sessions].map((x) => x.title)).toEqual([
			'Chat 4',
			'Chat 3',
			'Chat 2',
			'Chat 1',
			'Chat 0'
		]);
		expect(third.next_cursor).toBeNull();
	});

	it('searches titles and message text with q', async () => {
		const { s } = seeded(3);
		const byText = sessionList.parse(await (await list(s, '?q=question%201%20about')).json());
		expect(byText.sessions.map((x) => x.title)).toEqual(['Chat 1']);
		const byTitle = sessionList.parse(await (await list(s, '?q=%20chat%202%20')).json());
		expect(byTitle.sessions.map((x) => x.title)).toEqual(['Chat 2']);
		const blank = sessionList.parse(await (await list(s, '?q=')).json());
		expect(blank.sessions).toHaveLength(3);
	});

	it.each([
		['?limit=abc', 'limit'],
		['?limit=0', 'limit'],
		['?limit=-5', 'limit'],
		['?limit=1.5', 'limit'],
		['?limit=201', 'limit'],
		['?limit=', 'limit'],
		['?cursor=garbage', 'cursor'],
		[`?cursor=${'a'.repeat(501)}`, 'cursor'],
		[`?q=${'q'.repeat(201)}`, 'q']
	])('answers %s with a 400 naming the parameter', async (query, parameter) => {
		const { s } = seeded(1);
		const error = await errorOf(await list(s, query));
		expect(error.status).toBe(400);
		expect(error.message).toContain(parameter);
	});
});

describe('GET /api/sessions/{id}', () => {
	it('returns the conversation with its messages', async () => {
		const { s, ids } = seeded(1);
		const response = await get(s, ids[0]);
		expect(response.status).toBe(200);
		const body = sessionDetail.parse(await response.json());
		expect(body).toMatchObject({ session_id: ids[0], title: 'Chat 0' });
		expect(body.messages.map((m) => [m.role, m.content])).toEqual([
			['user', 'question 0 about llamas'],
			['assistant', 'answer 0']
		]);
		expect(body.messages[1]).toMatchObject({
			model_id: 'openai/gpt-4o',
			usage: { total_tokens: 5, cost: 0.0001 },
			tool_calls: null,
			tool_call_id: null,
			attachments: []
		});
	});

	it.each([crypto.randomUUID(), 'not-a-uuid', "'; drop table conversations; --", '%', '..'])(
		'answers the unknown id %s with a 404',
		async (id) => {
			const { s } = seeded(1);
			expect(await errorOf(await get(s, id))).toMatchObject({
				status: 404,
				code: 'session_not_found'
			});
			expect(s.repo.listSessions({ limit: 10 }).sessions).toHaveLength(1);
		}
	);
});

describe('GET /api/sessions/{id}?limit&before (pages)', () => {
	/** Two conversations written turn by turn, so their message ids interleave. */
	function interleaved(count: number) {
		const s = testServices();
		const [a, b] = ['A', 'B'].map((title) =>
			seedConversation(s.repo, { title, updatedAt: nextTimestamp() })
		);
		for (let i = 0; i < count; i++)
			for (const id of [a, b])
				s.repo.addMessage({
					sessionId: id,
					role: i % 2 ? 'assistant' : 'user',
					content: `${id === a ? 'A' : 'B'}${i}`,
					createdAt: nextTimestamp()
				});
		return { s, a, b };
	}
	const texts = (body: { messages: { content: string }[] }) => body.messages.map((m) => m.content);

	it('answers the last `limit` messages oldest first, then the ones before `before`, with has_more', async () => {
		const { s, a } = interleaved(7);
		const last = await page(s, a, '?limit=3');
		expect(texts(last)).toEqual(['A4', 'A5', 'A6']);
		expect(last.has_more).toBe(true);
		expect(last).toMatchObject({ session_id: a, title: 'A', running: false });

		const middle = await page(s, a, `?limit=3&before=${last.messages[0].id}`);
		expect(texts(middle)).toEqual(['A1', 'A2', 'A3']);
		expect(middle.has_more).toBe(true);
		const first = await page(s, a, `?limit=3&before=${middle.messages[0].id}`);
		expect(texts(first)).toEqual(['A0']);
		expect(first.has_more).toBe(false);

		// The pages together are the whole conversation, which `limit` alone leaves as it was.
		const whole = await page(s, a, '');
		expect(whole.has_more).toBe(false);
		expect([...first.messages, ...middle.messages, ...last.messages]).toEqual(whole.messages);
	});

	it('has_more is false when the page holds exactly what is left', async () => {
		const { s, a } = interleaved(4);
		expect((await page(s, a, '?limit=4')).has_more).toBe(false);
		expect((await page(s, a, '?limit=200')).messages).toHaveLength(4);
		const lastTwo = await page(s, a, '?limit=2');
		const rest = await page(s, a, `?limit=2&before=${lastTwo.messages[0].id}`);
		expect([texts(rest), rest.has_more]).toEqual([['A0', 'A1'], false]);
	});

	it('`before` alone answers every message above it; a message of another conversation is a 404', async () => {
		const { s, a, b } = interleaved(5);
		const whole = await page(s, a, '');
		const before = await page(s, a, `?before=${whole.messages[3].id}`);
		expect([texts(before), before.has_more]).toEqual([['A0', 'A1', 'A2'], false]);
		const other = await page(s, b, '');
		for (const id of [other.messages[2].id, Number.MAX_SAFE_INTEGER])
			expect(await errorOf(await get(s, a, `?limit=2&before=${id}`))).toMatchObject({
				status: 404,
				code: 'message_not_found'
			});
		const none = await page(s, a, `?limit=2&before=${whole.messages[0].id}`);
		expect([none.messages, none.has_more]).toEqual([[], false]);
	});

	it('an empty conversation is one empty page', async () => {
		const s = testServices();
		const id = seedConversation(s.repo, { title: 'Empty' });
		expect(await page(s, id, '?limit=50')).toMatchObject({ messages: [], has_more: false });
	});

	it.each([
		['?limit=0', 'limit'],
		['?limit=201', 'limit'],
		['?limit=-1', 'limit'],
		['?limit=1.5', 'limit'],
		['?limit=abc', 'limit'],
		['?limit=', 'limit'],
		['?before=abc', 'before'],
		['?limit=10&before=0', 'before'],
		['?before=-4', 'before'],
		['?before=2.5', 'before'],
		['?before=', 'before'],
		['?before=99999999999999999999', 'before']
	])('answers %s with a 400 naming the parameter', async (query, parameter) => {
		const { s, ids } = seeded(1);
		const error = await errorOf(await get(s, ids[0], query));
		expect(error).toMatchObject({ status: 400, code: 'invalid_request' });
		expect(error.message).toMatch(new RegExp(`^${parameter}: `));
	});

	it('answers an unknown id with a 404 whatever the page', async () => {
		const { s } = seeded(1);
		expect(await errorOf(await get(s, crypto.randomUUID(), '?limit=5&before=3'))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
	});

	it('re-signs and marks used only the attachments of the messages on the page', async () => {
		const s = testServices();
		const id = seedConversation(s.repo, {
			title: 'Files',
			messages: Array.from({ length: 6 }, (_, i) => ({ content: `m${i}` }))
		});
		const rows = s.repo.listMessages(id);
		const files: string[] = [];
		for (const row of rows) {
			const file = await s.attachments.save({
				data: Buffer.from(`file ${row.id}`),
				fileName: `f${row.id}.txt`
			});
			s.attachments.link(row.id, id, [file.attachment_id]);
			files.push(file.attachment_id);
		}
		// Every signed URL expired long ago, and every file was last used then.
		const old = '2020-01-01T00:00:00.000Z';
		s.db.$client
			.prepare('update attachments set signed_url_expires_at = ?, last_used_at = ?')
			.run(old, old);
		const state = (attachmentId: string) =>
			s.db.$client
				.prepare(
					'select signed_url_expires_at as expires, last_used_at as used from attachments where attachment_id = ?'
				)
				.get(attachmentId) as { expires: string; used: string };

		const body = await page(s, id, `?limit=2&before=${rows[4].id}`);
		expect(texts(body)).toEqual(['m2', 'm3']);
		expect(body.messages.map((m) => m.attachments.map((f) => f.attachment_id))).toEqual([
			[files[2]],
			[files[3]]
		]);
		for (const message of body.messages) {
			const [file] = message.attachments;
			expect(Date.parse(file.signed_url_expires_at)).toBeGreaterThan(Date.now());
			expect(state(file.attachment_id).expires).toBe(file.signed_url_expires_at);
			expect(state(file.attachment_id).used).not.toBe(old);
		}
		// The rest were not asked for: still stale, still unused.
		for (const other of [0, 1, 4, 5].map((i) => files[i]))
			expect(state(other)).toEqual({ expires: old, used: old });
	});
});

describe('PATCH /api/sessions/{id}', () => {
	it('renames (trimmed) without moving the conversation', async () => {
		const { s, ids } = seeded(2);
		const response = await patch(s, ids[0], { title: '  Llama facts  ' });
		expect(response.status).toBe(200);
		expect(await response.json()).toMatchObject({ session_id: ids[0], title: 'Llama facts' });
		const body = sessionList.parse(await (await list(s)).json());
		expect(body.sessions.map((x) => x.title)).toEqual(['Chat 1', 'Llama facts']);
	});

	it.each([
		['broken JSON', '{"title":', 'invalid_json'],
		['no title', {}, 'invalid_request'],
		['an empty title', { title: '' }, 'invalid_request'],
		['a blank title', { title: '   ' }, 'invalid_request'],
		['a numeric title', { title: 12 }, 'invalid_request'],
		['a null title', { title: null }, 'invalid_request'],
		['a title over 200 characters', { title: 't'.repeat(201) }, 'invalid_request']
	])('answers %s with a 400 and keeps the title', async (_what, body, code) => {
		const { s, ids } = seeded(1);
		expect(await errorOf(await patch(s, ids[0], body))).toMatchObject({ status: 400, code });
		expect(s.repo.getConversation(ids[0])?.title).toBe('Chat 0');
	});

	it('moves the current leaf to a message of the conversation, and only to one', async () => {
		const { s, ids } = seeded(2);
		const [question, answer] = s.repo.listMessages(ids[0]);
		const foreign = s.repo.listMessages(ids[1])[0].id;
		// A question with two replies: showing the first goes to it, from the second's.
		const other = s.repo.addMessage({
			sessionId: ids[0],
			parentId: question.id,
			role: 'assistant',
			content: 'another answer',
			createdAt: nextTimestamp()
		});
		expect(s.repo.getConversation(ids[0])?.currentLeafId).toBe(other.id);
		const response = await patch(s, ids[0], { current_leaf_id: answer.id });
		expect(await response.json()).toMatchObject({ session_id: ids[0], current_leaf_id: answer.id });
		expect((await page(s, ids[0], '?limit=50')).messages.map((m) => m.content)).toEqual([
			'question 0 about llamas',
			'answer 0'
		]);
		for (const [body, code] of [
			[{ current_leaf_id: foreign }, 'message_not_found'],
			[{ current_leaf_id: 987654 }, 'message_not_found'],
			[{ current_leaf_id: 'latest' }, 'invalid_request'],
			[{ current_leaf_id: -1 }, 'invalid_request']
		] as const)
			expect(await errorOf(await patch(s, ids[0], body)), JSON.stringify(body)).toMatchObject({
				status: 400,
				code
			});
		expect(s.repo.getConversation(ids[0])?.currentLeafId).toBe(answer.id);
	});

	it('answers an unknown id with a 404', async () => {
		const { s } = seeded(1);
		expect(await errorOf(await patch(s, crypto.randomUUID(), { title: 'x' }))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
	});
});

describe('DELETE /api/sessions/{id}', () => {
	it('deletes the conversation and its messages (204)', async () => {
		const { s, ids } = seeded(2);
		const response = await del(s, ids[0]);
		expect(response.status).toBe(204);
		expect(await response.text()).toBe('');
		expect((await get(s, ids[0])).status).toBe(404);
		expect(s.repo.listMessages(ids[0])).toEqual([]);
		expect(s.repo.listMessages(ids[1])).toHaveLength(2);
	});

	it('answers an unknown id with a 404', async () => {
		const { s, ids } = seeded(1);
		expect(await errorOf(await del(s, crypto.randomUUID()))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
		await del(s, ids[0]);
		expect(await errorOf(await del(s, ids[0]))).toMatchObject({ status: 404 });
	});
});

import { afterEach, describe, expect, it } from 'vitest';
import { project, projectList, sessionList } from '$lib/api';
import type { Services } from '$lib/server/services';
import { GET as LIST, POST as CREATE } from '../../src/routes/api/projects/+server';
import { DELETE, GET, PUT } from '../../src/routes/api/projects/[id]/+server';
import { GET as SESSIONS } from '../../src/routes/api/sessions/+server';
import { PATCH } from '../../src/routes/api/sessions/[id]/+server';
import {
	callRoute,
	disposeAll,
	errorOf,
	nextTimestamp,
	seedConversation,
	testServices
} from '../support/factories';
import { ProjectRepository } from '$lib/server/projects/repository';
import { MAX_PROJECTS } from '$lib/server/projects/service';

afterEach(disposeAll);

const create = (s: Services, body: unknown) =>
	callRoute(CREATE, s, { method: 'POST', path: '/api/projects', body });
const get = (s: Services, id: string) =>
	callRoute(GET, s, { path: `/api/projects/${id}`, params: { id } });
const put = (s: Services, id: string, body: unknown) =>
	callRoute(PUT, s, { method: 'PUT', path: `/api/projects/${id}`, params: { id }, body });
const del = (s: Services, id: string, query = '') =>
	callRoute(DELETE, s, { method: 'DELETE', path: `/api/projects/${id}${query}`, params: { id } });
const patch = (s: Services, id: string, body: unknown) =>
	callRoute(PATCH, s, { method: 'PATCH', path: `/api/sessions/${id}`, params: { id }, body });
const sessions = async (s: Services, query = '') => {
	const response = await callRoute(SESSIONS, s, { path: `/api/sessions${query}` });
	expect(response.status).toBe(200);
	return sessionList.strict().parse(await response.json()).sessions;
};

async function newProject(s: Services, body: Record<string, unknown> = {}) {
	const response = await create(s, { name: 'Research', ...body });
	expect(response.status).toBe(201);
	return project.strict().parse(await response.json());
}

const chatIn = (s: Services, title: string) =>
	seedConversation(s.repo, {
		title,
		updatedAt: nextTimestamp(),
		messages: [{ content: `question of ${title}` }, { content: `answer of ${title}` }]
	});

describe('projects API', () => {
	it('creates, lists, reads, edits and deletes a project', async () => {
		const s = testServices();
		const created = await newProject(s, {
			name: '  Thesis  ',
			description: 'Chapter drafts',
			system_prompt: 'You are a careful editor.',
			model_id: 'anthropic/claude-3.5-sonnet'
		});
		expect(created).toMatchObject({
			name: 'Thesis',
			description: 'Chapter drafts',
			system_prompt: 'You are a careful editor.',
			model_id: 'anthropic/claude-3.5-sonnet',
			web_search: false,
			session_count: 0
		});

		const listed = projectList
			.strict()
			.parse(await (await callRoute(LIST, s, { path: '/api/projects' })).json());
		expect(listed.projects.map((p) => p.project_id)).toEqual([created.project_id]);

		const edited = await put(s, created.project_id, { name: 'Thesis 2', system_prompt: '' });
		expect(edited.status).toBe(200);
		expect(project.parse(await edited.json())).toMatchObject({
			name: 'Thesis 2',
			description: 'Chapter drafts',
			system_prompt: null,
			model_id: 'anthropic/claude-3.5-sonnet'
		});
		expect(project.parse(await (await get(s, created.project_id)).json()).name).toBe('Thesis 2');

		expect((await del(s, created.project_id)).status).toBe(204);
		expect((await get(s, created.project_id)).status).toBe(404);
	});

	it('refuses bad names, fields and model ids with a 400 that names the field', async () => {
		const s = testServices();
		for (const [body, field] of [
			[{ name: '' }, 'name'],
			[{ name: '   ' }, 'name'],
			[{ name: 'x'.repeat(101) }, 'name'],
			[{ name: 'bad\u0007name' }, 'name'],
			[{ name: 'line\nbreak' }, 'name'],
			[{ name: 'ok', model_id: 'not a model' }, 'model_id'],
			[{ name: 'ok', model_id: '../../etc' }, 'model_id'],
			[{ name: 'ok', description: 'd'.repeat(2001) }, 'description'],
			[{ name: 'ok', colour: 'red' }, 'colour'],
			[{ name: 42 }, 'name']
		] as const) {
			const failure = await errorOf(await create(s, body));
			expect(failure.status, JSON.stringify(body)).toBe(400);
			expect(failure.message, JSON.stringify(body)).toContain(field);
		}
		const broken = await callRoute(CREATE, s, {
			method: 'POST',
			path: '/api/projects',
			body: '{"name": '
		});
		expect((await errorOf(broken)).code).toBe('invalid_json');
		const { project_id } = await newProject(s);
		expect((await errorOf(await put(s, project_id, {}))).status).toBe(400);
		expect((await errorOf(await put(s, project_id, { name: '' }))).message).toContain('name');
		expect(
			projectList.parse(await (await callRoute(LIST, s, { path: '/api/projects' })).json()).projects
		).toHaveLength(1);
	});

	it('refuses a project past the most there can be with a 409', async () => {
		const s = testServices();
		const repo = new ProjectRepository(s.db);
		const now = new Date().toISOString();
		for (let i = 0; i < MAX_PROJECTS - 1; i++)
			repo.insert({
				projectId: crypto.randomUUID(),
				name: `P${i}`,
				description: '',
				systemPrompt: null,
				modelId: null,
				webSearch: false,
				createdAt: now,
				updatedAt: now
			});
		expect((await create(s, { name: 'The last one' })).status).toBe(201);
		expect(await errorOf(await create(s, { name: 'One too many' }))).toMatchObject({
			status: 409,
			code: 'too_many_projects'
		});
	});

	it('answers 404 for an unknown project, whatever the id looks like', async () => {
		const s = testServices();
		for (const id of [crypto.randomUUID(), 'nope', '%00', 'x'.repeat(300)]) {
			expect((await errorOf(await get(s, id))).code).toBe('project_not_found');
			expect((await put(s, id, { name: 'x' })).status).toBe(404);
			expect((await del(s, id)).status).toBe(404);
		}
	});

	it('counts its chats; deleting it moves them out, or deletes them with delete_chats=true', async () => {
		const s = testServices();
		const a = await newProject(s, { name: 'A' });
		const b = await newProject(s, { name: 'B' });
		const [one, two, three] = ['one', 'two', 'three'].map((t) => chatIn(s, t));
		for (const id of [one, two])
			expect((await patch(s, id, { project_id: a.project_id })).status).toBe(200);
		expect((await patch(s, three, { project_id: b.project_id })).status).toBe(200);
		expect(project.parse(await (await get(s, a.project_id)).json()).session_count).toBe(2);

		expect((await del(s, a.project_id)).status).toBe(204);
		const after = await sessions(s);
		expect(after.map((x) => x.title).sort()).toEqual(['one', 'three', 'two']);
		expect(after.find((x) => x.session_id === one)?.project_id).toBeNull();

		expect((await errorOf(await del(s, b.project_id, '?delete_chats=maybe'))).status).toBe(400);
		expect((await del(s, b.project_id, '?delete_chats=true')).status).toBe(204);
		expect((await sessions(s)).map((x) => x.title).sort()).toEqual(['one', 'two']);
		expect(s.repo.getConversation(three)).toBeUndefined();
	});
});

describe('sessions: projects, pins and own models', () => {
	it('lists pinned chats first, then the others newest first', async () => {
		const s = testServices();
		const [old, middle] = ['old', 'middle', 'recent'].map((t) => chatIn(s, t));
		expect((await patch(s, old, { pinned: true })).status).toBe(200);
		const list = await sessions(s);
		expect(list.map((x) => x.title)).toEqual(['old', 'recent', 'middle']);
		expect(list[0]).toMatchObject({ pinned: true, project_id: null, model_id: null });
		expect(list[1].pinned).toBe(false);

		await patch(s, middle, { pinned: true });
		expect((await sessions(s)).map((x) => x.title)).toEqual(['middle', 'old', 'recent']);
		// Pages after the first carry no pinned chats (they were all on the first).
		const first = sessionList.parse(
			await (await callRoute(SESSIONS, s, { path: '/api/sessions?limit=1' })).json()
		);
		expect(first.sessions.map((x) => x.title)).toEqual(['middle', 'old', 'recent']);
		expect(first.next_cursor).toBeNull();

		await patch(s, old, { pinned: false });
		expect((await sessions(s)).map((x) => x.title)).toEqual(['middle', 'recent', 'old']);
	});

	it('filters by project_id, none meaning outside projects', async () => {
		const s = testServices();
		const p = await newProject(s);
		const [inside, outside] = ['inside', 'outside'].map((t) => chatIn(s, t));
		const moved = await patch(s, inside, { project_id: p.project_id });
		expect(await moved.json()).toMatchObject({ session_id: inside, project_id: p.project_id });
		expect((await sessions(s, `?project_id=${p.project_id}`)).map((x) => x.title)).toEqual([
			'inside'
		]);
		expect((await sessions(s, '?project_id=none')).map((x) => x.session_id)).toEqual([outside]);
		expect((await sessions(s)).length).toBe(2);
		expect((await sessions(s, `?project_id=${crypto.randomUUID()}`)).length).toBe(0);
		const bad = await callRoute(SESSIONS, s, { path: '/api/sessions?project_id=nope' });
		expect((await errorOf(bad)).message).toContain('project_id');

		await patch(s, inside, { project_id: null });
		expect((await sessions(s, '?project_id=none')).length).toBe(2);
	});

	it('sets and clears a chat model, refuses an unknown project and bad values', async () => {
		const s = testServices();
		const id = chatIn(s, 'chat');
		const set = await patch(s, id, { model_id: 'openai/gpt-4o-mini', title: 'Renamed' });
		expect(await set.json()).toMatchObject({ model_id: 'openai/gpt-4o-mini', title: 'Renamed' });
		expect((await sessions(s))[0].model_id).toBe('openai/gpt-4o-mini');
		await patch(s, id, { model_id: null });
		expect((await sessions(s))[0].model_id).toBeNull();

		const unknown = await errorOf(await patch(s, id, { project_id: crypto.randomUUID() }));
		expect(unknown).toMatchObject({ status: 400, code: 'unknown_project' });
		for (const body of [
			{},
			{ project_id: 'nope' },
			{ pinned: 'yes' },
			{ model_id: 'no spaces allowed' },
			{ model_id: 7 }
		])
			expect((await patch(s, id, body)).status, JSON.stringify(body)).toBe(400);
		expect((await patch(s, crypto.randomUUID(), { pinned: true })).status).toBe(404);
		// Nothing of a refused PATCH was written.
		expect(
			await patch(s, id, { title: 'Should not stick', project_id: crypto.randomUUID() })
		).toHaveProperty('status', 400);
		expect((await sessions(s))[0].title).toBe('Renamed');
	});
});

describe('search', () => {
	it('finds message text and says which message matched', async () => {
		const s = testServices();
		const id = seedConversation(s.repo, {
			title: 'Trip',
			updatedAt: nextTimestamp(),
			messages: [
				{ content: 'Where should we go?' },
				{ content: 'Somewhere with a glacier and hot springs.' },
				{ content: 'Tell me more' },
				{ content: 'Iceland has both.' }
			]
		});
		const [glacierId] = s.repo
			.listMessages(id)
			.filter((m) => m.content.includes('glacier'))
			.map((m) => m.id);
		for (const q of ['glacier', 'GLACIER', 'hot springs', 'la']) {
			const found = await sessions(s, `?q=${encodeURIComponent(q)}`);
			expect(
				found.map((x) => x.session_id),
				q
			).toEqual([id]);
			expect(found[0].match?.snippet.toLowerCase(), q).toContain(q.toLowerCase());
			if (q !== 'la') expect(found[0].match?.message_id, q).toBe(glacierId);
		}
		// A title match alone points at no message.
		expect((await sessions(s, '?q=Trip'))[0].match).toBeNull();
		expect(await sessions(s, '?q=volcano')).toEqual([]);
	});
});

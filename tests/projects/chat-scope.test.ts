import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, sessionDetail, sessionList } from '$lib/api';
import type { Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import { POST as CREATE_PROJECT } from '../../src/routes/api/projects/+server';
import { GET as SESSIONS } from '../../src/routes/api/sessions/+server';
import { GET as SESSION, PATCH } from '../../src/routes/api/sessions/[id]/+server';
import {
	callRoute,
	errorOf,
	eventsNamed,
	readChatEvents,
	TEST_API_KEY,
	onDispose,
	testConfig,
	testServices,
	useOpenRouterStandin,
	waitUntil
} from '../support/factories';
import { createServices } from '$lib/server/services';
import { silentLogger } from '$lib/server/log';
import { ProjectRepository } from '$lib/server/projects/repository';
import { TemporaryChatReaper } from '$lib/server/projects/temporary';
import { upstreamRequests } from '../support/chat-streams';

const openrouter = useOpenRouterStandin();

const services = () =>
	testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
		OPENROUTER_SYSTEM_PROMPT: 'Global prompt.'
	});

async function send(s: Services, body: Record<string, unknown>) {
	const response = await callRoute(CHAT, s, { method: 'POST', path: '/api/chat', body });
	if (response.status !== 200) return { response, sessionId: '' };
	const events = await readChatEvents(response);
	return {
		response,
		events,
		sessionId: eventsNamed(events, 'session')[0].data.session_id,
		done: eventsNamed(events, 'done')[0].data
	};
}

/** The model and system prompt the provider got for the question holding `marker`. */
function upstream(marker: string) {
	const [request] = upstreamRequests(openrouter.standin, marker);
	const system = request.body.messages.find((m: { role: string }) => m.role === 'system');
	return { model: request.body.model as string, system: system?.content as string | undefined };
}

async function newProject(s: Services, body: Record<string, unknown>) {
	const response = await callRoute(CREATE_PROJECT, s, {
		method: 'POST',
		path: '/api/projects',
		body: { name: 'Project', ...body }
	});
	return project.parse(await response.json());
}

const patch = (s: Services, id: string, body: unknown) =>
	callRoute(PATCH, s, { method: 'PATCH', path: `/api/sessions/${id}`, params: { id }, body });
const listed = async (s: Services, query = '') =>
	sessionList.parse(await (await callRoute(SESSIONS, s, { path: `/api/sessions${query}` })).json())
		.sessions;

describe("a chat's model and system prompt", () => {
	it('uses the chat model, else the project model, else the active model', async () => {
		const s = services();
		const p = await newProject(s, { model_id: 'anthropic/claude-3.5-sonnet' });

		const plain = await send(s, { message: 'marker-active' });
		expect(upstream('marker-active').model).toBe('openai/gpt-4o');

		const inProject = await send(s, { message: 'marker-project', project_id: p.project_id });
		expect(upstream('marker-project').model).toBe('anthropic/claude-3.5-sonnet');
		expect(inProject.done?.model_id).toBe('anthropic/claude-3.5-sonnet');

		await patch(s, inProject.sessionId, { model_id: 'mistralai/mistral-large' });
		await send(s, { session_id: inProject.sessionId, message: 'marker-own' });
		expect(upstream('marker-own').model).toBe('mistralai/mistral-large');

		// Back to following the project; a chat moved out follows the active model again.
		await patch(s, inProject.sessionId, { model_id: null });
		await send(s, { session_id: inProject.sessionId, message: 'marker-again' });
		expect(upstream('marker-again').model).toBe('anthropic/claude-3.5-sonnet');
		await patch(s, inProject.sessionId, { project_id: null });
		await send(s, { session_id: inProject.sessionId, message: 'marker-out' });
		expect(upstream('marker-out').model).toBe('openai/gpt-4o');

		// The active model changing reaches chats that follow it, not a chat with its own.
		await patch(s, plain.sessionId, { model_id: 'google/gemini-pro' });
		await s.modelSettings.updateModel({ model_id: 'openai/gpt-4o-mini' });
		await send(s, { session_id: plain.sessionId, message: 'marker-pinned' });
		await send(s, { session_id: inProject.sessionId, message: 'marker-follows' });
		expect(upstream('marker-pinned').model).toBe('google/gemini-pro');
		expect(upstream('marker-follows').model).toBe('openai/gpt-4o-mini');
	});

	it("uses the project's system prompt when it has one, else the global one", async () => {
		const s = services();
		const withPrompt = await newProject(s, { system_prompt: 'Project prompt.' });
		const without = await newProject(s, { name: 'Plain' });
		await send(s, { message: 'marker-p1', project_id: withPrompt.project_id });
		await send(s, { message: 'marker-p2', project_id: without.project_id });
		const outside = await send(s, { message: 'marker-p3' });
		expect(upstream('marker-p1').system).toBe('Project prompt.');
		expect(upstream('marker-p2').system).toBe('Global prompt.');
		expect(upstream('marker-p3').system).toBe('Global prompt.');
		// Moved into the project, the chat's next turn gets the project's prompt.
		await patch(s, outside.sessionId, { project_id: withPrompt.project_id });
		await send(s, { session_id: outside.sessionId, message: 'marker-p4' });
		expect(upstream('marker-p4').system).toBe('Project prompt.');
	});

	it('starts a new chat inside a project; refuses an unknown one or one for an old chat', async () => {
		const s = services();
		const p = await newProject(s, {});
		const started = await send(s, { message: 'hello there', project_id: p.project_id });
		expect((await listed(s, `?project_id=${p.project_id}`)).map((x) => x.session_id)).toEqual([
			started.sessionId
		]);
		const unknown = await send(s, { message: 'x', project_id: crypto.randomUUID() });
		expect(await errorOf(unknown.response)).toMatchObject({ status: 400, code: 'unknown_project' });
		const old = await send(s, {
			message: 'x',
			session_id: started.sessionId,
			project_id: p.project_id
		});
		expect((await errorOf(old.response)).message).toContain('project_id');
		expect((await listed(s)).length).toBe(1);
	});
});

describe('temporary chats', () => {
	it('are never listed, counted, searched or written to the conversation logs', async () => {
		const s = services();
		const p = await newProject(s, {});
		const kept = await send(s, { message: 'zebra crossing kept' });
		const temporary = await send(s, {
			message: 'zebra crossing secret',
			temporary: true,
			project_id: p.project_id
		});
		expect(temporary.response.status).toBe(200);
		expect((await listed(s)).map((x) => x.session_id)).toEqual([kept.sessionId]);
		expect((await listed(s, '?q=zebra')).map((x) => x.session_id)).toEqual([kept.sessionId]);
		expect((await listed(s, '?q=secret')).length).toBe(0);
		expect((await listed(s, `?project_id=${p.project_id}`)).length).toBe(0);
		expect(s.projects.get(p.project_id).session_count).toBe(0);

		// It opens and goes on like any chat, and says it is temporary.
		await send(s, { session_id: temporary.sessionId, message: 'and more' });
		const detail = sessionDetail.parse(
			await (
				await callRoute(SESSION, s, {
					path: `/api/sessions/${temporary.sessionId}`,
					params: { id: temporary.sessionId }
				})
			).json()
		);
		expect(detail).toMatchObject({ temporary: true, project_id: p.project_id });
		expect(detail.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);

		await s.log.close();
		const logs = path.join(s.config.logDir, 'conversations');
		const files = readdirSync(logs, { recursive: true }).map(String);
		expect(files.some((f) => f.includes(kept.sessionId))).toBe(true);
		expect(files.some((f) => f.includes(temporary.sessionId))).toBe(false);
	});

	it('cannot turn an existing chat temporary', async () => {
		const s = services();
		const kept = await send(s, { message: 'hello' });
		const refused = await send(s, { session_id: kept.sessionId, message: 'x', temporary: true });
		expect((await errorOf(refused.response)).message).toContain('temporary');
	});
});

describe('the temporary chat reaper', () => {
	const hour = 60 * 60 * 1000;
	const seedTemporary = (s: Services, lastMessageAt: Date) => {
		const id = crypto.randomUUID();
		s.repo.createConversation(id, 'temporary', lastMessageAt.toISOString(), { temporary: true });
		s.repo.addMessage({
			sessionId: id,
			role: 'user',
			content: 'gone soon',
			createdAt: lastMessageAt.toISOString()
		});
		return id;
	};

	it('deletes a temporary chat 24 h after its last message, and no other chat', async () => {
		const s = services();
		const now = new Date('2026-11-02T12:00:00Z');
		const expired = seedTemporary(s, new Date(now.getTime() - 25 * hour));
		const fresh = seedTemporary(s, new Date(now.getTime() - 23 * hour));
		const kept = crypto.randomUUID();
		s.repo.createConversation(kept, 'kept', new Date(now.getTime() - 90 * 24 * hour).toISOString());
		const reaper = new TemporaryChatReaper({
			projects: new ProjectRepository(s.db),
			deleteSession: (id) => s.sessions.delete(id),
			log: s.log,
			now: () => now
		});
		expect(await reaper.sweep()).toBe(1);
		expect(s.repo.getConversation(expired)).toBeUndefined();
		expect(s.repo.listMessages(expired)).toEqual([]);
		expect(s.repo.getConversation(fresh)).toBeDefined();
		expect(s.repo.getConversation(kept)).toBeDefined();
	});

	it('deletes every temporary chat when the server starts', async () => {
		const config = testConfig();
		const first = createServices(config, { log: silentLogger });
		const temporary = seedTemporary(first, new Date());
		const kept = crypto.randomUUID();
		first.repo.createConversation(kept, 'kept', new Date().toISOString());
		await first.close();

		const second = createServices(config, { log: silentLogger });
		onDispose(() => second.close());
		second.start();
		await waitUntil(() => second.repo.getConversation(temporary) === undefined);
		expect(second.repo.getConversation(kept)).toBeDefined();
	});
});

import { describe, expect, it } from 'vitest';
import { chatEvents, sessionDetail } from '$lib/api';
import type { Services } from '$lib/server/services';
import { POST } from '../../src/routes/api/chat/+server';
import { GET, PATCH } from '../../src/routes/api/sessions/[id]/+server';
import { POST as CREATE_PRESET } from '../../src/routes/api/presets/+server';
import { POST as APPLY_PRESET } from '../../src/routes/api/presets/[name]/apply/+server';
import {
	callRoute,
	errorOf,
	eventsNamed,
	readChatEvents,
	TEST_API_KEY,
	testServices,
	textOf,
	useOpenRouterStandin
} from '../support/factories';
import { WEB_SEARCH_PRICE, WEB_SOURCES } from '../support/openrouter-standin';

const openrouter = useOpenRouterStandin();

const services = () =>
	testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
	});
const chat = (s: Services, body: unknown) =>
	callRoute(POST, s, { method: 'POST', path: '/api/chat', body });
const getSession = async (s: Services, id: string) =>
	sessionDetail.parse(
		await (await callRoute(GET, s, { path: `/api/sessions/${id}`, params: { id } })).json()
	);
const patch = (s: Services, id: string, body: unknown) =>
	callRoute(PATCH, s, { method: 'PATCH', path: `/api/sessions/${id}`, params: { id }, body });
const lastRequest = () => openrouter.standin.requests.at(-1)!.body;
const SOURCES = WEB_SOURCES.map(({ url, title, content }) => ({ url, title, content }));

describe('web search', () => {
	it('asks OpenRouter to search, streams the sources and saves them with the reply', async () => {
		const s = services();
		const events = await readChatEvents(
			await chat(s, { message: 'When did the Saturn V fly?', web_search: true })
		);
		for (const event of events) chatEvents[event.event].parse(event.data);
		expect(lastRequest().tools).toContainEqual({
			type: 'openrouter:web_search',
			parameters: { max_results: 5 }
		});
		expect(textOf(events)).toContain('first flew in 1967');
		// The source that came with text mid-reply first, then the one of the annotation-only delta.
		const citations = eventsNamed(events, 'citations');
		expect(citations.map((event) => event.data.items.length)).toEqual([1, 2]);
		expect(citations.at(-1)!.data.items).toEqual(SOURCES);
		// The search's price is in the reply's cost.
		expect(eventsNamed(events, 'usage')[0].data.cost).toBeGreaterThan(WEB_SEARCH_PRICE);

		const sessionId = eventsNamed(events, 'session')[0].data.session_id;
		const detail = await getSession(s, sessionId);
		expect(detail.web_search).toBe(true);
		expect(detail.messages.at(-1)).toMatchObject({ role: 'assistant', citations: SOURCES });
		expect(detail.messages[0].citations).toBeUndefined();
	});

	it('remembers the setting per conversation, and PATCH turns it off', async () => {
		const s = services();
		const first = await readChatEvents(await chat(s, { message: 'one', web_search: true }));
		const id = eventsNamed(first, 'session')[0].data.session_id;
		await readChatEvents(await chat(s, { session_id: id, message: 'two' }));
		expect(lastRequest().tools).toContainEqual(
			expect.objectContaining({ type: 'openrouter:web_search' })
		);

		const off = await patch(s, id, { web_search: false });
		expect(off.status).toBe(200);
		expect(await off.json()).toMatchObject({ session_id: id, web_search: false });
		const events = await readChatEvents(await chat(s, { session_id: id, message: 'three' }));
		expect(lastRequest().tools ?? []).not.toContainEqual(
			expect.objectContaining({ type: 'openrouter:web_search' })
		);
		expect(eventsNamed(events, 'citations')).toEqual([]);
		expect(textOf(events)).toBe('Echo: three');
		expect((await getSession(s, id)).web_search).toBe(false);
	});

	it('does not search unless asked', async () => {
		const s = services();
		const events = await readChatEvents(await chat(s, { message: 'hello' }));
		expect(lastRequest().tools ?? []).not.toContainEqual(
			expect.objectContaining({ type: 'openrouter:web_search' })
		);
		expect(eventsNamed(events, 'citations')).toEqual([]);
	});

	it('refuses a PATCH with nothing to change or a wrong type, and an unknown conversation', async () => {
		const s = services();
		const events = await readChatEvents(await chat(s, { message: 'hello' }));
		const id = eventsNamed(events, 'session')[0].data.session_id;
		for (const body of [{}, { web_search: 'yes' }]) {
			const response = await patch(s, id, body);
			expect(response.status).toBe(400);
			expect((await errorOf(response)).message).toBeTruthy();
		}
		const renamed = await patch(s, id, { title: 'Renamed' });
		expect(await renamed.json()).toMatchObject({ title: 'Renamed' });
		const missing = await patch(s, '00000000-0000-4000-8000-000000000000', { web_search: true });
		expect(missing.status).toBe(404);
	});

	it('is kept in a preset, and applying the preset gives it back', async () => {
		const s = services();
		const created = await callRoute(CREATE_PRESET, s, {
			method: 'POST',
			path: '/api/presets',
			body: { name: 'Research', web_search: true }
		});
		expect(created.status).toBe(201);
		expect(await created.json()).toMatchObject({ name: 'Research', web_search: true });
		const applied = await callRoute(APPLY_PRESET, s, {
			method: 'POST',
			path: '/api/presets/Research/apply',
			params: { name: 'Research' }
		});
		expect(await applied.json()).toMatchObject({ web_search: true });
	});
});

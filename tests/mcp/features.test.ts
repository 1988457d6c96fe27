import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mcpPromptList, mcpResourceList, mcpServersResponse } from '$lib/api';
import type { Services } from '$lib/server/services';
import { GET as SERVERS, PUT } from '../../src/routes/api/mcp/servers/+server';
import { GET as PROMPTS } from '../../src/routes/api/mcp/prompts/+server';
import { POST as GET_PROMPT } from '../../src/routes/api/mcp/prompts/get/+server';
import { GET as RESOURCES } from '../../src/routes/api/mcp/resources/+server';
import { GET as READ } from '../../src/routes/api/mcp/resources/read/+server';
import {
	callRoute,
	errorOf,
	TEST_API_KEY,
	testServices,
	useOpenRouterStandin
} from '../support/factories';
import { eventually, stdioFixture } from '../support/mcp/factory';
import { startHttpFixture } from '../support/mcp/http-server.mjs';

const openrouter = useOpenRouterStandin();
let http: Awaited<ReturnType<typeof startHttpFixture>>;
beforeAll(async () => {
	http = await startHttpFixture();
});
afterAll(() => http.close());

/** Services with the calculator, the stdio fixture as `local` and the Streamable HTTP one as `remote`. */
async function services(): Promise<Services> {
	const s = testServices({
		OPENROUTER_API_KEY: TEST_API_KEY,
		OPENROUTER_BASE_URL: openrouter.standin.url,
		OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
	});
	await callRoute(PUT, s, {
		method: 'PUT',
		path: '/api/mcp/servers',
		body: [
			{ id: 'calculator', enabled: true, transport: 'builtin' },
			stdioFixture('local'),
			{ id: 'remote', enabled: true, transport: 'http', url: http.url }
		]
	});
	await s.mcp.settled();
	return s;
}

const prompts = async (s: Services) =>
	mcpPromptList.parse(await (await callRoute(PROMPTS, s, { path: '/api/mcp/prompts' })).json())
		.prompts;
const getPrompt = (s: Services, body: unknown) =>
	callRoute(GET_PROMPT, s, { method: 'POST', path: '/api/mcp/prompts/get', body });
const resources = async (s: Services) =>
	mcpResourceList.parse(
		await (await callRoute(RESOURCES, s, { path: '/api/mcp/resources' })).json()
	);
const read = (s: Services, serverId: string, uri: string) =>
	callRoute(READ, s, {
		path: `/api/mcp/resources/read?server_id=${encodeURIComponent(serverId)}&uri=${encodeURIComponent(uri)}`
	});

describe('MCP prompts', () => {
	it('lists the prompts of servers over stdio and Streamable HTTP, named by server', async () => {
		const s = await services();
		const list = await prompts(s);
		expect(list.map((prompt) => prompt.name).sort()).toEqual([
			'local__greet',
			'local__plain',
			'local__review',
			'remote__greet',
			'remote__plain',
			'remote__review'
		]);
		expect(list.find((prompt) => prompt.name === 'remote__greet')).toEqual({
			name: 'remote__greet',
			server_id: 'remote',
			original_name: 'greet',
			description: 'Greets someone',
			arguments: [
				{ name: 'name', description: 'Who to greet', required: true },
				{ name: 'tone', description: 'How to sound', required: false }
			]
		});
	});

	it('fills a prompt with its arguments and keeps the roles of its messages', async () => {
		const s = await services();
		const greet = await getPrompt(s, { name: 'local__greet', arguments: { name: 'Ada' } });
		expect(greet.status).toBe(200);
		expect(await greet.json()).toEqual({
			description: 'A greeting for Ada',
			messages: [{ role: 'user', text: 'Say hello to Ada.' }]
		});
		const review = await (
			await getPrompt(s, { name: 'remote__review', arguments: { topic: 'tides' } })
		).json();
		expect(review.messages.map((m: { role: string }) => m.role)).toEqual([
			'user',
			'assistant',
			'user'
		]);
	});

	it('follows prompts/list_changed', async () => {
		const s = await services();
		await s.mcp.callTool('remote__grow_prompt', {});
		await eventually(async () =>
			expect((await prompts(s)).map((prompt) => prompt.name)).toContain('remote__extra_1')
		);
	});

	it('answers 404 for an unknown prompt or server and 400 for a missing or unknown argument', async () => {
		const s = await services();
		expect(await errorOf(await getPrompt(s, { name: 'local__nope' }))).toMatchObject({
			status: 404,
			code: 'prompt_not_found'
		});
		expect(await errorOf(await getPrompt(s, { name: 'ghost__greet' }))).toMatchObject({
			status: 404,
			code: 'prompt_not_found'
		});
		expect(await errorOf(await getPrompt(s, { name: 'local__greet', arguments: {} }))).toEqual({
			status: 400,
			code: 'missing_argument',
			message: 'arguments.name: required by the prompt local__greet'
		});
		expect(
			await errorOf(await getPrompt(s, { name: 'local__greet', arguments: { name: '  ' } }))
		).toMatchObject({ status: 400, code: 'missing_argument' });
		expect(
			await errorOf(
				await getPrompt(s, { name: 'local__greet', arguments: { name: 'A', evil: 'x' } })
			)
		).toMatchObject({ status: 400, code: 'unknown_argument' });
		expect(
			await errorOf(await getPrompt(s, { name: 'local__greet', arguments: { name: 7 } }))
		).toMatchObject({ status: 400, code: 'invalid_request' });
		expect(await errorOf(await getPrompt(s, 'not json{'))).toMatchObject({ status: 400 });
	});
});

describe('MCP resources', () => {
	it('lists static resources and templates with their variables', async () => {
		const s = await services();
		const list = await resources(s);
		expect(
			list.resources
				.filter((resource) => resource.server_id === 'local')
				.map((resource) => resource.uri)
				.sort()
		).toEqual(['fixture://big', 'fixture://counter', 'fixture://readme']);
		expect(list.templates).toContainEqual({
			server_id: 'remote',
			uri_template: 'fixture://notes/{topic}',
			name: 'note',
			description: 'A note on a topic',
			variables: ['topic']
		});
	});

	it('reads a resource, a template expansion, and cuts one over 1 MB with a note', async () => {
		const s = await services();
		expect(await (await read(s, 'local', 'fixture://readme')).json()).toEqual({
			contents: [
				{ uri: 'fixture://readme', mime_type: 'text/plain', text: 'The fixture readme says hi.' }
			]
		});
		const note = await (await read(s, 'remote', 'fixture://notes/tides')).json();
		expect(note.contents[0].text).toBe('Notes on tides.');
		const big = await (await read(s, 'local', 'fixture://big')).json();
		expect(Buffer.byteLength(big.contents[0].text)).toBeLessThanOrEqual(1024 * 1024);
		expect(big.contents[0].text).toMatch(/Switchboard cut this resource: it was 1200000 bytes/);
	});

	it('refuses a URI the server does not offer, an unknown server and a bad query', async () => {
		const s = await services();
		expect(await errorOf(await read(s, 'local', 'file:///etc/passwd'))).toMatchObject({
			status: 404,
			code: 'resource_not_found'
		});
		expect(await errorOf(await read(s, 'ghost', 'fixture://readme'))).toMatchObject({
			status: 404,
			code: 'server_not_found'
		});
		expect(await errorOf(await read(s, 'calculator', 'fixture://readme'))).toMatchObject({
			status: 404,
			code: 'resource_not_found'
		});
		expect(
			await errorOf(await callRoute(READ, s, { path: '/api/mcp/resources/read?server_id=local' }))
		).toMatchObject({ status: 400, code: 'invalid_request' });
		expect(await errorOf(await read(s, '../x', 'fixture://readme'))).toMatchObject({
			status: 400
		});
	});

	it('marks a resource that was read once and changed since (resources/updated)', async () => {
		const s = await services();
		await read(s, 'local', 'fixture://counter');
		const counter = async () =>
			(await resources(s)).resources.find(
				(resource) => resource.server_id === 'local' && resource.uri === 'fixture://counter'
			)!;
		expect(await counter()).toMatchObject({ subscribed: true, updated: false });
		await s.mcp.callTool('local__bump', {});
		await eventually(async () => expect(await counter()).toMatchObject({ updated: true }));
		await read(s, 'local', 'fixture://counter');
		expect(await counter()).toMatchObject({ updated: false });
	});
});

describe('MCP server view', () => {
	it('counts tools, prompts and resources and names the declared capabilities', async () => {
		const s = await services();
		const servers = mcpServersResponse.parse(
			await (await callRoute(SERVERS, s, { path: '/api/mcp/servers' })).json()
		);
		const local = servers.find((server) => server.id === 'local')!;
		expect(local.counts).toEqual({
			tools: local.tools.length,
			prompts: 3,
			resources: 3,
			templates: 1
		});
		expect(local.capabilities).toEqual(
			expect.arrayContaining(['tools', 'prompts', 'resources', 'resources.subscribe'])
		);
	});
});

/**
 * The attacks a person would worry about, each against the live server: a page on another site
 * reaching the app through DNS rebinding or a cross-site form, megabytes of text meant to freeze
 * it, control characters in every parameter, bodies too large to read. Each one is refused in the
 * API's error shape and changes nothing.
 */
import { expect, test, type APIRequestContext } from '@playwright/test';
import {
	APP_ORIGIN,
	APP_PORT,
	SAME_ORIGIN,
	discoverRoutes,
	errorCode,
	failedRequests,
	isErrorShape,
	raw,
	repeatedChunks,
	restore,
	snapshot,
	type AppState
} from './hostile';

const MiB = 1024 * 1024;
const EVIL = 'https://evil.example';
const REBOUND_HOST = `attacker.example:${APP_PORT}`;

/** What a write could have changed, as GET shows it (MCP runtime status left out). */
async function observable(request: APIRequestContext) {
	const get = async (url: string) => (await request.get(url)).json();
	const servers = (await get('/api/mcp/servers')) as Record<string, unknown>[];
	return {
		model: await get('/api/settings/model'),
		systemPrompt: await get('/api/settings/system-prompt'),
		servers: servers.map(({ status: _s, error: _e, tools: _t, ...config }) => config),
		presets: await get('/api/presets'),
		suggestions: await get('/api/suggestions'),
		sessions: await get('/api/sessions?limit=200'),
		google: await get('/api/google/status')
	};
}

let before: AppState;
let since: Date;

test.beforeAll(async ({ request }) => {
	before = await snapshot(request);
	since = new Date();
});

test.afterAll(async ({ request }) => {
	await restore(request, before);
	expect(failedRequests(since).map((entry) => JSON.stringify(entry).slice(0, 400))).toEqual([]);
});

test.describe('DNS rebinding', () => {
	test('a page on attacker.example pointed at 127.0.0.1 can neither read nor change the MCP servers', async ({
		request
	}) => {
		const state = await observable(request);
		// What the browser sends once attacker.example resolves to this machine: the page is
		// same-origin with itself, so Origin is the attacker's own.
		const rebound = { host: REBOUND_HOST, origin: `http://${REBOUND_HOST}` };

		const read = await raw({ method: 'GET', path: '/api/mcp/servers', headers: rebound });
		expect(read.status).toBe(421);
		expect(errorCode(read.text)).toBe('unknown_host');
		expect(read.text).not.toContain('calculator');

		// `[]` would switch every server off
		const write = await raw({
			method: 'PUT',
			path: '/api/mcp/servers',
			headers: { ...rebound, 'content-type': 'application/json' },
			body: '[]'
		});
		expect(write.status).toBe(421);
		expect(errorCode(write.text)).toBe('unknown_host');

		for (const host of [
			'attacker.example',
			'127.0.0.1.attacker.example',
			'localhost.attacker.example',
			'attacker.example:80',
			`127.0.0.1:${APP_PORT}@attacker.example`,
			'[::1].attacker.example'
		]) {
			const answer = await raw({
				method: 'PUT',
				path: '/api/mcp/servers',
				headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
				body: '[]'
			});
			expect(answer.status, host).toBe(421);
		}

		const page = await raw({ method: 'GET', path: '/', headers: rebound });
		expect(page.status).toBe(421);

		expect(await observable(request)).toEqual(state);
	});

	test("the server's own fetches while rendering a page are not taken for rebinding", async ({
		request
	}) => {
		// /c/{id} loads /api/sessions/{id} during server rendering: a sub-request with no Host.
		const chat = await request.post('/api/chat', {
			headers: SAME_ORIGIN,
			data: { message: 'rendered on the server' }
		});
		const id = /"session_id":"([^"]+)"/.exec(await chat.text())![1];
		const page = await request.get(`/c/${id}`);
		expect(page.status()).toBe(200);
		expect(await page.text()).toContain('rendered on the server');
	});
});

test.describe('path tricks', () => {
	test('a conversation address holding ?, #, / or a tab, or naming another sessions route, opens no other API path', async () => {
		// /c/{id} fetches /api/sessions/{id}: unescaped, `..%2f..%2fhealth` would load /api/health;
		// `export` would download every conversation, and fail as a conversation.
		for (const id of [
			'%3f%23',
			'..%2f..%2fhealth',
			'..%2f',
			'%09',
			'x%3flimit=1',
			'export',
			'import'
		]) {
			const page = await raw({ method: 'GET', path: `/c/${id}` });
			expect(page.status, `/c/${id}`).toBe(404);
		}
	});

	test('traversals and doubled slashes stay inside the API or leave it as a page 404', async () => {
		for (const path of [
			'/api/..%2fhealth',
			'/api/sessions/..%2f..%2fhealth',
			'/api/presets/%2e%2e%2fexport',
			'/api/uploads/..%2f..%2f..%2fetc%2fpasswd',
			'/api/attachments/..%2f..%2fsettings%2fmodel/content'
		]) {
			const answer = await raw({ method: 'GET', path });
			expect(answer.status, path).toBeGreaterThanOrEqual(400);
			expect(answer.status, path).toBeLessThan(500);
			expect(isErrorShape(answer.text), path).toBe(true);
		}
	});
});

test.describe('cross-site writes', () => {
	const TARGETS = [
		'/api/presets/x/apply',
		'/api/mcp/servers/refresh',
		'/api/google/oauth/disconnect',
		'/api/chat'
	];
	const VARIANTS: {
		name: string;
		headers: Record<string, string>;
		body?: string;
		type?: string;
	}[] = [
		{ name: 'Origin evil, JSON body', headers: { origin: EVIL }, body: '{"message":"hi"}' },
		{ name: 'Origin evil, no body', headers: { origin: EVIL } },
		{ name: 'Origin evil, body without a type', headers: { origin: EVIL }, body: 'message=hi' },
		{
			name: 'Origin evil, form body',
			headers: { origin: EVIL },
			body: 'message=hi',
			type: 'application/x-www-form-urlencoded'
		},
		{ name: 'Origin null', headers: { origin: 'null' }, body: '{"message":"hi"}' },
		{
			name: 'only Sec-Fetch-Site: cross-site, JSON body',
			headers: { 'sec-fetch-site': 'cross-site' },
			body: '{"message":"hi"}'
		},
		{
			name: 'only Sec-Fetch-Site: cross-site, no body',
			headers: { 'sec-fetch-site': 'cross-site' }
		},
		{
			name: 'only Sec-Fetch-Site: same-site (another port on localhost)',
			headers: { 'sec-fetch-site': 'same-site' },
			body: '{"message":"hi"}'
		}
	];

	test('a form or fetch from another site is refused with 403 and changes nothing', async ({
		request
	}) => {
		// A preset "x" whose apply would change the system prompt, so a write that got through shows.
		await request.post('/api/presets', { headers: SAME_ORIGIN, data: { name: 'x' } });
		const edit = await request.put('/api/presets/x', {
			headers: SAME_ORIGIN,
			data: { system_prompt: 'planted by evil.example' }
		});
		expect(edit.status()).toBe(200);
		const state = await observable(request);

		for (const target of TARGETS) {
			for (const variant of VARIANTS) {
				const headers = {
					...variant.headers,
					...(variant.type ? { 'content-type': variant.type } : {}),
					...(variant.body && !variant.type && variant.body.startsWith('{')
						? { 'content-type': 'application/json' }
						: {})
				};
				const answer = await raw({ method: 'POST', path: target, headers, body: variant.body });
				expect(answer.status, `${target}: ${variant.name}`).toBe(403);
				expect(errorCode(answer.text), `${target}: ${variant.name}`).toBe('forbidden_origin');
			}
		}
		expect(await observable(request)).toEqual(state);
		expect((await observable(request)).systemPrompt.system_prompt).not.toBe(
			'planted by evil.example'
		);
	});

	test('every write method of every API route refuses another origin', async ({ request }) => {
		const state = await observable(request);
		const routes = discoverRoutes().filter((route) => route.api);
		let checked = 0;
		for (const route of routes) {
			const path = route.pattern.replace(/\[\.\.\.\w+\]|\[\w+\]/g, 'x');
			for (const method of route.methods.filter((m) => !['GET', 'HEAD'].includes(m))) {
				const answer = await raw({
					method,
					path,
					headers: { origin: EVIL, 'content-type': 'application/json' },
					body: '[]'
				});
				expect(answer.status, `${method} ${path}`).toBe(403);
				expect(errorCode(answer.text), `${method} ${path}`).toBe('forbidden_origin');
				checked++;
			}
		}
		expect(checked).toBeGreaterThan(15);
		expect(await observable(request)).toEqual(state);
	});
});

test.describe('text meant to freeze the server', () => {
	/** Polls /api/health every 100 ms until `work` settles; the slowest answer, in ms. */
	async function healthWhile(request: APIRequestContext, work: Promise<unknown>) {
		let settled = false;
		const done = () => (settled = true);
		work.then(done, done);
		const times: number[] = [];
		do {
			const started = performance.now();
			const health = await request.get('/api/health', { timeout: 10_000 });
			expect(health.status()).toBe(200);
			times.push(performance.now() - started);
			await new Promise((next) => setTimeout(next, 100));
		} while (!settled);
		await work;
		return { slowest: Math.max(...times), polls: times.length };
	}

	test('a 1 MB message of "eyJ-" is answered while /api/health stays quick', async ({
		request
	}) => {
		test.setTimeout(60_000);
		// 1,000,000 characters, the longest message there is, in the shape that once made the log's
		// secret masking (JWT-like runs) take 18 s.
		const message = 'eyJ-'.repeat(250_000);
		const started = performance.now();
		const chat = request
			.post('/api/chat', { headers: SAME_ORIGIN, data: { message }, timeout: 30_000 })
			.then(async (response) => ({ status: response.status(), text: await response.text() }));
		const { slowest, polls } = await healthWhile(request, chat);
		const { status, text } = await chat;
		console.log(
			`1 MB chat: ${Math.round(performance.now() - started)} ms; ` +
				`slowest of ${polls} health checks meanwhile ${Math.round(slowest)} ms`
		);
		expect(status).toBe(200);
		expect(text).toContain('event: done');
		expect(text).not.toContain('event: error');
		// the bound is the behaviour: a frozen event loop would hold /api/health for seconds
		expect(slowest, `slowest of ${polls} health checks during the chat`).toBeLessThan(2_000);
		expect(performance.now() - started).toBeLessThan(20_000);
	});

	test('a 1 MB title is refused while /api/health stays quick', async ({ request }) => {
		const chat = await request.post('/api/chat', {
			headers: SAME_ORIGIN,
			data: { message: 'a conversation to rename' }
		});
		const id = /"session_id":"([^"]+)"/.exec(await chat.text())![1];
		const title = '**eyJ-'.repeat(170_000).slice(0, 1_000_000);
		const rename = request
			.patch(`/api/sessions/${id}`, { headers: SAME_ORIGIN, data: { title } })
			.then(async (response) => ({ status: response.status(), text: await response.text() }));
		const started = performance.now();
		const { slowest, polls } = await healthWhile(request, rename);
		const answer = await rename;
		console.log(
			`1 MB title: ${Math.round(performance.now() - started)} ms; ` +
				`slowest of ${polls} health checks meanwhile ${Math.round(slowest)} ms`
		);
		expect(answer.status).toBe(400);
		expect(errorCode(answer.text)).toBe('invalid_request');
		expect(slowest).toBeLessThan(2_000);
		const session = await (await request.get(`/api/sessions/${id}`)).json();
		expect(session.title).not.toBe(title);
	});
});

test.describe('control characters in parameters', () => {
	const QUERY_NAMES = [
		'q',
		'cursor',
		'limit',
		'before',
		'next',
		'expires',
		'signature',
		'include_secrets'
	];
	const CONTROLS = [
		...Array.from({ length: 32 }, (_, code) => code).filter((code) => code !== 9),
		0x7f
	].map((code) => `%${code.toString(16).padStart(2, '0')}`);

	test('a NUL or any other control character in a query parameter is a 400', async () => {
		const routes = discoverRoutes().filter((route) => route.methods.includes('GET'));
		const paths = routes.map((route) => route.pattern.replace(/\[\.\.\.\w+\]|\[\w+\]/g, 'x'));
		for (const path of paths) {
			for (const name of QUERY_NAMES) {
				const answer = await raw({ method: 'GET', path: `${path}?${name}=a%00b` });
				expect(answer.status, `${path}?${name}=a%00b`).toBe(400);
				expect(errorCode(answer.text)).toBe('invalid_characters');
			}
		}
		for (const control of CONTROLS) {
			for (const query of [`q=a${control}b`, `limit=1${control}`, `a${control}=1`]) {
				const answer = await raw({ method: 'GET', path: `/api/sessions?${query}` });
				expect(answer.status, query).toBe(400);
				expect(errorCode(answer.text), query).toBe('invalid_characters');
			}
		}
		// for the login page's `next` too: CR/LF must never reach a Location header
		const next = await raw({ method: 'GET', path: '/login?next=/%0d%0aSet-Cookie:%20a=b' });
		expect(next.status).toBe(400);
		expect(next.headers['set-cookie']).toBeUndefined();
	});

	test('a NUL or any other control character in a path parameter is a 400, on every method', async () => {
		const routes = discoverRoutes().filter((route) =>
			route.segments.some((s) => s.startsWith('['))
		);
		expect(routes.length).toBeGreaterThan(5);
		let checked = 0;
		for (const route of routes) {
			for (const method of route.methods) {
				for (const control of ['%00', 'a%00b', '%0a', '%0d%0a', '%1b', '%7f', 'x%01']) {
					const path = route.pattern.replace(/\[\.\.\.\w+\]|\[\w+\]/g, control);
					const answer = await raw({
						method,
						path,
						headers: { ...SAME_ORIGIN, 'content-type': 'application/json' },
						body: ['GET', 'HEAD'].includes(method) ? undefined : '{}'
					});
					expect(answer.status, `${method} ${path}`).toBe(400);
					if (method !== 'HEAD')
						expect(errorCode(answer.text), `${method} ${path}`).toBe('invalid_characters');
					checked++;
				}
			}
		}
		expect(checked).toBeGreaterThan(50);
	});

	test('a lone surrogate or malformed escape in an API path is a 400 in the error shape', async () => {
		for (const value of ['%ED%A0%80', '%ED%BF%BF', '%E0%A4%A', '%C0%AF', '%FF']) {
			for (const path of [
				`/api/sessions/${value}`,
				`/api/presets/${value}/apply`,
				`/api/${value}`
			]) {
				const answer = await raw({ method: 'GET', path });
				expect(answer.status, path).toBe(400);
				expect(isErrorShape(answer.text), `${path}: ${answer.text.slice(0, 100)}`).toBe(true);
			}
		}
	});
});

test.describe('bodies too large to read', () => {
	const json = { ...SAME_ORIGIN, 'content-type': 'application/json' };
	/** Not JSON at all: a 400 invalid_json would mean the server parsed it. */
	const notJson = (bytes: number) => repeatedChunks('x', bytes);

	test('2 MiB to a JSON route is a 413 before it is parsed, with a Content-Length or chunked', async ({
		request
	}) => {
		const state = await observable(request);
		const withLength = await raw({
			method: 'PUT',
			path: '/api/settings/system-prompt',
			headers: json,
			body: Buffer.alloc(2 * MiB, 'x')
		});
		expect(withLength.status).toBe(413);
		expect(errorCode(withLength.text)).toBe('payload_too_large');
		// answered on its Content-Length, before the body was sent (raw waits 200 ms for that)
		expect(withLength.ms).toBeLessThan(1_000);

		const chunked = await raw({
			method: 'PUT',
			path: '/api/settings/system-prompt',
			headers: json,
			chunks: () => notJson(2 * MiB)
		});
		expect(chunked.status).toBe(413);
		expect(errorCode(chunked.text)).toBe('payload_too_large');

		const valid = `{"system_prompt":"${'y'.repeat(2 * MiB)}"}`;
		const validChunked = await raw({
			method: 'PUT',
			path: '/api/settings/system-prompt',
			headers: json,
			body: valid,
			chunked: true
		});
		expect(validChunked.status).toBe(413);
		expect(await observable(request)).toEqual(state);
	});

	test('9 MiB to /api/chat is a 413 before it is parsed, with a Content-Length or chunked', async ({
		request
	}) => {
		const state = await observable(request);
		const message = `{"message":"${'z'.repeat(9 * MiB)}"}`;
		const withLength = await raw({
			method: 'POST',
			path: '/api/chat',
			headers: json,
			body: Buffer.from(message)
		});
		expect(withLength.status).toBe(413);
		expect(errorCode(withLength.text)).toBe('payload_too_large');
		expect(withLength.ms).toBeLessThan(1_000);

		const chunkedNotJson = await raw({
			method: 'POST',
			path: '/api/chat',
			headers: json,
			chunks: () => notJson(9 * MiB)
		});
		expect(chunkedNotJson.status).toBe(413);
		expect(errorCode(chunkedNotJson.text)).toBe('payload_too_large');
		const chunked = await raw({
			method: 'POST',
			path: '/api/chat',
			headers: json,
			body: message,
			chunked: true
		});
		expect(chunked.status).toBe(413);
		expect(errorCode(chunked.text)).toBe('payload_too_large');
		// no conversation was started
		expect(await observable(request)).toEqual(state);
	});

	test('an upload over the file limit is refused on its Content-Length', async () => {
		const limits = await raw({ method: 'GET', path: '/api/attachments/limits' });
		const max = JSON.parse(limits.text).max_size_bytes as number;
		const answer = await raw({
			method: 'POST',
			path: '/api/uploads',
			headers: { ...SAME_ORIGIN, 'content-type': 'multipart/form-data; boundary=b' },
			body: Buffer.alloc(max + 128 * 1024, 'x')
		});
		expect(answer.status).toBe(413);
		expect(errorCode(answer.text)).toBe('file_too_large');
		expect(answer.ms).toBeLessThan(1_000);
	});
});

test('after all of it, the server answers at once', async ({ request }) => {
	const started = performance.now();
	const health = await request.get(`${APP_ORIGIN}/api/health`);
	expect(health.status()).toBe(200);
	expect(performance.now() - started).toBeLessThan(1_000);
});

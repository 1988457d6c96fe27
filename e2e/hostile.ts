/**
 * What the hostile-input specs (fuzz.e2e.ts, attacks.e2e.ts) share: requests on the wire exactly
 * as written (Playwright's client normalizes `%2e%2e`, sets its own Host and Content-Type, and
 * never sends a chunked body), the app's log, and a snapshot of everything a stray request could
 * change, put back afterwards because the other specs share this app's data folder.
 */
import { expect, type APIRequestContext } from '@playwright/test';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { e2ePorts } from '../tests/support/ports';

export const APP_PORT = e2ePorts.app;
export const APP_ORIGIN = `http://127.0.0.1:${APP_PORT}`;
/** What the app's own pages send with a write: the request gets past the cross-site guard. */
export const SAME_ORIGIN = { origin: APP_ORIGIN, 'sec-fetch-site': 'same-origin' };

export interface RawCall {
	method: string;
	/** Sent as is: no normalization, no escaping. */
	path: string;
	headers?: Record<string, string>;
	/** With its Content-Length, or chunked (no Content-Length) with `chunked`. */
	body?: Buffer | string;
	chunked?: boolean;
	/** A chunked body made as it is sent (called again for each attempt). */
	chunks?: () => Iterable<Buffer>;
	timeoutMs?: number;
}

export interface RawAnswer {
	status: number;
	headers: IncomingHttpHeaders;
	text: string;
	ms: number;
}

/**
 * One request over a fresh connection, byte for byte as given.
 *
 * A large body is sent the way curl sends one: the headers first, a pause for an early answer
 * (a 413 for its Content-Length, a route that does not read bodies), then the body 64 KiB at a
 * time, stopping once the server has answered. Node's server closes the connection after an
 * answer given before the whole body arrived; bytes still arriving then make the kernel reset
 * the connection, and a client still writing gets EPIPE instead of the answer it was sent.
 * `attempts` repeats the request after such a reset (a chunked body cut off at its limit leaves
 * bytes in flight); a write error after the answer is ignored.
 */
export async function raw(call: RawCall, attempts = 3): Promise<RawAnswer> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await rawOnce(call);
		} catch (error) {
			const code = (error as NodeJS.ErrnoException).code;
			if (attempt >= attempts || (code !== 'EPIPE' && code !== 'ECONNRESET')) throw error;
		}
	}
}

const EARLY_ANSWER_WAIT_MS = 200;

function rawOnce(call: RawCall): Promise<RawAnswer> {
	const started = performance.now();
	return new Promise((resolve, reject) => {
		let answered = false;
		const headers: Record<string, string | number> = { host: `127.0.0.1:${APP_PORT}` };
		for (const [name, value] of Object.entries(call.headers ?? {}))
			headers[name.toLowerCase()] = value;
		const body = typeof call.body === 'string' ? Buffer.from(call.body) : call.body;
		const chunked = call.chunked || call.chunks !== undefined;
		if (body && !chunked) headers['content-length'] = body.byteLength;
		// node frames a body in chunks by itself only for methods that usually have one (not DELETE)
		if (chunked) headers['transfer-encoding'] = 'chunked';
		const request = httpRequest(
			{
				host: '127.0.0.1',
				port: APP_PORT,
				method: call.method,
				path: call.path,
				headers,
				agent: false,
				// a page deep down a long path answers with long Link headers (relative asset paths)
				maxHeaderSize: 1024 * 1024,
				// the path and headers are the point: node must not refuse what it finds odd
				insecureHTTPParser: true
			},
			(response) => {
				answered = true;
				const parts: Buffer[] = [];
				response.on('data', (part: Buffer) => parts.push(part));
				response.on('error', reject);
				response.on('end', () => {
					resolve({
						status: response.statusCode ?? 0,
						headers: response.headers,
						text: Buffer.concat(parts).toString('utf8'),
						ms: performance.now() - started
					});
					request.destroy();
				});
			}
		);
		request.setTimeout(call.timeoutMs ?? 20_000, () =>
			request.destroy(new Error(`no answer within ${call.timeoutMs ?? 20_000} ms`))
		);
		request.on('error', (error) => {
			if (!answered) reject(error);
		});
		const chunks = call.chunks?.() ?? (body ? slices(body, 64 * 1024) : []);
		const large = chunked || (body?.byteLength ?? 0) > 64 * 1024;
		void (async () => {
			if (large) {
				request.flushHeaders();
				await new Promise((next) => {
					const timer = setTimeout(next, EARLY_ANSWER_WAIT_MS);
					request.once('response', () => (clearTimeout(timer), next(undefined)));
				});
			}
			for (const chunk of chunks) {
				if (request.destroyed || answered) return;
				if (!request.write(chunk)) await new Promise((next) => request.once('drain', next));
			}
			if (!answered) request.end();
		})().catch(() => {});
	});
}

function* slices(body: Buffer, size: number) {
	for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

/** `size` bytes of `text` repeated, in chunks of `chunkBytes`, produced as they are sent. */
export function* repeatedChunks(text: string, size: number, chunkBytes = 64 * 1024) {
	const unit = Buffer.from(text.repeat(Math.ceil(chunkBytes / text.length)).slice(0, chunkBytes));
	for (let sent = 0; sent < size; sent += chunkBytes)
		yield sent + chunkBytes <= size ? unit : unit.subarray(0, size - sent);
}

/** Whether `text` is the API's error shape, `{error:{code,message}}` with two strings. */
export function isErrorShape(text: string): boolean {
	try {
		const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
		return typeof body.error?.code === 'string' && typeof body.error?.message === 'string';
	} catch {
		return false;
	}
}

export function errorCode(text: string): string | undefined {
	return isErrorShape(text) ? JSON.parse(text).error.code : undefined;
}

export interface LogEntry {
	time: string;
	level: string;
	msg: string;
	[key: string]: unknown;
}

/** The app's log lines written at or after `since` (empty when the log is not on this machine). */
export function appLog(since: Date): LogEntry[] {
	const state = process.env.E2E_STATE_DIR;
	const root = state ? path.join(state, 'logs', 'app') : undefined;
	if (!root || !existsSync(root)) return [];
	const entries: LogEntry[] = [];
	for (const day of readdirSync(root)) {
		const file = path.join(root, day, 'app.log');
		if (!existsSync(file)) continue;
		for (const line of readFileSync(file, 'utf8').split('\n')) {
			if (!line) continue;
			try {
				const entry = JSON.parse(line) as LogEntry;
				if (new Date(entry.time) >= since) entries.push(entry);
			} catch {
				// a line being written right now
			}
		}
	}
	return entries;
}

/**
 * Errors the app logged for API requests it failed: `request failed` (an endpoint's 500) and
 * `unhandled error` on an /api path. (hooks.server.ts logs a page's 4xx as `unhandled error`
 * too, e.g. JSON posted to the /login form: noise, not a failure.)
 */
export const failedRequests = (since: Date) =>
	appLog(since).filter(
		(entry) =>
			entry.level === 'error' &&
			(entry.msg === 'request failed' ||
				(entry.msg === 'unhandled error' && String(entry.path).startsWith('/api')))
	);

interface Named {
	name: string;
}
interface Suggestion {
	id: string;
}
interface Session {
	session_id: string;
}

/** Everything the API can change, as GET shows it. */
export interface AppState {
	model: {
		model_id: string;
		provider_overrides: unknown;
		parameter_overrides: unknown;
		source: string;
	};
	systemPrompt: { system_prompt: string | null; source: string };
	mcpServers: Record<string, unknown>[];
	presets: Named[];
	suggestions: Suggestion[];
	/** Project ids: a project the fuzz made adds "New chat in <name>" links the other specs meet. */
	projects: string[];
	sessions: string[];
}

async function getJson<T>(request: APIRequestContext, url: string): Promise<T> {
	const response = await request.get(url);
	expect(response.status(), `GET ${url}`).toBe(200);
	return (await response.json()) as T;
}

async function allSessions(request: APIRequestContext): Promise<string[]> {
	const ids: string[] = [];
	let cursor: string | null = null;
	do {
		const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
		const page = await getJson<{ sessions: Session[]; next_cursor: string | null }>(
			request,
			`/api/sessions?limit=200${query}`
		);
		ids.push(...page.sessions.map((session) => session.session_id));
		cursor = page.next_cursor;
	} while (cursor);
	return ids;
}

async function projectIds(request: APIRequestContext): Promise<string[]> {
	const { projects } = await getJson<{ projects: { project_id: string }[] }>(
		request,
		'/api/projects'
	);
	return projects.map((project) => project.project_id);
}

/** The fields of a server config (GET adds status, error and tools). */
const MCP_CONFIG_FIELDS = [
	'id',
	'enabled',
	'transport',
	'command',
	'args',
	'env',
	'cwd',
	'url',
	'headers',
	'disabled_tools',
	'approval'
];

export async function snapshot(request: APIRequestContext): Promise<AppState> {
	const servers = await getJson<Record<string, unknown>[]>(request, '/api/mcp/servers');
	return {
		model: await getJson(request, '/api/settings/model'),
		systemPrompt: await getJson(request, '/api/settings/system-prompt'),
		mcpServers: servers.map((server) =>
			Object.fromEntries(
				Object.entries(server).filter(
					([key, value]) => MCP_CONFIG_FIELDS.includes(key) && value !== null
				)
			)
		),
		presets: (await getJson<{ presets: Named[] }>(request, '/api/presets')).presets,
		suggestions: (await getJson<{ suggestions: Suggestion[] }>(request, '/api/suggestions'))
			.suggestions,
		projects: await projectIds(request),
		sessions: await allSessions(request)
	};
}

/**
 * Puts back what `snapshot` saw: the model setup, the MCP servers, and no presets, suggestions
 * or conversations that were not there. (Secrets come back as the "keep" marker.)
 */
export async function restore(request: APIRequestContext, state: AppState): Promise<void> {
	const write = { headers: SAME_ORIGIN };
	const ok = async (
		what: string,
		response: Promise<{ status(): number; text(): Promise<string> }>
	) => {
		const answer = await response;
		expect(answer.status(), `${what}: ${await answer.text()}`).toBeLessThan(300);
	};
	await ok(
		'PUT /api/settings/model',
		request.put('/api/settings/model', {
			...write,
			data: {
				model_id: state.model.source === 'settings_file' ? state.model.model_id : null,
				provider_overrides: state.model.provider_overrides,
				parameter_overrides: state.model.parameter_overrides
			}
		})
	);
	await ok(
		'PUT /api/settings/system-prompt',
		request.put('/api/settings/system-prompt', {
			...write,
			data: {
				system_prompt:
					state.systemPrompt.source === 'settings_file' ? state.systemPrompt.system_prompt : null
			}
		})
	);
	await ok(
		'PUT /api/mcp/servers',
		request.put('/api/mcp/servers', { ...write, data: state.mcpServers })
	);
	const presets = new Set(state.presets.map((preset) => preset.name));
	for (const preset of (await getJson<{ presets: Named[] }>(request, '/api/presets')).presets) {
		// A name with a lone surrogate has no URL (reported: presets take such names).
		if (/[\ud800-\udfff]/u.test(preset.name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')))
			console.warn(`cannot delete the preset ${JSON.stringify(preset.name)}: no URL names it`);
		else if (!presets.has(preset.name))
			await ok(
				`DELETE preset ${preset.name}`,
				request.delete(`/api/presets/${encodeURIComponent(preset.name)}`, write)
			);
	}
	const suggestions = new Set(state.suggestions.map((suggestion) => suggestion.id));
	const current = (await getJson<{ suggestions: Suggestion[] }>(request, '/api/suggestions'))
		.suggestions;
	for (const suggestion of current) {
		if (!suggestions.has(suggestion.id))
			await ok(
				`DELETE suggestion ${suggestion.id}`,
				request.delete(`/api/suggestions/${encodeURIComponent(suggestion.id)}`, write)
			);
	}
	const projects = new Set(state.projects);
	for (const id of await projectIds(request)) {
		if (!projects.has(id))
			await ok(`DELETE project ${id}`, request.delete(`/api/projects/${id}`, write));
	}
	const sessions = new Set(state.sessions);
	for (const id of await allSessions(request)) {
		if (!sessions.has(id))
			await ok(`DELETE session ${id}`, request.delete(`/api/sessions/${id}`, write));
	}
	const now = await snapshot(request);
	expect(now.model, 'the model setup as it was').toEqual(state.model);
	expect(now.systemPrompt, 'the system prompt as it was').toEqual(state.systemPrompt);
	expect(now.projects, 'the projects as they were').toEqual(state.projects);
	expect(now.sessions, 'the conversations as they were').toEqual(state.sessions);
}

// ---------------------------------------------------------------------------------------------
// The routes, from the file system

export interface Route {
	/** e.g. `/api/sessions/[id]` */
	pattern: string;
	segments: string[];
	methods: string[];
	/** The route answers with a redirect on purpose (OAuth start and callback). */
	redirects: boolean;
	api: boolean;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

function walk(dir: string, found: string[] = []): string[] {
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		if (entry.isDirectory()) walk(full, found);
		else found.push(full);
	}
	return found;
}

function exportedMethods(source: string): string[] {
	const methods = new Set<string>();
	const direct = /export\s+(?:const|let|var|(?:async\s+)?function)\s+([A-Z]+|fallback)\b/g;
	for (const [, name] of source.matchAll(direct)) methods.add(name);
	for (const [, list] of source.matchAll(/export\s*\{([^}]*)\}/g))
		for (const item of list.split(','))
			methods.add(
				item
					.trim()
					.split(/\s+as\s+/)
					.at(-1)!
			);
	return [...methods].filter((name) => HTTP_METHODS.includes(name) || name === 'fallback');
}

function routeOf(root: string, file: string, methods: string[], source: string): Route {
	const segments = path
		.relative(root, path.dirname(file))
		.split(path.sep)
		.filter((segment) => segment && !/^\(.*\)$/.test(segment));
	const pattern = '/' + segments.join('/');
	return {
		pattern,
		segments,
		methods,
		redirects: /status:\s*30[1278]|redirect\(/.test(source),
		api: pattern === '/api' || pattern.startsWith('/api/')
	};
}

/** API endpoints (`+server.ts`) and pages (`+page.svelte`, with POST when it has actions). */
export function discoverRoutes(): Route[] {
	const root = path.resolve('src/routes');
	const files = walk(root);
	const routes: Route[] = [];
	for (const file of files.filter((file) => /\/\+server\.[jt]s$/.test(file))) {
		const source = readFileSync(file, 'utf8');
		routes.push(routeOf(root, file, exportedMethods(source), source));
	}
	for (const file of files.filter((file) => /\/\+page\.svelte$/.test(file))) {
		const dir = path.dirname(file);
		const server = ['+page.server.ts', '+page.server.js']
			.map((name) => path.join(dir, name))
			.find(existsSync);
		const source = server ? readFileSync(server, 'utf8') : '';
		const methods = /export\s+const\s+actions\b/.test(source) ? ['GET', 'POST'] : ['GET'];
		routes.push(routeOf(root, file, methods, source));
	}
	return routes.sort((a, b) => a.pattern.localeCompare(b.pattern));
}

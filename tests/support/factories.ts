import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { ChatEvent, Message } from '$lib/api';
import { readSse, isSseComment } from '$lib/api/sse';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import { noAttachments } from '$lib/server/chat/attachments';
import { ChatOrchestrator, type OrchestratorDeps } from '$lib/server/chat/orchestrator';
import { ChatRepository } from '$lib/server/chat/repository';
import type {
	ApprovalPolicy,
	ToolCallOptions,
	ToolDefinition,
	ToolOutcome,
	ToolProvider
} from '$lib/server/chat/tools';
import { loadConfig, type Config } from '$lib/server/config';
import { openDatabase, type Db } from '$lib/server/db/client';
import type { NewMessageRow } from '$lib/server/db/schema';
import { createLogger, silentLogger, type Logger } from '$lib/server/log';
import { OpenRouterClient } from '$lib/server/openrouter/client';
import { createDemoTransport } from '$lib/server/openrouter/demo';
import { createHttpTransport, type Transport } from '$lib/server/openrouter/transport';
import type { ModelSettings, ModelSettingsSource } from '$lib/server/settings/model-settings';
import { startOpenRouterStandin, type OpenRouterStandin } from './openrouter-standin';
import { createServices, type Services } from '$lib/server/services';

/** Things a test opened; `disposeAll()` (in afterEach/afterAll) closes them, newest first. */
const disposers: (() => unknown)[] = [];

export function onDispose(dispose: () => unknown): void {
	disposers.push(dispose);
}

export async function disposeAll(): Promise<void> {
	while (disposers.length) await disposers.pop()!();
}

/** A fresh folder under the OS temp dir, removed by disposeAll(). */
export function tempDir(prefix = 'switchboard-test-'): string {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	onDispose(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

export const TEST_API_KEY =
	'sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

/** A validated Config whose DATA_DIR and LOG_DIR are temp folders; `env` overrides anything. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
	const dir = tempDir();
	return loadConfig({
		DATA_DIR: path.join(dir, 'data'),
		LOG_DIR: path.join(dir, 'logs'),
		ORIGIN: 'http://127.0.0.1:3000',
		...env
	});
}

/** Every service, built and started by the real composition root against temp dirs, as the server does. */
export function testServices(env: Record<string, string | undefined> = {}): Services {
	const config = testConfig(env);
	const services = createServices(config, {
		log: createLogger({ dir: config.logDir, level: 'debug', echo: false }),
		demoTokenDelayMs: 0
	});
	onDispose(() => services.close());
	services.start();
	return services;
}

/** A migrated SQLite database in a temp DATA_DIR and the repository over it. */
export function testRepository(): { db: Db; repo: ChatRepository; dataDir: string } {
	const dataDir = path.join(tempDir(), 'data');
	const db = openDatabase(dataDir);
	onDispose(() => db.$client.close());
	return { db, repo: new ChatRepository(db), dataDir };
}

/** An HTTP transport to `baseUrl` (the stand-in), closed by disposeAll(). */
export function testTransport(baseUrl: string, timeoutMs = 10_000): Transport {
	const transport = createHttpTransport(baseUrl, timeoutMs);
	onDispose(() => transport.close());
	return transport;
}

export function testClient(options: {
	baseUrl: string;
	apiKey?: string | null;
	timeoutMs?: number;
	transport?: Transport;
}): OpenRouterClient {
	return new OpenRouterClient({
		apiKey: options.apiKey === null ? undefined : (options.apiKey ?? TEST_API_KEY),
		transport: options.transport ?? testTransport(options.baseUrl, options.timeoutMs),
		demoTransport: createDemoTransport({ tokenDelayMs: 0 }),
		appUrl: 'http://127.0.0.1:3000',
		appName: 'Switchboard'
	});
}

export function fixedSettings(overrides: Partial<ModelSettings> = {}): ModelSettingsSource {
	const settings: ModelSettings = {
		modelId: 'openai/gpt-4o',
		providerOverrides: {},
		parameterOverrides: {},
		systemPrompt: null,
		source: 'default',
		...overrides
	};
	return { current: async () => settings };
}

export interface FakeTool {
	description?: string;
	parameters?: Record<string, unknown>;
	serverId?: string;
	approval?: ApprovalPolicy;
	run?: (
		args: Record<string, unknown>,
		options?: ToolCallOptions
	) => Promise<ToolOutcome> | ToolOutcome;
}

export interface FakeToolProvider extends ToolProvider {
	/** Every call that reached a tool, in order of arrival. */
	calls: { name: string; args: Record<string, unknown>; startedAt: number; endedAt?: number }[];
}

/** A ToolProvider over plain functions (`{server}__{tool}` names), recording each call. */
export function fakeTools(tools: Record<string, FakeTool>): FakeToolProvider {
	const calls: FakeToolProvider['calls'] = [];
	return {
		calls,
		listTools: (): ToolDefinition[] =>
			Object.entries(tools).map(([name, tool]) => ({
				name,
				description: tool.description ?? `The ${name} tool`,
				parameters: tool.parameters ?? { type: 'object', properties: {} }
			})),
		describe: (name) => {
			const tool = tools[name];
			return tool
				? { serverId: tool.serverId ?? name.split('__')[0], approval: tool.approval ?? 'auto' }
				: undefined;
		},
		async callTool(name, args, options) {
			const record: FakeToolProvider['calls'][number] = {
				name,
				args,
				startedAt: performance.now()
			};
			calls.push(record);
			try {
				const tool = tools[name];
				if (!tool) return { content: `Unknown tool ${name}`, isError: true };
				return tool.run
					? await tool.run(args, options)
					: { content: JSON.stringify(args), isError: false };
			} finally {
				record.endedAt = performance.now();
			}
		}
	};
}

/** An orchestrator over a temp database and the given client, with fakes for the rest. */
export function testOrchestrator(
	deps: Partial<OrchestratorDeps> & Pick<OrchestratorDeps, 'client'>
) {
	const { repo } = deps.repo ? { repo: deps.repo } : testRepository();
	const approvals = deps.approvals ?? new ApprovalRegistry();
	const chat = new ChatOrchestrator({
		repo,
		settings: fixedSettings(),
		tools: fakeTools({}),
		attachments: noAttachments,
		approvals,
		log: silentLogger,
		...(Object.fromEntries(
			Object.entries(deps).filter(([, value]) => value !== undefined)
		) as Partial<OrchestratorDeps>),
		client: deps.client
	});
	return { chat, repo, approvals };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
	const out: T[] = [];
	for await (const item of items) out.push(item);
	return out;
}

/** Reads a `POST /api/chat` response body into typed events. */
export async function readChatEvents(response: Response): Promise<ChatEvent[]> {
	const out: ChatEvent[] = [];
	for await (const item of readSse(response.body!)) {
		if (isSseComment(item)) continue;
		out.push({ event: item.event, data: JSON.parse(item.data) } as ChatEvent);
	}
	return out;
}

export const eventsNamed = <K extends ChatEvent['event']>(events: ChatEvent[], name: K) =>
	events.filter((event): event is Extract<ChatEvent, { event: K }> => event.event === name);

export const textOf = (events: ChatEvent[]) =>
	eventsNamed(events, 'delta')
		.map((event) => event.data.text)
		.join('');

let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** Increasing ISO timestamps, one second apart. */
export const nextTimestamp = () => new Date((clock += 1000)).toISOString();

export interface SeedConversation {
	sessionId?: string;
	title?: string;
	updatedAt?: string;
	messages?: (Partial<NewMessageRow> & { content: string })[];
}

/** Writes a conversation and its messages through the repository; returns its id. */
export function seedConversation(repo: ChatRepository, seed: SeedConversation = {}): string {
	const sessionId = seed.sessionId ?? crypto.randomUUID();
	const createdAt = seed.updatedAt ?? nextTimestamp();
	repo.createConversation(sessionId, seed.title ?? 'A conversation', createdAt);
	for (const [index, message] of (seed.messages ?? []).entries()) {
		repo.addMessage({ role: index % 2 ? 'assistant' : 'user', createdAt, ...message, sessionId });
	}
	return sessionId;
}

/** A Logger that keeps records in memory (for asserting what was logged). */
export function memoryLogger(): Logger & { records: Record<string, unknown>[] } {
	const records: Record<string, unknown>[] = [];
	const make = (base: Record<string, unknown>): Logger => ({
		debug: (msg, fields) => records.push({ level: 'debug', msg, ...base, ...fields }),
		info: (msg, fields) => records.push({ level: 'info', msg, ...base, ...fields }),
		warn: (msg, fields) => records.push({ level: 'warn', msg, ...base, ...fields }),
		error: (msg, fields) => records.push({ level: 'error', msg, ...base, ...fields }),
		child: (fields) => make({ ...base, ...fields }),
		conversation: (sessionId, record) => records.push({ conversation: sessionId, ...record }),
		close: async () => {}
	});
	return Object.assign(make({}), { records });
}

/** Resolves once `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function waitUntil(
	predicate: () => boolean,
	timeoutMs = 5_000,
	what = 'condition'
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!predicate()) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 5));
	}
}

interface RouteCall {
	method?: string;
	/** Path and query, e.g. `/api/sessions?limit=5`. */
	path: string;
	/** A string is sent as is (for invalid JSON); anything else as JSON. */
	body?: unknown;
	params?: Record<string, string>;
	signal?: AbortSignal;
}

/**
 * Calls a `+server.ts` handler the way SvelteKit does: a real Request, the URL, route params
 * and `locals.services`.
 */
export async function callRoute<H extends (event: never) => unknown>(
	handler: H,
	services: Services,
	call: RouteCall
): Promise<Response> {
	const url = new URL(call.path, 'http://127.0.0.1:3000');
	const init: RequestInit = {
		method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
		signal: call.signal
	};
	if (call.body !== undefined) {
		init.body = typeof call.body === 'string' ? call.body : JSON.stringify(call.body);
		init.headers = { 'content-type': 'application/json' };
	}
	const event = {
		request: new Request(url, init),
		url,
		params: call.params ?? {},
		locals: { services }
	};
	return (await handler(event as never)) as Response;
}

/** The `{error:{code,message}}` body of a 4xx answer. */
export async function errorOf(
	response: Response
): Promise<{ status: number; code: string; message: string }> {
	const body = (await response.json()) as { error: { code: string; message: string } };
	return { status: response.status, code: body.error.code, message: body.error.message };
}

/**
 * One OpenRouter stand-in for a test file: started before its tests, its request log cleared
 * and the test state disposed after each test, closed at the end.
 */
export function useOpenRouterStandin(options: { tokenDelayMs?: number } = { tokenDelayMs: 1 }): {
	readonly standin: OpenRouterStandin;
} {
	let standin: OpenRouterStandin | undefined;
	beforeAll(async () => {
		standin = await startOpenRouterStandin(options);
	});
	afterAll(() => standin?.close());
	afterEach(async () => {
		await disposeAll();
		if (standin) standin.requests.length = 0;
	});
	return {
		get standin() {
			if (!standin) throw new Error('the stand-in starts in beforeAll');
			return standin;
		}
	};
}

/** A stored message as the sessions API returns it. */
export function apiMessage(role: Message['role'], fields: Partial<Message> = {}): Message {
	const id = fields.id ?? ++apiMessageIds;
	return {
		id,
		parent_id: null,
		sibling_ids: [id],
		role,
		content: '',
		reasoning: null,
		tool_calls: null,
		tool_call_id: null,
		model_id: 'openai/gpt-4o',
		usage: null,
		finish_reason: null,
		error: null,
		created_at: '2026-11-25T10:00:00.000Z',
		attachments: [],
		...fields
	};
}
let apiMessageIds = 0;

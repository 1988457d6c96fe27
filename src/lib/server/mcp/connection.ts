import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
	CallToolResultSchema,
	ErrorCode,
	McpError,
	ToolListChangedNotificationSchema,
	type CallToolResult,
	type ServerCapabilities,
	type Tool
} from '@modelcontextprotocol/sdk/types.js';
import type { McpServerConfig, McpServerStatus } from '$lib/api/mcp';
import type { ChatInteractions, ToolProgress } from '../chat/tools';
import { ServerFeatures } from './features';
import type { McpOAuth } from './oauth';
import type { Logger } from '../log';
import type { BuiltinRegistry } from './builtin/registry';
import { scrubText, shownUrl } from './secrets';
import { NotConnectable, openTransport, type OpenedTransport } from './transports';

export interface ConnectionTimings {
	/** Connecting, `initialize` and the first `tools/list` together. */
	initTimeoutMs: number;
	/** One tool call without progress; progress notifications restart the clock. */
	callTimeoutMs: number;
	retryBaseMs: number;
	retryMaxMs: number;
}

export const DEFAULT_TIMINGS: ConnectionTimings = {
	initTimeoutMs: 15_000,
	callTimeoutMs: 60_000,
	retryBaseMs: 1_000,
	retryMaxMs: 60_000
};

export interface ConnectionDeps {
	builtins: BuiltinRegistry;
	log: Logger;
	timings: ConnectionTimings;
	/** Called whenever status, error or tools change. */
	onChange: () => void;
	clientVersion: string;
	/**
	 * Runs a connect attempt of a process or network server when its turn comes. Spawning a
	 * process blocks the event loop for milliseconds, so the aggregator spaces them out.
	 */
	pace?: <T>(work: () => Promise<T>) => Promise<T>;
	/** OAuth of remote servers (oauth.ts). */
	oauth?: McpOAuth;
}

export interface CallOptions {
	signal?: AbortSignal;
	onProgress?: (progress: ToolProgress) => void;
	/** Where the server's questions during the call go (elicitation, sampling). */
	interactions?: ChatInteractions;
}

/** A failed call; `lost` when the connection itself broke (the server gets reconnected). */
export class ToolCallError extends Error {
	constructor(
		message: string,
		readonly lost: boolean
	) {
		super(message);
		this.name = 'ToolCallError';
	}
}

/** Fields that need a new connection when they change; the rest (tools, approval) apply live. */
export const CONNECTION_FIELDS = [
	'transport',
	'command',
	'args',
	'env',
	'cwd',
	'url',
	'headers'
] as const;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** The last stderr lines for a message, scrubbed before they are cut so no secret is cut in half. */
const lastOutput = (stderr: string | undefined, config: McpServerConfig) =>
	stderr ? scrubText(stderr, config).slice(-500) : '';

function describeConnectError(
	error: unknown,
	config: McpServerConfig,
	stderr: string | undefined
): string {
	const url = config.url && shownUrl(config.url);
	const err = error as Error & {
		code?: string | number;
		cause?: { code?: string; message?: string };
	};
	let message: string;
	if (typeof err?.code === 'number' && err.code >= 400 && err.code < 600) {
		const hint =
			err.code === 401 || err.code === 403 ? ' Check the headers (e.g. Authorization).' : '';
		message = `${url} answered HTTP ${err.code}.${hint}`;
	} else if (err?.code === 'ENOENT' && config.transport === 'stdio')
		message = `The command "${config.command}" was not found.`;
	else if (err?.code === 'EACCES' && config.transport === 'stdio')
		message = `The command "${config.command}" is not executable.`;
	else if (err?.cause?.code === 'ECONNREFUSED')
		message = `Could not reach ${url} (connection refused).`;
	else if (err?.cause?.code === 'ENOTFOUND') message = `Could not resolve the host of ${url}.`;
	else if (err?.cause?.message === 'bad port')
		message = `fetch refuses to connect to port ${new URL(config.url!).port} (a port the Fetch standard blocks); run the server on another port.`;
	else if (err?.message === 'fetch failed' && config.url)
		message = `Could not reach ${url} (${err.cause?.code ?? err.cause?.message ?? 'network error'}).`;
	else if (/includes credentials/.test(err?.message ?? ''))
		// fetch refuses `user:pass@` in a URL (WHATWG Fetch); the message would quote them.
		message = `${url} cannot hold a user name or password (user:pass@); send them as a header instead, e.g. Authorization: Basic ….`;
	else if (err instanceof McpError && err.code === ErrorCode.ConnectionClosed)
		message = 'The server closed the connection while starting.';
	else message = err?.message || String(error);
	const output = lastOutput(stderr, config);
	return scrubText(output ? `${message} Its last output: ${output}` : message, config);
}

/** Larger than any call may run; the call's own clock ends it (CallClock). */
const UNBOUNDED_MS = 2 ** 31 - 1;

/**
 * A tool call's time limit: `timeoutMs` without a sign of life (progress restarts it), not
 * counting the time its server waits on the person. Expiry aborts `signal`, as a stop does.
 */
class CallClock {
	readonly #controller = new AbortController();
	readonly #timeoutMs: number;
	readonly #outer: AbortSignal | undefined;
	readonly #onOuterAbort = () => this.#controller.abort(this.#outer?.reason);
	#timer: NodeJS.Timeout | undefined;
	#paused = 0;
	expired = false;

	constructor(timeoutMs: number, outer: AbortSignal | undefined) {
		this.#timeoutMs = timeoutMs;
		this.#outer = outer;
		if (outer?.aborted) this.#controller.abort(outer.reason);
		else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
		this.restart();
	}

	get signal(): AbortSignal {
		return this.#controller.signal;
	}

	restart(): void {
		clearTimeout(this.#timer);
		if (this.#paused || this.#controller.signal.aborted) return;
		this.#timer = setTimeout(() => {
			this.expired = true;
			this.#controller.abort(new Error('timeout'));
		}, this.#timeoutMs);
	}

	/** The same interactions, with the clock stopped while each question is open. */
	pausedDuring(interactions: ChatInteractions): ChatInteractions {
		const paused = async <T>(work: () => Promise<T>): Promise<T> => {
			this.#paused++;
			clearTimeout(this.#timer);
			try {
				return await work();
			} finally {
				this.#paused--;
				this.restart();
			}
		};
		return {
			elicit: (serverId, params, signal) =>
				paused(() => interactions.elicit(serverId, params, signal)),
			sample: (serverId, params, signal) =>
				paused(() => interactions.sample(serverId, params, signal))
		};
	}

	dispose(): void {
		clearTimeout(this.#timer);
		this.#outer?.removeEventListener('abort', this.#onOuterAbort);
	}
}

/** Races `work` against a deadline; the loser keeps running, so callers clean up on timeout. */
function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
	let timer: NodeJS.Timeout;
	const deadline = new Promise<never>((_, reject) => {
		timer = setTimeout(() => reject(new Error(message)), ms);
	});
	return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * One configured, enabled MCP server: its SDK client, status, cached tool list, and the
 * retry-with-backoff loop that brings it back after a failure.
 */
export class ServerConnection {
	config: McpServerConfig;
	status: McpServerStatus = 'connecting';
	error: string | null = null;
	tools: Tool[] = [];
	/** What the server declared in `initialize`; undefined until connected. */
	capabilities: ServerCapabilities | undefined;
	/** Prompts, resources, templates and subscriptions (features.ts). */
	readonly features: ServerFeatures;

	readonly #deps: ConnectionDeps;
	readonly #log: Logger;
	#client: Client | undefined;
	#opened: OpenedTransport | undefined;
	/** Bumped by every connect and stop; callbacks of an older generation are ignored. */
	#generation = 0;
	#attempt: Promise<void> | undefined;
	#failures = 0;
	#retryTimer: NodeJS.Timeout | undefined;
	#stopped = false;

	constructor(config: McpServerConfig, deps: ConnectionDeps) {
		this.config = config;
		this.#deps = deps;
		this.#log = deps.log.child({ mcp_server: config.id });
		this.features = new ServerFeatures(
			this.#log,
			() => deps.onChange(),
			() => this.config.id
		);
	}

	/** The SDK client while connected (prompts and resources go through it). */
	get client(): Client | undefined {
		return this.status === 'connected' ? this.#client : undefined;
	}

	/** Connects (again) now; resolves when this attempt has settled, never rejects. */
	connect(): Promise<void> {
		this.#stopped = false;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		// A restart may wait its turn (pace): the old connection's tools must not stay on offer
		// meanwhile, or a chat in that moment would call into the connection being replaced.
		if (this.status === 'connected') this.#set('connecting', null, []);
		const { pace } = this.#deps;
		const token = this.#generation;
		const run = () =>
			this.#stopped || this.#generation !== token ? Promise.resolve() : this.#connect();
		const attempt = pace && this.config.transport !== 'builtin' ? pace(run) : this.#connect();
		this.#attempt = attempt;
		return attempt;
	}

	/** The connection attempt under way (or the last one), settled. */
	whenSettled(): Promise<void> {
		return this.#attempt ?? Promise.resolve();
	}

	/** Re-reads the tool list of a connected server, or retries one that is not connected. */
	async refresh(): Promise<void> {
		if (this.status === 'connected' && this.#client) {
			const generation = this.#generation;
			try {
				await this.#relist(this.#client, generation);
			} catch (error) {
				if (generation === this.#generation)
					await this.#lose(`Listing tools failed: ${this.#scrub(error)}`);
			}
			return;
		}
		if (this.status === 'connecting' && this.#attempt) return this.#attempt;
		this.#failures = 0;
		await this.connect();
	}

	/** Drops the current connection (if any) and connects anew now, with a fresh backoff. */
	restart(): Promise<void> {
		this.#failures = 0;
		return this.connect();
	}

	async stop(): Promise<void> {
		this.#stopped = true;
		this.#generation++;
		clearTimeout(this.#retryTimer);
		this.#retryTimer = undefined;
		const wasRunning = this.status === 'connected' || this.status === 'connecting';
		await this.#teardown();
		this.status = 'disabled';
		this.error = null;
		this.tools = [];
		this.#deps.onChange();
		if (wasRunning) this.#log.info('mcp server stopped');
	}

	async callTool(
		name: string,
		args: Record<string, unknown>,
		options: CallOptions = {}
	): Promise<CallToolResult> {
		const client = this.#client;
		if (this.status !== 'connected' || !client) {
			throw new ToolCallError(
				`The ${this.config.id} server is ${this.status}${this.error ? ` (${this.error})` : ''}.`,
				false
			);
		}
		const generation = this.#generation;
		const timeout = this.#deps.timings.callTimeoutMs;
		// The call's own clock (not the SDK's): progress restarts it, and it stands still while the
		// server waits on the person (elicitation, sampling approval), which may take minutes.
		const clock = new CallClock(timeout, options.signal);
		const interactions = options.interactions && clock.pausedDuring(options.interactions);
		const release = interactions && this.features.during(interactions);
		try {
			const result = await client.callTool({ name, arguments: args }, CallToolResultSchema, {
				signal: clock.signal,
				timeout: UNBOUNDED_MS,
				maxTotalTimeout: UNBOUNDED_MS,
				onprogress: ({ progress, total, message }) => {
					clock.restart();
					options.onProgress?.({
						progress,
						...(total !== undefined ? { total } : {}),
						...(message ? { message } : {})
					});
				}
			});
			return result as CallToolResult;
		} catch (error) {
			if (options.signal?.aborted) throw new ToolCallError('The call was stopped.', false);
			if (clock.expired || (error instanceof McpError && error.code === ErrorCode.RequestTimeout)) {
				throw new ToolCallError(`The tool did not answer within ${seconds(timeout)}.`, false);
			}
			const lost = !(error instanceof McpError) || error.code === ErrorCode.ConnectionClosed;
			if (lost) {
				// The transport's close handler may already have marked the server lost.
				if (generation === this.#generation) {
					const detail = lastOutput(this.#opened?.stderrTail?.(), this.config);
					void this.#lose(`The connection broke during a call${detail ? `: ${detail}` : '.'}`);
				}
				throw new ToolCallError(
					`The ${this.config.id} server stopped answering during the call; Switchboard is reconnecting it.`,
					true
				);
			}
			throw new ToolCallError(
				scrubText((error as Error).message || String(error), this.config),
				false
			);
		} finally {
			release?.();
			clock.dispose();
		}
	}

	async #connect(): Promise<void> {
		const generation = ++this.#generation;
		const { timings } = this.#deps;
		this.#set('connecting', null, []);
		await this.#teardown();
		if (generation !== this.#generation) return;
		this.#log.info('mcp server connecting', {
			transport: this.config.transport,
			attempt: this.#failures + 1
		});
		const started = performance.now();

		const client = new Client(
			{ name: 'switchboard', version: this.#deps.clientVersion },
			{ capabilities: { elicitation: { form: {} }, sampling: {} } }
		);
		this.features.attach(client, () => generation === this.#generation);
		let opened: OpenedTransport | undefined;
		try {
			opened = await openTransport(
				this.config,
				this.#deps.builtins,
				this.#deps.oauth?.providerFor(this.config)
			);
			if (generation !== this.#generation) {
				await this.#close(client, opened);
				return;
			}
			this.#client = client;
			this.#opened = opened;
			client.onclose = () => {
				if (generation === this.#generation && this.status === 'connected') {
					const detail = lastOutput(opened?.stderrTail?.(), this.config);
					void this.#lose(`The server closed the connection${detail ? `: ${detail}` : '.'}`);
				}
			};
			client.onerror = (error) =>
				this.#log.debug('mcp transport error', { error: this.#scrub(error) });
			client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
				if (generation !== this.#generation) return;
				try {
					await this.#relist(client, generation);
				} catch (error) {
					this.#log.warn('mcp tool list refresh failed', { error: this.#scrub(error) });
				}
			});
			const tools = await withDeadline(
				(async () => {
					await client.connect(opened!.transport, { timeout: timings.initTimeoutMs });
					return this.#listAll(client);
				})(),
				timings.initTimeoutMs,
				`The server did not finish starting (initialize and tools/list) within ${seconds(timings.initTimeoutMs)}.`
			);
			if (generation !== this.#generation) return;
			const capabilities = client.getServerCapabilities();
			this.#failures = 0;
			clearTimeout(this.#retryTimer);
			this.#retryTimer = undefined;
			this.#set('connected', null, tools);
			this.capabilities = capabilities;
			this.#log.info('mcp server connected', {
				tools: tools.length,
				duration_ms: Math.round(performance.now() - started)
			});
			// Its tools are on offer already; prompts and resources follow (the attempt settles after).
			await this.features.load(client, capabilities, timings.initTimeoutMs);
			if (generation === this.#generation) this.#deps.onChange();
		} catch (error) {
			if (generation !== this.#generation) return;
			const message = describeConnectError(error, this.config, opened?.stderrTail?.());
			await this.#teardown();
			if (generation !== this.#generation) return;
			if (await this.#needsSignIn(error)) {
				if (generation !== this.#generation) return;
				const failure = this.#deps.oauth?.lastFailure(this.config.id);
				this.#set(
					'needs_auth',
					failure ?? `${shownUrl(this.config.url!)} uses OAuth: press Connect to sign in.`,
					[]
				);
				this.#log.info('mcp server needs sign-in');
				return;
			}
			this.#set('unavailable', message, []);
			if (error instanceof NotConnectable) {
				this.#log.info('mcp server unavailable', { error: message });
			} else {
				this.#scheduleRetry(message);
			}
		}
	}

	/** A remote server that refused us (401) and describes itself as OAuth-protected. */
	async #needsSignIn(error: unknown): Promise<boolean> {
		const oauth = this.#deps.oauth;
		if (!oauth || (this.config.transport !== 'http' && this.config.transport !== 'sse'))
			return false;
		const err = error as { code?: unknown; name?: string };
		if (err?.name !== 'UnauthorizedError' && err?.code !== 401) return false;
		return oauth.protects(this.config);
	}

	async #lose(message: string): Promise<void> {
		const generation = ++this.#generation;
		await this.#teardown();
		// A reconnect that started meanwhile owns the status now (a builtin closed and reopened).
		if (this.#stopped || generation !== this.#generation) return;
		this.#set('unavailable', message, []);
		this.#scheduleRetry(message);
	}

	#scheduleRetry(message: string) {
		if (this.#stopped) return;
		const { retryBaseMs, retryMaxMs } = this.#deps.timings;
		// Jitter keeps servers that failed together from all respawning in the same instant.
		const delay = Math.round(
			Math.min(retryBaseMs * 2 ** this.#failures, retryMaxMs) * (0.8 + Math.random() * 0.4)
		);
		this.#failures++;
		this.#log.warn('mcp server unavailable', { error: message, retry_in_ms: delay });
		clearTimeout(this.#retryTimer);
		this.#retryTimer = setTimeout(() => void this.connect(), delay);
		this.#retryTimer.unref();
	}

	async #relist(client: Client, generation: number): Promise<void> {
		const tools = await this.#listAll(client);
		if (generation !== this.#generation || this.status !== 'connected') return;
		this.#set('connected', null, tools);
		this.#log.info('mcp tool list updated', { tools: tools.length });
	}

	async #listAll(client: Client): Promise<Tool[]> {
		const tools: Tool[] = [];
		let cursor: string | undefined;
		do {
			const page = await client.listTools(cursor ? { cursor } : undefined, {
				timeout: this.#deps.timings.initTimeoutMs
			});
			tools.push(...page.tools);
			cursor = page.nextCursor;
		} while (cursor && tools.length < 10_000);
		return tools;
	}

	/** An error's message as it may be shown and logged (see scrubText). */
	#scrub(error: unknown): string {
		return scrubText(error instanceof Error ? error.message : String(error), this.config);
	}

	#set(status: McpServerStatus, error: string | null, tools: Tool[]) {
		this.status = status;
		if (status !== 'connected') {
			this.capabilities = undefined;
			this.features.clear();
		}
		// Every message above is scrubbed already; this keeps any later one from slipping past.
		this.error = error && scrubText(error, this.config);
		this.tools = tools;
		this.#deps.onChange();
	}

	async #teardown(): Promise<void> {
		const client = this.#client;
		const opened = this.#opened;
		this.#client = undefined;
		this.#opened = undefined;
		if (client || opened) await this.#close(client, opened);
	}

	async #close(client: Client | undefined, opened: OpenedTransport | undefined): Promise<void> {
		try {
			if (client?.transport) await client.close();
			else await opened?.transport.close();
		} catch (error) {
			this.#log.debug('mcp close failed', { error: this.#scrub(error) });
		}
		await opened?.close?.().catch(() => {});
	}
}

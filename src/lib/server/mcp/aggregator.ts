import type { ServerCapabilities, Tool } from '@modelcontextprotocol/sdk/types.js';
import {
	mcpServerConfigList,
	type McpServerConfig,
	type McpServerView,
	type McpToolView
} from '$lib/api/mcp';
import type {
	ApprovalPolicy,
	ToolCallOptions,
	ToolDefinition,
	ToolOutcome,
	ToolProvider
} from '../chat/tools';
import { parseWith } from '../http';
import type { Logger } from '../log';
import type { JsonStore } from '../settings/json-store';
import type { BuiltinRegistry } from './builtin/registry';
import {
	CONNECTION_FIELDS,
	DEFAULT_TIMINGS,
	ServerConnection,
	ToolCallError,
	type ConnectionTimings
} from './connection';
import { assignToolNames, toolKey } from './naming';
import type { McpOAuth } from './oauth';
import { MAX_RESULT_BYTES, toOutcome } from './results';
import { hideSecrets, restoreSecrets } from './secrets';
import { compileArgumentsCheck } from './validation';

export interface McpAggregatorOptions {
	store: JsonStore<McpServerConfig[]>;
	builtins: BuiltinRegistry;
	log: Logger;
	timings?: Partial<ConnectionTimings>;
	maxResultBytes?: number;
	/** Sent as the client version in `initialize`. */
	version?: string;
	/** How long `refresh()` waits for reconnects before answering with what it has. */
	refreshWaitMs?: number;
	/** OAuth of remote servers (oauth.ts); set after construction by the composition root. */
	oauth?: McpOAuth;
}

interface CatalogueEntry {
	serverId: string;
	tool: Tool;
	name: string;
}

/** A server's declared capabilities as short names: `tools`, `prompts`, `resources.subscribe`, ... */
export function capabilityNames(capabilities: ServerCapabilities | undefined): string[] {
	if (!capabilities) return [];
	const names: string[] = [];
	for (const [name, value] of Object.entries(capabilities)) {
		if (value === undefined || name === 'experimental') continue;
		names.push(name);
		if (value && typeof value === 'object')
			for (const [flag, on] of Object.entries(value))
				if (on === true) names.push(`${name}.${flag}`);
	}
	return names;
}

const sameJson = (a: unknown, b: unknown) =>
	JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const connectionChanged = (a: McpServerConfig, b: McpServerConfig) =>
	CONNECTION_FIELDS.some((field) => !sameJson(a[field], b[field]));

/** Arguments as logged: long strings shortened (the logger masks secrets by key and shape). */
function summarize(value: unknown, depth = 0): unknown {
	if (typeof value === 'string')
		return value.length > 200 ? `${value.slice(0, 200)}… (${value.length} chars)` : value;
	if (value === null || typeof value !== 'object') return value;
	if (depth > 4) return '…';
	if (Array.isArray(value)) return value.slice(0, 20).map((item) => summarize(item, depth + 1));
	return Object.fromEntries(
		Object.entries(value)
			.slice(0, 50)
			.map(([key, item]) => [key, summarize(item, depth + 1)])
	);
}

/** The JSON schema the model sees: MCP input schemas minus the keys some providers reject. */
function parametersOf(tool: Tool): Record<string, unknown> {
	const { $schema: _schema, ...rest } = tool.inputSchema as Record<string, unknown>;
	return { ...rest, type: 'object', properties: rest.properties ?? {} };
}

/**
 * Every configured MCP server behind one ToolProvider: connects in the background,
 * names tools `{server_id}__{tool}`, validates arguments, times out and cuts results, and applies
 * changes to the server list without touching servers that did not change.
 */
export class McpAggregator implements ToolProvider {
	readonly #store: JsonStore<McpServerConfig[]>;
	readonly #builtins: BuiltinRegistry;
	readonly #log: Logger;
	readonly #timings: ConnectionTimings;
	readonly #maxResultBytes: number;
	readonly #version: string;
	readonly #refreshWaitMs: number;
	/** OAuth of remote servers; given before `start()` (it needs the aggregator's configs). */
	oauth: McpOAuth | undefined;

	#configs: McpServerConfig[] = [];
	readonly #connections = new Map<string, ServerConnection>();
	readonly #stopping = new Set<Promise<void>>();
	#catalogue = new Map<string, CatalogueEntry>();
	#names = new Map<string, string>();
	/** Loads and config changes run one at a time, in order. */
	#queue: Promise<unknown>;
	#started = false;
	#closed = false;
	readonly #launches: (() => void)[] = [];
	#launching = false;

	constructor(options: McpAggregatorOptions) {
		this.#store = options.store;
		this.#builtins = options.builtins;
		this.#log = options.log;
		this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
		this.#maxResultBytes = options.maxResultBytes ?? MAX_RESULT_BYTES;
		this.#version = options.version ?? '0.0.0';
		this.#refreshWaitMs = options.refreshWaitMs ?? 5_000;
		this.oauth = options.oauth;
		this.#queue = Promise.resolve();
	}

	/** Reads the config and starts connecting; resolves before any server is connected. */
	start(): Promise<void> {
		if (this.#started) return this.#queue.then(() => undefined);
		this.#started = true;
		return this.#enqueue(async () => {
			try {
				this.#apply(await this.#store.read());
			} catch (error) {
				this.#log.error('mcp server list could not be read', { error });
			}
		});
	}

	/** Resolves when every connection attempt under way has settled (for tests and benchmarks). */
	async settled(): Promise<void> {
		await this.#queue;
		await Promise.all(
			[...this.#connections.values()].map((connection) => connection.whenSettled())
		);
	}

	async listConfigs(): Promise<McpServerConfig[]> {
		await this.#ready();
		return this.#store.read();
	}

	async listServers(): Promise<McpServerView[]> {
		await this.#ready();
		await this.#store.read(); // surfaces a corrupt file as a clear error
		return this.#configs.map((config) => this.#view(config));
	}

	/**
	 * Validates (400 naming the bad field), keeps the saved env/header values the caller sent back
	 * hidden, persists atomically, then starts/stops/restarts the difference.
	 */
	async replaceConfigs(input: unknown): Promise<McpServerView[]> {
		const parsed = parseWith(mcpServerConfigList, input);
		await this.#enqueue(async () => {
			const saved = await this.#store.write(restoreSecrets(parsed, this.#configs));
			this.#apply(saved);
			this.#log.info('mcp server list replaced', {
				servers: saved.map((server) => `${server.id}:${server.enabled ? 'on' : 'off'}`)
			});
		});
		return this.listServers();
	}

	/** Re-lists tools of connected servers and retries the others now (waits a little for them). */
	async refresh(): Promise<McpServerView[]> {
		await this.#ready();
		const work = Promise.all(
			[...this.#connections.values()].map((connection) => connection.refresh())
		);
		let timer: NodeJS.Timeout | undefined;
		await Promise.race([
			work,
			new Promise((resolve) => (timer = setTimeout(resolve, this.#refreshWaitMs)))
		]);
		clearTimeout(timer);
		return this.listServers();
	}

	/**
	 * Connects one server again from scratch (e.g. the Google OAuth callback stored new tokens, or
	 * a disconnect deleted them): a builtin gets a fresh server, so its tools follow the new grant.
	 */
	async reconnect(serverId: string): Promise<void> {
		await this.#ready();
		await this.#connections.get(serverId)?.restart();
	}

	/** The connected, enabled servers (their prompts and resources: prompts.ts, resources.ts). */
	async connectedServers(): Promise<ServerConnection[]> {
		await this.#ready();
		return [...this.#connections.values()].filter(
			(connection) => connection.status === 'connected' && connection.config.enabled
		);
	}

	/** A configured server's connection (any status); undefined for an id not configured or off. */
	async connection(serverId: string): Promise<ServerConnection | undefined> {
		await this.#ready();
		return this.#connections.get(serverId);
	}

	/** What a server's sampling requests get (its config's `sampling`, default ask). */
	samplingPolicy(serverId: string): 'ask' | 'auto' | 'deny' {
		return this.#connections.get(serverId)?.config.sampling ?? 'ask';
	}

	counts(): { connected: number; unavailable: number } {
		let connected = 0;
		let unavailable = 0;
		for (const connection of this.#connections.values()) {
			if (connection.status === 'connected') connected++;
			else if (connection.status === 'unavailable') unavailable++;
		}
		return { connected, unavailable };
	}

	listTools(): ToolDefinition[] {
		const out: ToolDefinition[] = [];
		for (const entry of this.#catalogue.values()) {
			if (this.#isDisabled(entry)) continue;
			out.push({
				name: entry.name,
				description: entry.tool.description ?? entry.tool.title ?? '',
				parameters: parametersOf(entry.tool)
			});
		}
		return out;
	}

	describe(name: string): { serverId: string; approval: ApprovalPolicy } | undefined {
		const entry = this.#catalogue.get(name);
		if (!entry || this.#isDisabled(entry)) return undefined;
		const connection = this.#connections.get(entry.serverId);
		return { serverId: entry.serverId, approval: connection?.config.approval ?? 'auto' };
	}

	async callTool(
		name: string,
		args: Record<string, unknown>,
		options: ToolCallOptions = {}
	): Promise<ToolOutcome> {
		const entry = this.#catalogue.get(name);
		const connection = entry && this.#connections.get(entry.serverId);
		if (!entry || !connection || this.#isDisabled(entry)) {
			return {
				content: `There is no tool named ${name} right now. Use one of the tools offered.`,
				isError: true
			};
		}
		const started = performance.now();
		let outcome: ToolOutcome;
		let kind: string;
		const problem = compileArgumentsCheck(entry.tool.inputSchema as Record<string, unknown>)?.(
			args
		);
		if (problem) {
			kind = 'invalid_arguments';
			outcome = {
				content: `The arguments for ${name} do not match its schema: ${problem}. Fix them and call the tool again.`,
				isError: true
			};
		} else {
			try {
				outcome = toOutcome(
					await connection.callTool(entry.tool.name, args, options),
					this.#maxResultBytes
				);
				kind = outcome.isError ? 'tool_error' : 'ok';
			} catch (error) {
				kind = error instanceof ToolCallError && error.lost ? 'connection_lost' : 'call_failed';
				outcome = {
					content: error instanceof Error ? error.message : String(error),
					isError: true
				};
			}
		}
		this.#log.info('mcp tool call', {
			mcp_server: entry.serverId,
			tool: entry.tool.name,
			name,
			duration_ms: Math.round((performance.now() - started) * 10) / 10,
			outcome: kind,
			arguments: summarize(args)
		});
		return outcome;
	}

	async close(): Promise<void> {
		this.#closed = true;
		await this.#queue.catch(() => {});
		const stops = [...this.#connections.values()].map((connection) => connection.stop());
		this.#connections.clear();
		await Promise.allSettled([...stops, ...this.#stopping]);
		await this.#builtins.close();
		this.#rebuild();
	}

	/** Starts one process/network connection per event-loop turn, so requests get served in between. */
	#pace = <T>(work: () => Promise<T>): Promise<T> =>
		new Promise<T>((resolve, reject) => {
			this.#launches.push(() => void work().then(resolve, reject));
			if (this.#launching) return;
			this.#launching = true;
			const next = () => {
				this.#launches.shift()?.();
				if (this.#launches.length) setImmediate(next);
				else this.#launching = false;
			};
			setImmediate(next);
		});

	#enqueue<T>(work: () => Promise<T>): Promise<T> {
		const run = this.#queue.then(work);
		this.#queue = run.catch(() => {});
		return run;
	}

	async #ready(): Promise<void> {
		if (!this.#started) await this.start();
		await this.#queue;
	}

	/** Applies a server list: start added, stop removed or disabled, restart changed, keep the rest. */
	#apply(next: McpServerConfig[]) {
		if (this.#closed) return;
		const wanted = new Map(
			next.filter((config) => config.enabled).map((config) => [config.id, config])
		);
		for (const [id, connection] of this.#connections) {
			if (wanted.has(id)) continue;
			this.#connections.delete(id);
			const stop = connection.stop().finally(() => this.#stopping.delete(stop));
			this.#stopping.add(stop);
		}
		for (const config of wanted.values()) {
			const existing = this.#connections.get(config.id);
			if (!existing) {
				const connection = new ServerConnection(config, {
					builtins: this.#builtins,
					log: this.#log,
					timings: this.#timings,
					clientVersion: this.#version,
					onChange: () => this.#rebuild(),
					pace: this.#pace,
					oauth: this.oauth
				});
				this.#connections.set(config.id, connection);
				void connection.connect();
			} else if (connectionChanged(existing.config, config)) {
				existing.config = config;
				void existing.connect();
			} else {
				existing.config = config;
			}
		}
		this.#configs = next;
		this.#rebuild();
	}

	/** Recomputes exposed names over the tools of every connected server. */
	#rebuild() {
		const pairs: { serverId: string; tool: Tool }[] = [];
		for (const [serverId, connection] of this.#connections) {
			if (connection.status !== 'connected') continue;
			for (const tool of connection.tools) pairs.push({ serverId, tool });
		}
		const names = assignToolNames(
			pairs.map(({ serverId, tool }) => ({ serverId, tool: tool.name }))
		);
		const catalogue = new Map<string, CatalogueEntry>();
		for (const { serverId, tool } of pairs) {
			const name = names.get(toolKey({ serverId, tool: tool.name }))!;
			catalogue.set(name, { serverId, tool, name });
		}
		this.#names = names;
		this.#catalogue = catalogue;
	}

	#isDisabled(entry: CatalogueEntry): boolean {
		const config = this.#connections.get(entry.serverId)?.config;
		return (
			!config || !config.enabled || (config.disabled_tools?.includes(entry.tool.name) ?? false)
		);
	}

	#view(config: McpServerConfig): McpServerView {
		const connection = config.enabled ? this.#connections.get(config.id) : undefined;
		const tools: McpToolView[] = (connection?.status === 'connected' ? connection.tools : []).map(
			(tool) => ({
				name: this.#names.get(toolKey({ serverId: config.id, tool: tool.name })) ?? tool.name,
				original_name: tool.name,
				description: tool.description ?? tool.title ?? ''
			})
		);
		const live = connection?.status === 'connected' ? connection : undefined;
		return {
			...hideSecrets(config),
			status: config.enabled ? (connection?.status ?? 'connecting') : 'disabled',
			error: connection?.error ?? null,
			tools,
			counts: {
				tools: tools.length,
				prompts: live?.features.prompts.length ?? 0,
				resources: live?.features.resources.length ?? 0,
				templates: live?.features.templates.length ?? 0
			},
			capabilities: capabilityNames(live?.capabilities),
			...(config.transport === 'http' || config.transport === 'sse'
				? { signed_in: this.oauth?.signedIn(config.id) ?? false }
				: {})
		};
	}
}

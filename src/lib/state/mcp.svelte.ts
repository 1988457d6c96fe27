import { configOf, mcpServersResponse, type McpServerConfig, type McpServerView } from '$lib/api';
import { api } from '$lib/api/client';

const SERVERS = '/api/mcp/servers';

/**
 * The MCP server list of the /mcp page. Every change is a PUT of the full list, made
 * one at a time from the latest answer, so quick toggles never overwrite each other.
 */
export class McpServersState {
	#servers = $state.raw<McpServerView[]>([]);
	#loaded = $state(false);
	#error = $state<string | null>(null);
	#refreshing = $state(false);
	#saving = $state(0);
	#queue: Promise<unknown> = Promise.resolve();

	get servers() {
		return this.#servers;
	}
	get loaded() {
		return this.#loaded;
	}
	get error() {
		return this.#error;
	}
	get refreshing() {
		return this.#refreshing;
	}
	get saving() {
		return this.#saving > 0;
	}
	/** Something is still starting, so the page polls faster. */
	get settling() {
		return this.#servers.some((server) => server.status === 'connecting');
	}

	find(id: string): McpServerView | undefined {
		return this.#servers.find((server) => server.id === id);
	}

	async load(): Promise<void> {
		try {
			const servers = await api(SERVERS, mcpServersResponse);
			// A save in flight answers with newer data; do not step back to an older list.
			if (this.#saving === 0) this.#servers = servers;
			this.#error = null;
			this.#loaded = true;
		} catch (error) {
			this.#error = (error as Error).message;
		}
	}

	async refresh(): Promise<void> {
		this.#refreshing = true;
		try {
			this.#servers = await api(`${SERVERS}/refresh`, mcpServersResponse, { method: 'POST' });
			this.#error = null;
		} finally {
			this.#refreshing = false;
		}
	}

	/** Applies `change` to the current configs and PUTs the result; rejects with the server's message. */
	update(change: (configs: McpServerConfig[]) => McpServerConfig[]): Promise<McpServerView[]> {
		this.#saving++;
		const run = this.#queue.then(async () => {
			const next = change(this.#servers.map(configOf));
			this.#servers = await api(SERVERS, mcpServersResponse, { method: 'PUT', json: next });
			return this.#servers;
		});
		this.#queue = run.catch(() => {});
		return run.finally(() => this.#saving--);
	}

	setEnabled(id: string, enabled: boolean) {
		return this.update((configs) =>
			configs.map((config) => (config.id === id ? { ...config, enabled } : config))
		);
	}

	setToolEnabled(id: string, tool: string, enabled: boolean) {
		return this.update((configs) =>
			configs.map((config) => {
				if (config.id !== id) return config;
				const disabled = new Set(config.disabled_tools ?? []);
				if (enabled) disabled.delete(tool);
				else disabled.add(tool);
				return { ...config, disabled_tools: [...disabled] };
			})
		);
	}

	/** Adds a server, or replaces the one called `previousId` (its place in the list is kept). */
	save(config: McpServerConfig, previousId?: string) {
		return this.update((configs) => {
			if (previousId === undefined) return [...configs, config];
			return configs.map((existing) => (existing.id === previousId ? config : existing));
		});
	}

	/** Deletes a remote server's OAuth tokens (it then needs sign-in again). */
	async disconnect(id: string): Promise<void> {
		await api(`/api/mcp/servers/${encodeURIComponent(id)}/oauth/disconnect`, null, {
			method: 'POST'
		});
		await this.load();
	}

	remove(id: string) {
		return this.update((configs) => configs.filter((config) => config.id !== id));
	}

	reset(): void {
		this.#servers = [];
		this.#loaded = false;
		this.#error = null;
		this.#refreshing = false;
	}
}

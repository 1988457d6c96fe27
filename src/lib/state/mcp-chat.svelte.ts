import {
	mcpPromptList,
	mcpPromptResult,
	mcpResourceList,
	mcpServersResponse,
	renamedSession,
	type McpPrompt,
	type McpPromptResult,
	type McpResourceList,
	type McpResourceTemplate,
	type McpServerView,
	type MessageResource,
	type PromptMessage
} from '$lib/api';
import { api } from '$lib/api/client';

/** A template's URI with its variables filled (RFC 6570 simple expansion, values escaped). */
export function expandTemplate(template: string, values: Record<string, string>): string {
	return template.replace(/\{([^}]+)\}/g, (_, name: string) =>
		encodeURIComponent(values[name.trim()] ?? '')
	);
}

/**
 * What the composer takes from the MCP servers beyond tools: their prompts (the `/` menu), their
 * resources (Attach from server), and the servers a chat switches off (the tools menu). The
 * choices for the next question (a prompt's earlier messages, the attached resources) wait here
 * until it is sent.
 */
export class McpChatState {
	#prompts = $state.raw<McpPrompt[]>([]);
	#servers = $state.raw<McpServerView[]>([]);
	#resources = $state.raw<McpResourceList>({ resources: [], templates: [] });
	#error = $state<string | null>(null);
	#loading = $state(false);
	/** Resources attached to the next question (chips in the composer). */
	attached = $state.raw<MessageResource[]>([]);
	/** The earlier messages of the prompt now in the composer, sent with their roles. */
	promptMessages = $state.raw<PromptMessage[]>([]);
	/** The prompt those came from (shown above the composer). */
	promptName = $state<string | null>(null);

	get prompts() {
		return this.#prompts;
	}
	/** Enabled servers (the tools menu). */
	get servers() {
		return this.#servers;
	}
	get resources() {
		return this.#resources;
	}
	get error() {
		return this.#error;
	}
	get loading() {
		return this.#loading;
	}

	/** The prompts for the `/` menu; a failure leaves the menu with the suggestions only. */
	async loadPrompts(): Promise<void> {
		try {
			this.#prompts = (await api('/api/mcp/prompts', mcpPromptList)).prompts;
		} catch {
			this.#prompts = [];
		}
	}

	async loadServers(): Promise<void> {
		try {
			this.#servers = (await api('/api/mcp/servers', mcpServersResponse)).filter(
				(server) => server.enabled
			);
			this.#error = null;
		} catch (error) {
			this.#error = (error as Error).message;
		}
	}

	async loadResources(): Promise<void> {
		this.#loading = true;
		try {
			this.#resources = await api('/api/mcp/resources', mcpResourceList);
			this.#error = null;
		} catch (error) {
			this.#error = (error as Error).message;
		} finally {
			this.#loading = false;
		}
	}

	/** Throws ApiRequestError with the server's message (a missing argument, say). */
	getPrompt(name: string, args: Record<string, string>): Promise<McpPromptResult> {
		return api('/api/mcp/prompts/get', mcpPromptResult, {
			method: 'POST',
			json: { name, arguments: args }
		});
	}

	/**
	 * A prompt's result for the composer: the last message is the draft, the ones before it are
	 * kept to be sent with their roles.
	 */
	usePrompt(name: string, result: McpPromptResult): string {
		const last = result.messages.at(-1);
		this.promptMessages = result.messages.slice(0, -1);
		this.promptName = this.promptMessages.length ? name : null;
		return last?.text ?? '';
	}

	clearPrompt(): void {
		this.promptMessages = [];
		this.promptName = null;
	}

	attach(resource: MessageResource): void {
		if (
			this.attached.some(
				(item) => item.server_id === resource.server_id && item.uri === resource.uri
			)
		)
			return;
		this.attached = [...this.attached, resource];
	}

	attachTemplate(template: McpResourceTemplate, values: Record<string, string>): void {
		this.attach({
			server_id: template.server_id,
			uri: expandTemplate(template.uri_template, values),
			name: template.name
		});
	}

	detach(resource: MessageResource): void {
		this.attached = this.attached.filter((item) => item !== resource);
	}

	/** Whether a subscribed resource changed since it was read. */
	isUpdated(resource: MessageResource): boolean {
		return this.#resources.resources.some(
			(item) => item.server_id === resource.server_id && item.uri === resource.uri && item.updated
		);
	}

	/** What the next question takes along; emptied for the one after. */
	take(): { resources: MessageResource[]; promptMessages: PromptMessage[] } {
		const taken = { resources: this.attached, promptMessages: this.promptMessages };
		this.attached = [];
		this.clearPrompt();
		return taken;
	}

	/** Puts back what a refused question took. */
	restore(taken: { resources: MessageResource[]; promptMessages: PromptMessage[] }): void {
		this.attached = taken.resources;
		this.promptMessages = taken.promptMessages;
	}

	/** Saves the servers switched off for a saved chat (`PATCH /api/sessions/{id}`). */
	async saveDisabledServers(sessionId: string, disabled: string[]): Promise<string[]> {
		const saved = await api(`/api/sessions/${encodeURIComponent(sessionId)}`, renamedSession, {
			method: 'PATCH',
			json: { disabled_servers: disabled }
		});
		return saved.disabled_servers ?? disabled;
	}

	reset(): void {
		this.attached = [];
		this.clearPrompt();
	}
}

import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
	CreateMessageRequestSchema,
	ElicitRequestSchema,
	ErrorCode,
	McpError,
	PromptListChangedNotificationSchema,
	ResourceListChangedNotificationSchema,
	ResourceUpdatedNotificationSchema,
	type Prompt,
	type Resource,
	type ResourceTemplate,
	type ServerCapabilities
} from '@modelcontextprotocol/sdk/types.js';
import type { ChatInteractions } from '../chat/tools';
import type { Logger } from '../log';

const MAX_ITEMS = 10_000;

/** Pages through a `list*` method up to MAX_ITEMS items. */
async function listAll<T>(
	page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string }>
): Promise<T[]> {
	const out: T[] = [];
	let cursor: string | undefined;
	do {
		const next = await page(cursor);
		out.push(...next.items);
		cursor = next.nextCursor;
	} while (cursor && out.length < MAX_ITEMS);
	return out;
}

/**
 * What one connected server offers besides tools: its prompts, resources and resource templates
 * (listed at connect, listed again on `list_changed`), the resources it was asked to watch and
 * those that changed since (`resources/updated`), and the server's questions during a tool call
 * (elicitation, sampling), handed to the chat whose call is running.
 */
export class ServerFeatures {
	prompts: Prompt[] = [];
	resources: Resource[] = [];
	templates: ResourceTemplate[] = [];
	/** Resources subscribed to on this connection. */
	readonly subscribed = new Set<string>();
	/** Subscribed resources the server reported changed since they were last read. */
	readonly updated = new Set<string>();

	readonly #log: Logger;
	readonly #onChange: () => void;
	readonly #serverId: () => string;
	/** The chats whose tool calls on this server are running, the latest last. */
	readonly #active: ChatInteractions[] = [];
	#timeoutMs = 15_000;

	constructor(log: Logger, onChange: () => void, serverId: () => string) {
		this.#log = log;
		this.#onChange = onChange;
		this.#serverId = serverId;
	}

	/** Registers the handlers on a new client (before it connects); `current` says it is still the live one. */
	attach(client: Client, current: () => boolean): void {
		client.setNotificationHandler(PromptListChangedNotificationSchema, async () => {
			if (current()) await this.#relist(client, 'prompts');
		});
		client.setNotificationHandler(ResourceListChangedNotificationSchema, async () => {
			if (current()) await this.#relist(client, 'resources');
		});
		client.setNotificationHandler(ResourceUpdatedNotificationSchema, async (notification) => {
			if (!current() || !this.subscribed.has(notification.params.uri)) return;
			this.updated.add(notification.params.uri);
			this.#onChange();
		});
		client.setRequestHandler(ElicitRequestSchema, async (request, extra) => {
			const chat = this.#active.at(-1);
			// URL mode is not declared, so the SDK refuses it before it gets here.
			if (!chat || request.params.mode === 'url') return { action: 'cancel' };
			return chat.elicit(this.#serverId(), request.params, extra.signal);
		});
		client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
			const chat = this.#active.at(-1);
			if (!chat)
				throw new McpError(
					ErrorCode.InvalidRequest,
					'Switchboard answers sampling requests only while one of your tools runs in a chat.'
				);
			return chat.sample(this.#serverId(), request.params, extra.signal);
		});
	}

	/** Lists what the server declared it has; a server whose list fails still serves its tools. */
	async load(
		client: Client,
		capabilities: ServerCapabilities | undefined,
		timeoutMs: number
	): Promise<void> {
		this.#timeoutMs = timeoutMs;
		const work: Promise<void>[] = [];
		if (capabilities?.prompts) work.push(this.#relist(client, 'prompts', false));
		if (capabilities?.resources) work.push(this.#relist(client, 'resources', false));
		await Promise.all(work);
	}

	/** Forgets everything of the connection that ended. */
	clear(): void {
		this.prompts = [];
		this.resources = [];
		this.templates = [];
		this.subscribed.clear();
		this.updated.clear();
	}

	/** The chat's interactions receive the server's questions until the returned release runs. */
	during(interactions: ChatInteractions): () => void {
		this.#active.push(interactions);
		return () => {
			const index = this.#active.lastIndexOf(interactions);
			if (index >= 0) this.#active.splice(index, 1);
		};
	}

	async #relist(client: Client, what: 'prompts' | 'resources', notify = true): Promise<void> {
		const options = { timeout: this.#timeoutMs };
		try {
			if (what === 'prompts') {
				this.prompts = await listAll(async (cursor) => {
					const page = await client.listPrompts(cursor ? { cursor } : undefined, options);
					return { items: page.prompts, nextCursor: page.nextCursor };
				});
			} else {
				const [resources, templates] = await Promise.all([
					listAll(async (cursor) => {
						const page = await client.listResources(cursor ? { cursor } : undefined, options);
						return { items: page.resources, nextCursor: page.nextCursor };
					}),
					listAll(async (cursor) => {
						const page = await client.listResourceTemplates(
							cursor ? { cursor } : undefined,
							options
						);
						return { items: page.resourceTemplates, nextCursor: page.nextCursor };
					}).catch(() => [] as ResourceTemplate[])
				]);
				this.resources = resources;
				this.templates = templates;
			}
			if (notify) this.#onChange();
		} catch (error) {
			this.#log.warn(`mcp ${what} list failed`, {
				error: error instanceof Error ? error.message : String(error)
			});
		}
	}
}

import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import type {
	McpResourceList,
	McpResourceRead,
	MessageResource,
	ResourceRef
} from '$lib/api/mcp-features';
import { AppError, notFound } from '../errors';
import type { McpAggregator } from './aggregator';
import type { ServerConnection } from './connection';
import { cutToLimit, MAX_RESULT_BYTES } from './results';
import { scrubText } from './secrets';

/** A resource attached to a question, with the text that went upstream (kept for later turns). */
export interface AttachedResource extends MessageResource {
	text: string;
}

function variablesOf(template: string): string[] {
	try {
		return new UriTemplate(template).variableNames;
	} catch {
		return [];
	}
}

/**
 * The resources and resource templates of every connected server, reading one (only through the
 * server that lists it or a template of its), watching what was read (`resources/updated`), and
 * the text of resources attached to a question.
 */
export class McpResources {
	readonly #mcp: McpAggregator;
	readonly #maxBytes: number;

	constructor(mcp: McpAggregator, maxBytes = MAX_RESULT_BYTES) {
		this.#mcp = mcp;
		this.#maxBytes = maxBytes;
	}

	async list(): Promise<McpResourceList> {
		const out: McpResourceList = { resources: [], templates: [] };
		for (const connection of await this.#mcp.connectedServers()) {
			const { features, config } = connection;
			for (const resource of features.resources)
				out.resources.push({
					server_id: config.id,
					uri: resource.uri,
					name: resource.title ?? resource.name,
					description: resource.description ?? null,
					mime_type: resource.mimeType ?? null,
					subscribed: features.subscribed.has(resource.uri),
					updated: features.updated.has(resource.uri)
				});
			for (const template of features.templates)
				out.templates.push({
					server_id: config.id,
					uri_template: template.uriTemplate,
					name: template.title ?? template.name,
					description: template.description ?? null,
					variables: variablesOf(template.uriTemplate)
				});
		}
		return out;
	}

	/** 404 for a server not connected or a URI it neither lists nor matches with a template. */
	async read(serverId: string, uri: string): Promise<McpResourceRead> {
		const { result } = await this.#read(serverId, uri);
		return {
			contents: result.contents.map((content) => ({
				uri: content.uri,
				mime_type: content.mimeType ?? null,
				...('text' in content && typeof content.text === 'string'
					? { text: cutToLimit(content.text, this.#maxBytes, 'resource') }
					: {}),
				...('blob' in content && typeof content.blob === 'string' ? { blob: content.blob } : {})
			}))
		};
	}

	/** Reads the resources of a question; the same 404s as `read`, before anything is saved. */
	async forChat(refs: ResourceRef[]): Promise<AttachedResource[]> {
		const out: AttachedResource[] = [];
		for (const ref of refs) {
			const { result, name, mimeType } = await this.#read(ref.server_id, ref.uri);
			const parts = result.contents.map((content) =>
				'text' in content && typeof content.text === 'string'
					? content.text
					: `[binary content${content.mimeType ? ` (${content.mimeType})` : ''}, not included]`
			);
			const whole = parts.join('\n');
			const text = cutToLimit(whole, this.#maxBytes, 'resource');
			out.push({
				server_id: ref.server_id,
				uri: ref.uri,
				...(name ? { name } : {}),
				...(mimeType ? { mime_type: mimeType } : {}),
				...(text !== whole ? { truncated: true } : {}),
				text
			});
		}
		return out;
	}

	async #read(serverId: string, uri: string) {
		const connection = await this.#mcp.connection(serverId);
		const client = connection?.client;
		if (!connection || !client)
			throw notFound(`No connected MCP server with id ${serverId}.`, 'server_not_found');
		const listed = connection.features.resources.find((resource) => resource.uri === uri);
		if (!listed && !this.#matchesTemplate(connection, uri))
			throw notFound(
				`The ${serverId} server has no resource ${uri} (neither listed nor matching one of its templates).`,
				'resource_not_found'
			);
		let result: ReadResourceResult;
		try {
			result = await client.readResource({ uri }, { timeout: 30_000 });
		} catch (error) {
			const message = scrubText(
				error instanceof Error ? error.message : String(error),
				connection.config
			);
			throw new AppError(
				502,
				'mcp_error',
				`The ${serverId} server could not read ${uri}: ${message}`
			);
		}
		await this.#watch(connection, uri);
		return { result, name: listed?.title ?? listed?.name, mimeType: listed?.mimeType };
	}

	#matchesTemplate(connection: ServerConnection, uri: string): boolean {
		return connection.features.templates.some((template) => {
			try {
				return new UriTemplate(template.uriTemplate).match(uri) !== null;
			} catch {
				return false;
			}
		});
	}

	/** Subscribes once to a listed resource that was read (when the server supports it); the mark clears. */
	async #watch(connection: ServerConnection, uri: string): Promise<void> {
		const { features } = connection;
		features.updated.delete(uri);
		if (features.subscribed.has(uri) || !connection.capabilities?.resources?.subscribe) return;
		if (!features.resources.some((resource) => resource.uri === uri)) return;
		try {
			await connection.client?.subscribeResource({ uri }, { timeout: 10_000 });
			features.subscribed.add(uri);
		} catch {
			// Watching is a nicety: the resource was read all the same.
		}
	}
}

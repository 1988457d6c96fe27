import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ChatRepository } from '../../chat/repository';
import type { BuiltinServer } from './registry';

export interface HousekeepingDeps {
	repo: ChatRepository;
	/** A summary of the app for `app_status` (version, model, MCP servers, ...). */
	status: () => Record<string, unknown> | Promise<Record<string, unknown>>;
	now?: () => Date;
}

const json = (value: unknown): CallToolResult => ({
	content: [{ type: 'text', text: JSON.stringify(value, null, 2) }]
});
const failure = (text: string): CallToolResult => ({
	content: [{ type: 'text', text }],
	isError: true
});

function isTimeZone(zone: string): boolean {
	try {
		new Intl.DateTimeFormat('en-US', { timeZone: zone });
		return true;
	} catch {
		return false;
	}
}

export function describeTime(date: Date, timeZone: string) {
	const local = new Intl.DateTimeFormat('en-GB', {
		timeZone,
		dateStyle: 'full',
		timeStyle: 'long'
	}).format(date);
	const offset = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
		.formatToParts(date)
		.find((part) => part.type === 'timeZoneName')?.value;
	return {
		iso_utc: date.toISOString(),
		local,
		time_zone: timeZone,
		utc_offset: offset === 'GMT' ? '+00:00' : (offset?.replace('GMT', '') ?? '+00:00')
	};
}

const conversationView = (row: {
	sessionId: string;
	title: string;
	createdAt: string;
	updatedAt: string;
	messageCount: number;
}) => ({
	session_id: row.sessionId,
	title: row.title,
	created_at: row.createdAt,
	updated_at: row.updatedAt,
	message_count: row.messageCount
});

/** Tools over Switchboard's own data: the clock, the conversation list, app status. */
export function createHousekeepingMcpServer({
	repo,
	status,
	now = () => new Date()
}: HousekeepingDeps): McpServer {
	const server = new McpServer({ name: 'switchboard-housekeeping', version: '1.0.0' });
	const limit = z
		.number()
		.int()
		.min(1)
		.max(50)
		.optional()
		.describe('How many to return (default 20, at most 50)');

	server.registerTool(
		'current_time',
		{
			title: 'Current date and time',
			description:
				"The current date and time, in a time zone (IANA name such as Europe/Berlin; default the server's zone).",
			inputSchema: { time_zone: z.string().max(100).optional() },
			annotations: { readOnlyHint: true }
		},
		async ({ time_zone }) => {
			const zone = time_zone?.trim() || Intl.DateTimeFormat().resolvedOptions().timeZone;
			if (!isTimeZone(zone))
				return failure(
					`"${zone}" is not a time zone; use an IANA name such as Europe/Berlin or America/New_York.`
				);
			return json(describeTime(now(), zone));
		}
	);

	server.registerTool(
		'list_conversations',
		{
			title: 'List conversations',
			description:
				'The most recently updated conversations in Switchboard (id, title, dates, message count).',
			inputSchema: { limit },
			annotations: { readOnlyHint: true }
		},
		async ({ limit }) =>
			json(repo.listSessions({ limit: limit ?? 20 }).sessions.map(conversationView))
	);

	server.registerTool(
		'search_conversations',
		{
			title: 'Search conversations',
			description: 'Finds conversations whose title or messages contain the text.',
			inputSchema: { query: z.string().min(1).max(500), limit },
			annotations: { readOnlyHint: true }
		},
		async ({ query, limit }) =>
			json(repo.listSessions({ limit: limit ?? 20, q: query }).sessions.map(conversationView))
	);

	server.registerTool(
		'rename_conversation',
		{
			title: 'Rename a conversation',
			description: 'Gives a conversation a new title.',
			inputSchema: {
				session_id: z.string().min(1).max(100),
				title: z.string().trim().min(1).max(200)
			},
			annotations: { destructiveHint: false, idempotentHint: true }
		},
		async ({ session_id, title }) => {
			const row = repo.rename(session_id, title);
			if (!row) return failure(`There is no conversation with id ${session_id}.`);
			return json({ session_id: row.sessionId, title: row.title });
		}
	);

	server.registerTool(
		'app_status',
		{
			title: 'Switchboard status',
			description:
				'Version, uptime, whether OpenRouter is configured, and the state of each MCP server.',
			inputSchema: {},
			annotations: { readOnlyHint: true }
		},
		async () => json({ ...(await status()), uptime_seconds: Math.round(process.uptime()) })
	);

	return server;
}

export function housekeepingServer(deps: HousekeepingDeps): BuiltinServer {
	return { id: 'housekeeping', create: () => createHousekeepingMcpServer(deps) };
}

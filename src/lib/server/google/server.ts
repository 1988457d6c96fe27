import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { GoogleApis } from './apis';
import { CalendarInputError, MAX_EVENTS, createEvent, listEvents } from './calendar';
import { MAX_FILES, UnreadableFileError, readFile, searchFiles } from './drive';
import { describeGoogleError, type GoogleFailure } from './errors';
import { MAX_SEARCH_RESULTS, createDraft, readMessage, searchMessages } from './gmail';
import { HeaderError } from './mime';
import { scopeFor } from './scopes';

export interface GoogleServerDeps {
	apis: GoogleApis;
	/** Scopes the user granted (checked per call: a tool without its scope explains instead of failing). */
	grantedScopes: () => string[];
	/** Google refused the grant (invalid_grant): the owner marks the server "reconnect required". */
	onReconnectRequired?: (failure: GoogleFailure) => void | Promise<void>;
	now?: () => Date;
}

export const RECONNECT_HINT = 'Reconnect Google on the MCP page (/mcp).';
const INPUT_ERRORS = [HeaderError, CalendarInputError, UnreadableFileError];

const text = (value: string, isError = false): CallToolResult => ({
	content: [{ type: 'text', text: value }],
	isError
});
const maxResults = (max: number, what: string) =>
	z
		.number()
		.int()
		.min(1)
		.max(max)
		.optional()
		.describe(`How many ${what} to return (1-${max}, default 10)`);

/** The built-in `google` MCP server, talking to Google through the per-API clients. */
export function createGoogleMcpServer(deps: GoogleServerDeps): McpServer {
	const server = new McpServer({ name: 'google', version: '1.0.0' });
	const { gmail, calendar, drive } = deps.apis;
	const now = deps.now ?? (() => new Date());

	async function run(tool: string, call: () => Promise<unknown>): Promise<CallToolResult> {
		const need = scopeFor(tool);
		if (need && !deps.grantedScopes().includes(need.scope)) {
			return text(
				`Google did not grant the permission this tool needs (${need.purpose}: ${need.scope}). ${RECONNECT_HINT}`,
				true
			);
		}
		try {
			return text(JSON.stringify(await call()));
		} catch (error) {
			if (INPUT_ERRORS.some((type) => error instanceof type))
				return text((error as Error).message, true);
			const failure = describeGoogleError(error);
			if (failure.reconnect) {
				await deps.onReconnectRequired?.(failure);
				return text(
					`Google access has expired or was revoked (${failure.message}). ${RECONNECT_HINT}`,
					true
				);
			}
			return text(failure.message, true);
		}
	}

	server.registerTool(
		'gmail_create_draft',
		{
			description:
				'Save an email as a draft in Gmail (it is not sent). Addresses are comma-separated.',
			inputSchema: {
				to: z.string().min(1).describe('Recipients, e.g. "a@example.com, Bob <b@example.com>"'),
				subject: z.string().describe('One line'),
				body: z.string().describe('Plain text body'),
				cc: z.string().optional(),
				bcc: z.string().optional()
			}
		},
		(args) => run('gmail_create_draft', () => createDraft(gmail, args))
	);

	server.registerTool(
		'gmail_search',
		{
			description:
				'Search Gmail with Gmail search syntax (e.g. "from:bob newer_than:7d"). Returns headers and snippets.',
			inputSchema: {
				query: z.string().min(1),
				max_results: maxResults(MAX_SEARCH_RESULTS, 'messages')
			}
		},
		({ query, max_results }) => run('gmail_search', () => searchMessages(gmail, query, max_results))
	);

	server.registerTool(
		'gmail_read',
		{
			description:
				'Read one Gmail message (headers, plain-text body, attachment names) by the id from gmail_search.',
			inputSchema: { message_id: z.string().min(1) }
		},
		({ message_id }) => run('gmail_read', () => readMessage(gmail, message_id))
	);

	server.registerTool(
		'calendar_list_events',
		{
			description:
				'List events of the primary Google Calendar, soonest first. Times are RFC 3339 with an offset (2026-11-26T09:00:00+01:00) or dates; time_min defaults to now.',
			inputSchema: {
				time_min: z.string().optional(),
				time_max: z.string().optional(),
				max_results: maxResults(MAX_EVENTS, 'events')
			}
		},
		(args) => run('calendar_list_events', () => listEvents(calendar, args, now()))
	);

	server.registerTool(
		'calendar_create_event',
		{
			description:
				'Create an event in the primary Google Calendar. start/end: RFC 3339 with an offset for timed events, or YYYY-MM-DD for all-day (end exclusive). Attendees are not emailed.',
			inputSchema: {
				summary: z.string().min(1),
				start: z.string(),
				end: z.string(),
				description: z.string().optional(),
				location: z.string().optional(),
				attendees: z.array(z.string()).optional().describe('Email addresses')
			}
		},
		(args) => run('calendar_create_event', () => createEvent(calendar, args))
	);

	server.registerTool(
		'drive_search',
		{
			description:
				'Search Google Drive for files whose name or content contains the words. Returns ids for drive_read.',
			inputSchema: { query: z.string().min(1), max_results: maxResults(MAX_FILES, 'files') }
		},
		({ query, max_results }) => run('drive_search', () => searchFiles(drive, query, max_results))
	);

	server.registerTool(
		'drive_read',
		{
			description:
				'Read a Drive file as text: Google Docs and Slides as plain text, Sheets as CSV, text files as they are. Long files are cut.',
			inputSchema: { file_id: z.string().min(1) }
		},
		({ file_id }) => run('drive_read', () => readFile(drive, file_id))
	);

	return server;
}

import { afterEach, describe, expect, it } from 'vitest';
import { MAX_DOC_CHARS } from '$lib/server/google/drive';
import { disposeAll } from '../support/factories';
import { LONG_DOC_CHARS } from '../support/google-standin';
import { connectedGoogle, mcpClient } from './helpers';

afterEach(disposeAll);

async function tools(options: Parameters<typeof connectedGoogle>[0] = {}) {
	const { standin, google } = await connectedGoogle(options);
	return { standin, google, ...(await mcpClient(google)) };
}

describe('google MCP server', () => {
	it('lists the seven tools with their argument schemas', async () => {
		const { client } = await tools();
		const { tools: listed } = await client.listTools();
		expect(listed.map((t) => t.name).sort()).toEqual(
			[
				'calendar_create_event',
				'calendar_list_events',
				'drive_read',
				'drive_search',
				'gmail_create_draft',
				'gmail_read',
				'gmail_search'
			].sort()
		);
		const draft = listed.find((t) => t.name === 'gmail_create_draft')!;
		expect(draft.inputSchema.required?.sort()).toEqual(['body', 'subject', 'to']);
		expect(Object.keys(draft.inputSchema.properties ?? {}).sort()).toEqual([
			'bcc',
			'body',
			'cc',
			'subject',
			'to'
		]);
	});

	describe('gmail_create_draft', () => {
		it('saves an RFC 2822 draft with a UTF-8 subject and says nothing was sent', async () => {
			const { standin, call } = await tools();
			const result = await call('gmail_create_draft', {
				to: 'a@example.com, Jörg Müller <joerg@example.com>',
				cc: 'c@example.com',
				subject: 'Grüße aus Köln — ein ziemlich langer Betreff, der gefaltet werden muss 🎉',
				body: 'Hallo,\nbis bald!'
			});
			expect(result.isError).toBe(false);
			const data = result.json();
			expect(data.draft_id).toBe(standin.drafts[0].id);
			expect(data.note).toMatch(/nothing was sent/);

			const draft = standin.drafts[0];
			expect(draft.subject).toBe(
				'Grüße aus Köln — ein ziemlich langer Betreff, der gefaltet werden muss 🎉'
			);
			expect(draft.body).toBe('Hallo,\r\nbis bald!');
			const headers = Object.fromEntries(draft.headers);
			expect(headers.To).toBe(
				'a@example.com, =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.com>'
			);
			expect(headers.Cc).toBe('c@example.com');
			expect(headers['Content-Type']).toBe('text/plain; charset="UTF-8"');
			// Every line of the raw message stays within RFC 2822's 78-character recommendation.
			const raw = Buffer.from(draft.raw, 'base64url').toString('utf8');
			for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
			expect(raw).not.toMatch(/[^\x00-\x7f]/);
		});

		it.each([
			['subject', { subject: 'Hi\r\nBcc: evil@example.com' }],
			['subject', { subject: 'Hi\nBcc: evil@example.com' }],
			['to', { to: 'a@example.com\r\nBcc: evil@example.com' }],
			['cc', { cc: 'c@example.com\rBcc: evil@example.com' }],
			['bcc', { bcc: 'b@example.com\u2028X-Evil: 1' }]
		])('refuses a line break in %s so no header can be injected', async (field, change) => {
			const { standin, call } = await tools();
			const result = await call('gmail_create_draft', {
				to: 'a@example.com',
				subject: 'Hi',
				body: 'Hello',
				...change
			});
			expect(result.isError).toBe(true);
			expect(result.text).toBe(
				`${field} must be a single line (line breaks are not allowed in mail headers)`
			);
			expect(standin.drafts).toHaveLength(0);
		});

		it('refuses something that is not an email address', async () => {
			const { standin, call } = await tools();
			const result = await call('gmail_create_draft', { to: 'bob', subject: 'Hi', body: 'Hello' });
			expect(result).toMatchObject({ isError: true, text: 'to: "bob" is not an email address' });
			expect(standin.drafts).toHaveLength(0);
		});

		it('explains a missing scope instead of calling Google', async () => {
			const { standin, call } = await tools({ grantScopes: ['gmail.readonly'] });
			const result = await call('gmail_create_draft', {
				to: 'a@example.com',
				subject: 'Hi',
				body: 'Hello'
			});
			expect(result.isError).toBe(true);
			expect(result.text).toMatch(
				/did not grant.*Create Gmail drafts.*gmail\.compose.*Reconnect Google/
			);
			expect(standin.requests.some((r) => r.path.endsWith('/drafts'))).toBe(false);
		});
	});

	describe('gmail_search and gmail_read', () => {
		it('finds messages with their headers and snippets', async () => {
			const { call } = await tools();
			const result = await call('gmail_search', { query: 'from:bob report' });
			expect(result.isError).toBe(false);
			expect(result.json()).toEqual({
				messages: [
					{
						id: 'msg-report',
						thread_id: 'thr-report',
						from: 'Bob <bob@example.com>',
						to: 'me@example.com',
						subject: 'Quarterly report',
						date: 'Mon, 23 Nov 2026 09:00:00 +0100',
						snippet: expect.stringContaining('quarterly report'),
						unread: false
					}
				],
				more: false
			});
		});

		it('answers an empty list when nothing matches', async () => {
			const { call } = await tools();
			expect((await call('gmail_search', { query: 'nothing-like-this' })).json()).toEqual({
				messages: [],
				more: false
			});
		});

		it('reads the plain-text body and lists attachments', async () => {
			const { call } = await tools();
			const message = (await call('gmail_read', { message_id: 'msg-report' })).json();
			expect(message).toMatchObject({
				subject: 'Quarterly report',
				from: 'Bob <bob@example.com>',
				body: 'Hi,\nthe quarterly report is attached. Revenue is up 12%.\nBob',
				attachments: [{ filename: 'report.pdf', mime_type: 'application/pdf', size: 48213 }]
			});
		});

		it('turns an HTML-only body into text', async () => {
			const { call } = await tools();
			const message = (await call('gmail_read', { message_id: 'msg-lunch' })).json();
			expect(message.body).toBe('Shall we have lunch on Friday?\nAlice & team');
			expect(message.labels).toContain('UNREAD');
		});

		it('reports Google’s reason for an unknown message', async () => {
			const { call } = await tools();
			const result = await call('gmail_read', { message_id: 'nope' });
			expect(result).toEqual({
				isError: true,
				text: 'Google answered 404 (notFound): Requested entity was not found.',
				json: expect.any(Function)
			});
		});
	});

	describe('calendar', () => {
		it('lists events in a window, soonest first, with all-day events marked', async () => {
			const { call, standin } = await tools();
			const result = await call('calendar_list_events', {
				time_min: '2026-11-25T00:00:00+01:00',
				time_max: '2026-12-31',
				max_results: 5
			});
			expect(result.isError).toBe(false);
			const data = result.json();
			expect(data.events.map((e: { summary: string }) => e.summary)).toEqual([
				'Standup',
				'Holiday'
			]);
			expect(data.events[0]).toMatchObject({
				start: '2026-11-25T10:00:00+01:00',
				all_day: false,
				location: 'Room 1',
				attendees: ['bob@example.com']
			});
			expect(data.events[1]).toMatchObject({ start: '2026-12-24', all_day: true });
			const request = standin.requests.find((r) => r.path.endsWith('/events'))!;
			expect(request.query).toMatchObject({
				singleEvents: 'true',
				orderBy: 'startTime',
				maxResults: '5',
				timeMax: '2026-12-31T00:00:00Z'
			});
		});

		it('refuses a time without a zone offset, which the API would reject', async () => {
			const { call } = await tools();
			const result = await call('calendar_list_events', { time_min: '2026-11-25T10:00:00' });
			expect(result.isError).toBe(true);
			expect(result.text).toMatch(
				/time_min must be a date .* or a date-time with a time zone offset/
			);
		});

		it('creates a timed event with attendees, without mailing them', async () => {
			const { call, standin } = await tools();
			const result = await call('calendar_create_event', {
				summary: 'Budget review',
				start: '2026-11-26T14:00:00+01:00',
				end: '2026-11-26T15:00:00+01:00',
				location: 'Room 2',
				attendees: ['bob@example.com']
			});
			expect(result.isError).toBe(false);
			const created = result.json();
			expect(created).toMatchObject({
				summary: 'Budget review',
				start: '2026-11-26T14:00:00+01:00',
				attendees: ['bob@example.com'],
				status: 'confirmed'
			});
			expect(created.id).toBe(standin.events.at(-1)!.id);
			const insert = standin.requests.find(
				(r) => r.method === 'POST' && r.path.endsWith('/events')
			)!;
			expect(insert.query.sendUpdates).toBe('none');
		});

		it('creates an all-day event and refuses mixing dates with date-times', async () => {
			const { call } = await tools();
			expect(
				(
					await call('calendar_create_event', {
						summary: 'Off',
						start: '2026-12-28',
						end: '2026-12-29'
					})
				).json()
			).toMatchObject({ all_day: true });
			const mixed = await call('calendar_create_event', {
				summary: 'Off',
				start: '2026-12-28',
				end: '2026-12-29T10:00:00Z'
			});
			expect(mixed).toMatchObject({
				isError: true,
				text: 'start and end must both be dates (all-day) or both be date-times'
			});
		});

		it('passes on Google’s reason when it rejects the event', async () => {
			const { call } = await tools();
			const result = await call('calendar_create_event', {
				summary: 'Backwards',
				start: '2026-11-26T15:00:00Z',
				end: '2026-11-26T14:00:00Z'
			});
			expect(result).toMatchObject({
				isError: true,
				text: 'Google answered 400 (timeRangeEmpty): The specified time range is empty.'
			});
		});
	});

	describe('drive', () => {
		it('searches file names and content, skipping trashed files, with quotes escaped', async () => {
			const { call, standin } = await tools();
			const data = (await call('drive_search', { query: 'budget' })).json();
			expect(data.files.map((f: { name: string }) => f.name)).toEqual([
				'Project plan',
				'Long budget notes',
				'Budget 2027',
				'notes.txt',
				'scan.pdf'
			]);
			expect(data.files[0]).toMatchObject({
				id: 'doc-plan',
				mime_type: 'application/vnd.google-apps.document',
				owner: 'Me'
			});

			await call('drive_search', { query: "O'Brien's \\ notes" });
			const q = standin.requests.filter((r) => r.path === '/drive/v3/files').at(-1)!.query.q;
			expect(q).toBe("fullText contains 'O\\'Brien\\'s \\\\ notes' and trashed = false");
		});

		it('reads a Google Doc by exporting it as text', async () => {
			const { call, standin } = await tools();
			const doc = (await call('drive_read', { file_id: 'doc-plan' })).json();
			expect(doc).toMatchObject({
				name: 'Project plan',
				truncated: false,
				content: 'Project plan\n\nMilestone 1: ship the budget review.'
			});
			expect(
				standin.requests.some(
					(r) => r.path === '/drive/v3/files/doc-plan/export' && r.query.mimeType === 'text/plain'
				)
			).toBe(true);
		});

		it('reads Sheets as CSV and text files as they are', async () => {
			const { call } = await tools();
			expect((await call('drive_read', { file_id: 'sheet-budget' })).json().content).toBe(
				'item,amount\nrent,1200\nbudget total,1200\n'
			);
			expect((await call('drive_read', { file_id: 'txt-notes' })).json().content).toBe(
				'Plain notes about the budget.'
			);
		});

		it('cuts a long document with a note saying where the rest is', async () => {
			const { call } = await tools();
			const doc = (await call('drive_read', { file_id: 'doc-long' })).json();
			expect(doc.truncated).toBe(true);
			expect(doc.content).toContain(
				`[Cut: showing the first ${MAX_DOC_CHARS} of ${LONG_DOC_CHARS} characters. Open http://`
			);
			expect(doc.content.length).toBeLessThan(MAX_DOC_CHARS + 200);
		});

		it('explains a binary file instead of dumping bytes, and reports unknown files', async () => {
			const { call } = await tools();
			const pdf = await call('drive_read', { file_id: 'pdf-scan' });
			expect(pdf.isError).toBe(true);
			expect(pdf.text).toMatch(
				/"scan\.pdf" is a application\/pdf file; only Google Docs, Sheets, Slides and text files can be read/
			);
			const missing = await call('drive_read', { file_id: 'missing' });
			expect(missing).toMatchObject({
				isError: true,
				text: 'Google answered 404 (notFound): File not found: missing.'
			});
		});
	});

	it('rejects arguments that do not match the schema', async () => {
		const { call } = await tools();
		const result = await call('gmail_search', { query: 'x', max_results: 500 });
		expect(result.isError).toBe(true);
		expect(result.text).toMatch(/max_results/);
	});
});

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A local Google for the `google` MCP server: the OAuth
 * consent redirect with PKCE S256, the token endpoint (authorization_code and refresh_token grants,
 * `invalid_grant` like Google's), revoke, and the Gmail / Calendar / Drive REST paths the server
 * uses, each requiring a live `Authorization: Bearer` token and answering Google's error shape.
 *
 * The consent screen agrees at once (a person "clicks Allow"); `consent = 'deny'` answers
 * `error=access_denied`, and `grantScopes` grants fewer scopes than asked, like unticking boxes.
 * For the e2e run (another process) the same switches are under `/__control`:
 * `GET /__control/drafts` lists saved drafts,
 * `POST /__control {consent?, grantScopes?, revokeAll?, expireAccessTokens?}`.
 */

export const STANDIN_EMAIL = 'me@example.com';
const SCOPE_ROOT = 'https://www.googleapis.com/auth/';

export interface StandinRequest {
	method: string;
	path: string;
	query: Record<string, string | string[]>;
	headers: IncomingMessage['headers'];
	body: string;
}

export interface StandinDraft {
	id: string;
	raw: string;
	/** The decoded message: header lines (unfolded) and the decoded text body. */
	headers: [string, string][];
	subject: string;
	body: string;
}

interface MessageFixture {
	id: string;
	threadId: string;
	labelIds: string[];
	from: string;
	to: string;
	subject: string;
	date: string;
	text?: string;
	html?: string;
	attachment?: { filename: string; mimeType: string; size: number };
}

interface EventFixture {
	id: string;
	summary: string;
	start: { dateTime?: string; date?: string };
	end: { dateTime?: string; date?: string };
	location?: string;
	description?: string;
	attendees?: { email: string; responseStatus: string }[];
}

interface FileFixture {
	id: string;
	name: string;
	mimeType: string;
	content: string;
	modifiedTime: string;
	trashed?: boolean;
}

interface Grant {
	scope: string;
	refreshToken: string;
	revoked: boolean;
}

export interface GoogleStandin {
	url: string;
	port: number;
	clientId: string;
	clientSecret: string;
	requests: StandinRequest[];
	drafts: StandinDraft[];
	events: EventFixture[];
	/** Every token issued so far (access and refresh): tests check none of them reaches a log. */
	issuedTokens: string[];
	consent: 'allow' | 'deny';
	/** When set, the consent screen grants only these scopes (short names like `gmail.compose` work). */
	grantScopes: string[] | undefined;
	/** Revokes every grant, as if the user removed the app at myaccount.google.com. */
	revokeAll(): void;
	/** Makes every access token dead while refresh tokens still work. */
	expireAccessTokens(): void;
	close(): Promise<void>;
}

export const LONG_DOC_CHARS = 60_000;

function fixtures() {
	const messages: MessageFixture[] = [
		{
			id: 'msg-report',
			threadId: 'thr-report',
			labelIds: ['INBOX'],
			from: 'Bob <bob@example.com>',
			to: STANDIN_EMAIL,
			subject: 'Quarterly report',
			date: 'Mon, 23 Nov 2026 09:00:00 +0100',
			text: 'Hi,\nthe quarterly report is attached. Revenue is up 12%.\nBob',
			html: '<p>Hi,</p><p>the quarterly report is attached.</p>',
			attachment: { filename: 'report.pdf', mimeType: 'application/pdf', size: 48213 }
		},
		{
			id: 'msg-lunch',
			threadId: 'thr-lunch',
			labelIds: ['INBOX', 'UNREAD'],
			from: 'Alice <alice@example.com>',
			to: STANDIN_EMAIL,
			subject: 'Lunch on Friday?',
			date: 'Tue, 24 Nov 2026 12:30:00 +0100',
			html: '<div>Shall we have <b>lunch</b> on Friday?<br>Alice &amp; team</div>'
		}
	];
	const events: EventFixture[] = [
		{
			id: 'evt-standup',
			summary: 'Standup',
			start: { dateTime: '2026-11-25T10:00:00+01:00' },
			end: { dateTime: '2026-11-25T10:15:00+01:00' },
			location: 'Room 1',
			attendees: [{ email: 'bob@example.com', responseStatus: 'accepted' }]
		},
		{
			id: 'evt-holiday',
			summary: 'Holiday',
			start: { date: '2026-12-24' },
			end: { date: '2026-12-25' }
		}
	];
	const files: FileFixture[] = [
		{
			id: 'doc-plan',
			name: 'Project plan',
			mimeType: 'application/vnd.google-apps.document',
			content: 'Project plan\n\nMilestone 1: ship the budget review.',
			modifiedTime: '2026-11-20T08:00:00.000Z'
		},
		{
			id: 'doc-long',
			name: 'Long budget notes',
			mimeType: 'application/vnd.google-apps.document',
			content: 'budget '.repeat(LONG_DOC_CHARS / 7).padEnd(LONG_DOC_CHARS, 'x'),
			modifiedTime: '2026-11-19T08:00:00.000Z'
		},
		{
			id: 'sheet-budget',
			name: 'Budget 2027',
			mimeType: 'application/vnd.google-apps.spreadsheet',
			content: 'item,amount\nrent,1200\nbudget total,1200\n',
			modifiedTime: '2026-11-18T08:00:00.000Z'
		},
		{
			id: 'txt-notes',
			name: 'notes.txt',
			mimeType: 'text/plain',
			content: 'Plain notes about the budget.',
			modifiedTime: '2026-11-17T08:00:00.000Z'
		},
		{
			id: 'pdf-scan',
			name: 'scan.pdf',
			mimeType: 'application/pdf',
			content: '%PDF-1.7 budget',
			modifiedTime: '2026-11-16T08:00:00.000Z'
		},
		{
			id: 'old-budget',
			name: 'Old budget',
			mimeType: 'text/plain',
			content: 'budget',
			modifiedTime: '2020-01-01T00:00:00.000Z',
			trashed: true
		}
	];
	return { messages, events, files };
}

/** Which scopes let a request through (any one of them), like Google's per-method scope lists. */
function scopesFor(method: string, path: string): string[] {
	if (path === '/gmail/v1/users/me/profile')
		return ['gmail.compose', 'gmail.readonly', 'gmail.modify'];
	if (path.startsWith('/gmail/v1/users/me/drafts')) return ['gmail.compose', 'gmail.modify'];
	if (path.startsWith('/gmail/v1/')) return ['gmail.readonly', 'gmail.modify'];
	if (path.startsWith('/calendar/v3/'))
		return method === 'GET'
			? ['calendar.events', 'calendar.events.readonly', 'calendar']
			: ['calendar.events', 'calendar'];
	if (path.startsWith('/drive/v3/')) return ['drive.readonly', 'drive'];
	return [];
}

function json(res: ServerResponse, status: number, body: unknown) {
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
	res.end(JSON.stringify(body));
}

const STATUS_NAMES: Record<number, string> = {
	400: 'INVALID_ARGUMENT',
	401: 'UNAUTHENTICATED',
	403: 'PERMISSION_DENIED',
	404: 'NOT_FOUND'
};

/** Google's REST error envelope (google-apis.md §2). */
function googleError(res: ServerResponse, code: number, reason: string, message: string) {
	json(res, code, {
		error: {
			code,
			message,
			errors: [{ message, domain: 'global', reason }],
			status: STATUS_NAMES[code] ?? 'UNKNOWN'
		}
	});
}

function oauthError(res: ServerResponse, status: number, error: string, description: string) {
	json(res, status, { error, error_description: description });
}

/** RFC 2047 `=?UTF-8?B?...?=` words back to text (enough for what the server writes). */
export function decodeEncodedWords(value: string): string {
	return value
		.replace(/\?=\s+=\?/g, '?==?')
		.replace(/=\?UTF-8\?B\?([^?]*)\?=/gi, (_, data: string) =>
			Buffer.from(data, 'base64').toString('utf8')
		);
}

export function parseDraft(id: string, raw: string): StandinDraft {
	const message = Buffer.from(raw, 'base64url').toString('utf8');
	const split = message.indexOf('\r\n\r\n');
	const head = message.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
	const headers = head.split('\r\n').map((line): [string, string] => {
		const colon = line.indexOf(':');
		return [line.slice(0, colon), line.slice(colon + 1).trim()];
	});
	const header = (name: string) =>
		headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1] ?? '';
	const rawBody = message.slice(split + 4);
	const body = /base64/i.test(header('Content-Transfer-Encoding'))
		? Buffer.from(rawBody.replace(/\s+/g, ''), 'base64').toString('utf8')
		: rawBody;
	return { id, raw, headers, subject: decodeEncodedWords(header('Subject')), body };
}

function b64url(text: string) {
	return Buffer.from(text, 'utf8').toString('base64url');
}

function messageResource(message: MessageFixture, format: string, metadataHeaders: string[]) {
	const allHeaders = [
		{ name: 'From', value: message.from },
		{ name: 'To', value: message.to },
		{ name: 'Subject', value: message.subject },
		{ name: 'Date', value: message.date }
	];
	const snippet = (message.text ?? message.html ?? '').replace(/<[^>]+>/g, '').slice(0, 100);
	const base = {
		id: message.id,
		threadId: message.threadId,
		labelIds: message.labelIds,
		snippet,
		historyId: '1000',
		internalDate: String(Date.parse(message.date)),
		sizeEstimate: 5000
	};
	if (format === 'minimal') return base;
	if (format === 'metadata') {
		const wanted = new Set(metadataHeaders.map((h) => h.toLowerCase()));
		return {
			...base,
			payload: {
				mimeType: 'multipart/mixed',
				headers: allHeaders.filter((h) => !wanted.size || wanted.has(h.name.toLowerCase()))
			}
		};
	}
	const alternatives = [];
	if (message.text)
		alternatives.push({
			partId: '0.0',
			mimeType: 'text/plain',
			filename: '',
			headers: [],
			body: { size: message.text.length, data: b64url(message.text) }
		});
	if (message.html)
		alternatives.push({
			partId: '0.1',
			mimeType: 'text/html',
			filename: '',
			headers: [],
			body: { size: message.html.length, data: b64url(message.html) }
		});
	const parts: unknown[] = [
		{
			partId: '0',
			mimeType: 'multipart/alternative',
			filename: '',
			headers: [],
			body: { size: 0 },
			parts: alternatives
		}
	];
	if (message.attachment) {
		parts.push({
			partId: '1',
			mimeType: message.attachment.mimeType,
			filename: message.attachment.filename,
			headers: [],
			body: { size: message.attachment.size, attachmentId: 'att-1' }
		});
	}
	return {
		...base,
		payload: {
			partId: '',
			mimeType: 'multipart/mixed',
			filename: '',
			headers: allHeaders,
			body: { size: 0 },
			parts
		}
	};
}

function matchesGmailQuery(message: MessageFixture, query: string): boolean {
	const haystack =
		`${message.subject} ${message.text ?? ''} ${message.html ?? ''} ${message.from}`.toLowerCase();
	return query
		.toLowerCase()
		.split(/\s+/)
		.filter(Boolean)
		.every((term) => {
			const [key, value] = term.includes(':') ? term.split(/:(.*)/) : ['', term];
			if (key === 'from') return message.from.toLowerCase().includes(value);
			if (key === 'subject') return message.subject.toLowerCase().includes(value);
			if (key === 'is' && value === 'unread') return message.labelIds.includes('UNREAD');
			return haystack.includes(value);
		});
}

const eventTime = (time: { dateTime?: string; date?: string }) =>
	Date.parse(time.dateTime ?? `${time.date}T00:00:00Z`);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function fileResource(file: FileFixture, port: number) {
	const isDoc = file.mimeType.startsWith('application/vnd.google-apps.');
	return {
		kind: 'drive#file',
		id: file.id,
		name: file.name,
		mimeType: file.mimeType,
		modifiedTime: file.modifiedTime,
		...(isDoc ? {} : { size: String(Buffer.byteLength(file.content)) }),
		webViewLink: `http://127.0.0.1:${port}/file/d/${file.id}/view`,
		owners: [{ displayName: 'Me', emailAddress: STANDIN_EMAIL }]
	};
}

export async function startGoogleStandin({
	port = 0,
	clientId = 'standin-client-id.apps.googleusercontent.com',
	clientSecret = 'standin-client-secret'
} = {}): Promise<GoogleStandin> {
	const { messages, events, files } = fixtures();
	const requests: StandinRequest[] = [];
	const drafts: StandinDraft[] = [];
	const issuedTokens: string[] = [];
	const codes = new Map<
		string,
		{ challenge: string; method: string; redirectUri: string; scope: string; used: boolean }
	>();
	const accessTokens = new Map<string, Grant>();
	const refreshTokens = new Map<string, Grant>();
	const sockets = new Set<Socket>();
	let counter = 0;
	const next = (prefix: string) => `${prefix}${++counter}-${randomBytes(6).toString('hex')}`;

	const issueAccessToken = (grant: Grant) => {
		const token = next('ya29.standin-');
		accessTokens.set(token, grant);
		issuedTokens.push(token);
		return token;
	};

	function authorize(url: URL, res: ServerResponse) {
		const q = url.searchParams;
		const redirectUri = q.get('redirect_uri');
		if (q.get('client_id') !== clientId || !redirectUri) {
			res.writeHead(400, { 'content-type': 'text/plain' });
			res.end('Error 401: invalid_client (unknown client_id or missing redirect_uri)');
			return;
		}
		const back = new URL(redirectUri);
		const state = q.get('state');
		if (state) back.searchParams.set('state', state);
		if (q.get('response_type') !== 'code' || !q.get('scope')) {
			back.searchParams.set('error', 'invalid_request');
		} else if (!q.get('code_challenge') || q.get('code_challenge_method') !== 'S256') {
			// Google accepts plain PKCE or none; this stand-in insists on S256 like the design asks.
			back.searchParams.set('error', 'invalid_request');
		} else if (standin.consent === 'deny') {
			back.searchParams.set('error', 'access_denied');
		} else {
			const requested = q.get('scope')!.split(' ');
			const granted = standin.grantScopes
				? standin.grantScopes
						.map((s) => (s.includes('/') ? s : SCOPE_ROOT + s))
						.filter((s) => requested.includes(s))
				: requested;
			const code = next('4/standin-code-');
			codes.set(code, {
				challenge: q.get('code_challenge')!,
				method: 'S256',
				redirectUri,
				scope: granted.join(' '),
				used: false
			});
			back.searchParams.set('code', code);
			back.searchParams.set('scope', granted.join(' '));
			back.searchParams.set('authuser', '0');
			back.searchParams.set('prompt', 'consent');
		}
		res.writeHead(302, { location: back.toString() });
		res.end();
	}

	function token(form: URLSearchParams, res: ServerResponse) {
		if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
			return oauthError(res, 401, 'invalid_client', 'The OAuth client was not found.');
		}
		const grantType = form.get('grant_type');
		if (grantType === 'authorization_code') {
			const entry = codes.get(form.get('code') ?? '');
			if (!entry || entry.used)
				return oauthError(res, 400, 'invalid_grant', 'Malformed auth code.');
			entry.used = true;
			if (entry.redirectUri !== form.get('redirect_uri'))
				return oauthError(res, 400, 'redirect_uri_mismatch', 'Bad Request');
			const verifier = form.get('code_verifier') ?? '';
			if (createHash('sha256').update(verifier).digest('base64url') !== entry.challenge) {
				return oauthError(res, 400, 'invalid_grant', 'Invalid code verifier.');
			}
			const grant: Grant = {
				scope: entry.scope,
				refreshToken: next('1//standin-refresh-'),
				revoked: false
			};
			refreshTokens.set(grant.refreshToken, grant);
			issuedTokens.push(grant.refreshToken);
			return json(res, 200, {
				access_token: issueAccessToken(grant),
				expires_in: 3599,
				refresh_token: grant.refreshToken,
				scope: grant.scope,
				token_type: 'Bearer'
			});
		}
		if (grantType === 'refresh_token') {
			const grant = refreshTokens.get(form.get('refresh_token') ?? '');
			if (!grant || grant.revoked)
				return oauthError(res, 400, 'invalid_grant', 'Token has been expired or revoked.');
			// Like Google: no refresh_token in a refresh answer.
			return json(res, 200, {
				access_token: issueAccessToken(grant),
				expires_in: 3599,
				scope: grant.scope,
				token_type: 'Bearer'
			});
		}
		return oauthError(res, 400, 'unsupported_grant_type', `Invalid grant_type: ${grantType}`);
	}

	function revoke(url: URL, res: ServerResponse) {
		const value = url.searchParams.get('token') ?? '';
		const grant = refreshTokens.get(value) ?? accessTokens.get(value);
		if (!grant || grant.revoked)
			return oauthError(res, 400, 'invalid_token', 'Token expired or revoked');
		grant.revoked = true;
		json(res, 200, {});
	}

	async function api(req: IncomingMessage, url: URL, body: string, res: ServerResponse) {
		const method = req.method ?? 'GET';
		const path = url.pathname;
		const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
		const grant = bearer ? accessTokens.get(bearer) : undefined;
		if (!grant || grant.revoked) {
			return googleError(
				res,
				401,
				'authError',
				'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'
			);
		}
		const granted = grant.scope.split(' ');
		if (!scopesFor(method, path).some((s) => granted.includes(SCOPE_ROOT + s))) {
			return googleError(
				res,
				403,
				'insufficientPermissions',
				'Request had insufficient authentication scopes.'
			);
		}
		const q = url.searchParams;
		let m: RegExpMatchArray | null;

		if (method === 'GET' && path === '/gmail/v1/users/me/profile') {
			return json(res, 200, {
				emailAddress: STANDIN_EMAIL,
				messagesTotal: messages.length,
				threadsTotal: messages.length,
				historyId: '1000'
			});
		}
		if (method === 'POST' && path === '/gmail/v1/users/me/drafts') {
			const raw = JSON.parse(body || '{}')?.message?.raw;
			if (typeof raw !== 'string' || !raw)
				return googleError(res, 400, 'invalidArgument', 'Invalid draft');
			const draft = parseDraft(next('r-'), raw);
			drafts.push(draft);
			const id = next('msg-draft-');
			return json(res, 200, { id: draft.id, message: { id, threadId: id, labelIds: ['DRAFT'] } });
		}
		if (method === 'GET' && path === '/gmail/v1/users/me/messages') {
			const found = messages.filter((message) => matchesGmailQuery(message, q.get('q') ?? ''));
			const max = Number(q.get('maxResults') ?? 100);
			if (!found.length) return json(res, 200, { resultSizeEstimate: 0 });
			return json(res, 200, {
				messages: found
					.slice(0, max)
					.map((message) => ({ id: message.id, threadId: message.threadId })),
				...(found.length > max ? { nextPageToken: 'page-2' } : {}),
				resultSizeEstimate: found.length
			});
		}
		if (method === 'GET' && (m = path.match(/^\/gmail\/v1\/users\/me\/messages\/([^/]+)$/))) {
			const message = messages.find((item) => item.id === decodeURIComponent(m![1]));
			if (!message) return googleError(res, 404, 'notFound', 'Requested entity was not found.');
			return json(
				res,
				200,
				messageResource(message, q.get('format') ?? 'full', q.getAll('metadataHeaders'))
			);
		}
		if ((m = path.match(/^\/calendar\/v3\/calendars\/([^/]+)\/events$/))) {
			if (m[1] !== 'primary') return googleError(res, 404, 'notFound', 'Not Found');
			if (method === 'GET') {
				for (const key of ['timeMin', 'timeMax']) {
					const value = q.get(key);
					if (value && !RFC3339.test(value))
						return googleError(res, 400, 'badRequest', 'Bad Request');
				}
				if (q.get('orderBy') === 'startTime' && q.get('singleEvents') !== 'true') {
					return googleError(
						res,
						400,
						'invalid',
						'The requested ordering is not available for the particular query.'
					);
				}
				const min = q.get('timeMin') ? Date.parse(q.get('timeMin')!) : -Infinity;
				const max = q.get('timeMax') ? Date.parse(q.get('timeMax')!) : Infinity;
				const limit = Number(q.get('maxResults') ?? 250);
				const found = events
					.filter((e) => eventTime(e.end) > min && eventTime(e.start) < max)
					.sort((a, b) => eventTime(a.start) - eventTime(b.start));
				return json(res, 200, {
					kind: 'calendar#events',
					summary: STANDIN_EMAIL,
					timeZone: 'Europe/Berlin',
					items: found.slice(0, limit).map((e) => ({
						kind: 'calendar#event',
						status: 'confirmed',
						htmlLink: `https://calendar.example/${e.id}`,
						organizer: { email: STANDIN_EMAIL, self: true },
						...e
					})),
					...(found.length > limit ? { nextPageToken: 'page-2' } : {})
				});
			}
			if (method === 'POST') {
				const event = JSON.parse(body || '{}');
				const ok = (t: unknown) => t && typeof t === 'object' && ('dateTime' in t || 'date' in t);
				if (!ok(event.start) || !ok(event.end))
					return googleError(res, 400, 'required', 'Missing end time.');
				if (eventTime(event.end) <= eventTime(event.start))
					return googleError(res, 400, 'timeRangeEmpty', 'The specified time range is empty.');
				const created: EventFixture = {
					id: next('evt-'),
					summary: event.summary,
					start: event.start,
					end: event.end,
					location: event.location,
					description: event.description,
					attendees: event.attendees?.map((a: { email: string }) => ({
						email: a.email,
						responseStatus: 'needsAction'
					}))
				};
				events.push(created);
				return json(res, 200, {
					kind: 'calendar#event',
					status: 'confirmed',
					htmlLink: `https://calendar.example/${created.id}`,
					organizer: { email: STANDIN_EMAIL, self: true },
					...created
				});
			}
		}
		if (method === 'GET' && path === '/drive/v3/files') {
			const term = /fullText contains '((?:[^'\\]|\\.)*)'/
				.exec(q.get('q') ?? '')?.[1]
				?.replace(/\\(.)/g, '$1');
			if (term === undefined) return googleError(res, 400, 'invalid', 'Invalid Value');
			const found = files.filter(
				(f) => !f.trashed && `${f.name} ${f.content}`.toLowerCase().includes(term.toLowerCase())
			);
			const size = Number(q.get('pageSize') ?? 100);
			return json(res, 200, {
				files: found
					.slice(0, size)
					.map((f) =>
						fileResource(f, server.address() ? (server.address() as AddressInfo).port : 0)
					),
				...(found.length > size ? { nextPageToken: 'page-2' } : {})
			});
		}
		if (method === 'GET' && (m = path.match(/^\/drive\/v3\/files\/([^/]+)(\/export)?$/))) {
			const file = files.find((f) => f.id === decodeURIComponent(m![1]));
			if (!file) return googleError(res, 404, 'notFound', `File not found: ${m[1]}.`);
			const isDoc = file.mimeType.startsWith('application/vnd.google-apps.');
			if (m[2]) {
				if (!isDoc)
					return googleError(
						res,
						403,
						'fileNotExportable',
						'Export only supports Docs Editors files.'
					);
				if (!q.get('mimeType'))
					return googleError(res, 400, 'required', 'Required parameter: mimeType');
				res.writeHead(200, { 'content-type': `${q.get('mimeType')}; charset=utf-8` });
				return res.end(file.content);
			}
			if (q.get('alt') === 'media') {
				if (isDoc)
					return googleError(
						res,
						403,
						'fileNotDownloadable',
						'Only files with binary content can be downloaded. Use Export with Docs Editors files.'
					);
				res.writeHead(200, { 'content-type': file.mimeType });
				return res.end(file.content);
			}
			return json(res, 200, fileResource(file, (server.address() as AddressInfo).port));
		}
		googleError(res, 404, 'notFound', `No stand-in route for ${method} ${path}`);
	}

	function control(method: string, path: string, body: string, res: ServerResponse) {
		if (method === 'GET' && path === '/__control/drafts') return json(res, 200, drafts);
		if (method === 'POST' && path === '/__control') {
			const change = JSON.parse(body || '{}') as {
				consent?: 'allow' | 'deny';
				grantScopes?: string[] | null;
				revokeAll?: boolean;
				expireAccessTokens?: boolean;
			};
			if (change.consent) standin.consent = change.consent;
			if (change.grantScopes !== undefined) standin.grantScopes = change.grantScopes ?? undefined;
			if (change.revokeAll) standin.revokeAll();
			if (change.expireAccessTokens) standin.expireAccessTokens();
			return json(res, 200, { consent: standin.consent, grantScopes: standin.grantScopes ?? null });
		}
		json(res, 404, { error: 'unknown control' });
	}

	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://standin');
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks).toString('utf8');
		const query: Record<string, string | string[]> = {};
		for (const key of url.searchParams.keys()) {
			const all = url.searchParams.getAll(key);
			query[key] = all.length > 1 ? all : all[0];
		}
		requests.push({
			method: req.method ?? 'GET',
			path: url.pathname,
			query,
			headers: req.headers,
			body
		});
		try {
			if (url.pathname.startsWith('/__control'))
				return control(req.method ?? 'GET', url.pathname, body, res);
			if (req.method === 'GET' && url.pathname === '/o/oauth2/v2/auth') return authorize(url, res);
			if (req.method === 'POST' && url.pathname === '/token')
				return token(new URLSearchParams(body), res);
			if (req.method === 'POST' && url.pathname === '/revoke') return revoke(url, res);
			await api(req, url, body, res);
		} catch (error) {
			googleError(
				res,
				400,
				'badRequest',
				`stand-in could not handle the request: ${(error as Error).message}`
			);
		}
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	const actualPort = (server.address() as AddressInfo).port;

	const standin: GoogleStandin = {
		url: `http://127.0.0.1:${actualPort}`,
		port: actualPort,
		clientId,
		clientSecret,
		requests,
		drafts,
		events,
		issuedTokens,
		consent: 'allow',
		grantScopes: undefined,
		revokeAll() {
			for (const grant of refreshTokens.values()) grant.revoked = true;
		},
		expireAccessTokens() {
			accessTokens.clear();
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	};
	return standin;
}

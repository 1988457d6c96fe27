import type { gmail_v1 } from '@googleapis/gmail';
import { buildDraftMessage, toRaw, type DraftInput } from './mime';
import { clip, cutText, htmlToText } from './text';

export const MAX_SEARCH_RESULTS = 25;
export const MAX_BODY_CHARS = 20_000;

type Part = gmail_v1.Schema$MessagePart;

function header(part: Part | undefined, name: string): string | undefined {
	return (
		part?.headers?.find((h) => h.name?.toLowerCase() === name.toLowerCase())?.value ?? undefined
	);
}

export async function createDraft(api: gmail_v1.Gmail, input: DraftInput) {
	const raw = toRaw(buildDraftMessage(input));
	const { data } = await api.users.drafts.create({
		userId: 'me',
		requestBody: { message: { raw } }
	});
	return {
		draft_id: data.id,
		message_id: data.message?.id,
		thread_id: data.message?.threadId,
		note: 'Saved as a draft in Gmail; nothing was sent.'
	};
}

export async function searchMessages(api: gmail_v1.Gmail, query: string, maxResults = 10) {
	const { data } = await api.users.messages.list({
		userId: 'me',
		q: query,
		maxResults: Math.min(maxResults, MAX_SEARCH_RESULTS)
	});
	// Gmail omits `messages` entirely when nothing matches.
	const ids = (data.messages ?? []).flatMap((m) => (m.id ? [m.id] : []));
	const messages = await Promise.all(
		ids.map(async (id) => {
			const { data: message } = await api.users.messages.get({
				userId: 'me',
				id,
				format: 'metadata',
				metadataHeaders: ['From', 'To', 'Subject', 'Date']
			});
			return {
				id: message.id,
				thread_id: message.threadId,
				from: header(message.payload, 'From'),
				to: clip(header(message.payload, 'To'), 200),
				subject: header(message.payload, 'Subject'),
				date: header(message.payload, 'Date'),
				snippet: message.snippet ?? undefined,
				unread: message.labelIds?.includes('UNREAD') ?? false
			};
		})
	);
	return { messages, more: Boolean(data.nextPageToken) };
}

function decode(data: string | null | undefined): string {
	return data ? Buffer.from(data, 'base64url').toString('utf8') : '';
}

function findPart(part: Part | undefined, mimeType: string): Part | undefined {
	if (!part) return undefined;
	if (part.mimeType === mimeType && part.body?.data && !part.filename) return part;
	for (const child of part.parts ?? []) {
		const found = findPart(child, mimeType);
		if (found) return found;
	}
	return undefined;
}

function attachments(
	part: Part | undefined,
	out: { filename: string; mime_type?: string; size?: number }[] = []
) {
	if (!part) return out;
	if (part.filename)
		out.push({
			filename: part.filename,
			mime_type: part.mimeType ?? undefined,
			size: part.body?.size ?? undefined
		});
	for (const child of part.parts ?? []) attachments(child, out);
	return out;
}

export async function readMessage(api: gmail_v1.Gmail, id: string) {
	const { data } = await api.users.messages.get({ userId: 'me', id, format: 'full' });
	const plain = findPart(data.payload, 'text/plain');
	const html = plain ? undefined : findPart(data.payload, 'text/html');
	const text = plain
		? decode(plain.body?.data)
		: html
			? htmlToText(decode(html.body?.data))
			: (data.snippet ?? '');
	return {
		id: data.id,
		thread_id: data.threadId,
		from: header(data.payload, 'From'),
		to: header(data.payload, 'To'),
		cc: header(data.payload, 'Cc'),
		subject: header(data.payload, 'Subject'),
		date: header(data.payload, 'Date'),
		labels: data.labelIds ?? [],
		body: cutText(text.trim(), MAX_BODY_CHARS, 'the message in Gmail').text,
		attachments: attachments(data.payload)
	};
}

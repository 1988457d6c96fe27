import type { MessageAttachment } from '$lib/api';
import { refreshAttachment } from './client';

/** Signed URLs this page has renewed, by attachment id (shared by every view of the attachment). */
const renewed = new Map<string, { url: string; expiresAt: number }>();

const MARGIN_MS = 30_000;

/** A URL for the attachment that is still valid now, asking the server for a new one when needed. */
export async function freshUrl(attachment: MessageAttachment, force = false): Promise<string> {
	const known = renewed.get(attachment.attachment_id);
	const expiresAt = Date.parse(attachment.signed_url_expires_at);
	if (!force) {
		if (known && known.expiresAt - Date.now() > MARGIN_MS) return known.url;
		if (expiresAt - Date.now() > MARGIN_MS) return attachment.signed_url;
	}
	const info = await refreshAttachment(attachment.attachment_id);
	renewed.set(attachment.attachment_id, {
		url: info.signed_url,
		expiresAt: Date.parse(info.signed_url_expires_at)
	});
	return info.signed_url;
}

/** The URL to render first, without waiting: null when the known one has already expired. */
export function usableUrl(attachment: MessageAttachment): string | null {
	const known = renewed.get(attachment.attachment_id);
	if (known && known.expiresAt - Date.now() > MARGIN_MS) return known.url;
	return Date.parse(attachment.signed_url_expires_at) - Date.now() > MARGIN_MS
		? attachment.signed_url
		: null;
}

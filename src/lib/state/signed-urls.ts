import { attachmentInfo, type AttachmentInfo, type MessageAttachment } from '$lib/api';
import { api } from '$lib/api/client';

const MARGIN_MS = 30_000;

/** GET /api/attachments/{id}: the same attachment with a newly signed URL. */
const refreshAttachment = (id: string) =>
	api(`/api/attachments/${encodeURIComponent(id)}`, attachmentInfo);

/**
 * The signed URLs this page has renewed, by attachment id: every view of an attachment (the chip,
 * the inline image, the same file in another message) shares one renewal.
 */
export class SignedUrls {
	readonly #renewed = new Map<string, { url: string; expiresAt: number }>();
	readonly #refresh: (id: string) => Promise<AttachmentInfo>;

	constructor(refresh: (id: string) => Promise<AttachmentInfo> = refreshAttachment) {
		this.#refresh = refresh;
	}

	/** A URL for the attachment that is still valid now, asking the server for a new one when needed. */
	async fresh(attachment: MessageAttachment, force = false): Promise<string> {
		const known = this.#renewed.get(attachment.attachment_id);
		const expiresAt = Date.parse(attachment.signed_url_expires_at);
		if (!force) {
			if (known && known.expiresAt - Date.now() > MARGIN_MS) return known.url;
			if (expiresAt - Date.now() > MARGIN_MS) return attachment.signed_url;
		}
		const info = await this.#refresh(attachment.attachment_id);
		this.#renewed.set(attachment.attachment_id, {
			url: info.signed_url,
			expiresAt: Date.parse(info.signed_url_expires_at)
		});
		return info.signed_url;
	}

	/** The URL to render first, without waiting: null when the known one has already expired. */
	usable(attachment: MessageAttachment): string | null {
		const known = this.#renewed.get(attachment.attachment_id);
		if (known && known.expiresAt - Date.now() > MARGIN_MS) return known.url;
		return Date.parse(attachment.signed_url_expires_at) - Date.now() > MARGIN_MS
			? attachment.signed_url
			: null;
	}

	reset(): void {
		this.#renewed.clear();
	}
}

import { z } from 'zod';

/** An attachment as shown with a message: a signed URL to read it until it expires. */
export const messageAttachment = z.object({
	attachment_id: z.string(),
	file_name: z.string().optional(),
	mime_type: z.string(),
	size_bytes: z.number(),
	signed_url: z.string(),
	signed_url_expires_at: z.string()
});
export type MessageAttachment = z.infer<typeof messageAttachment>;

/** Attachment ids are server-made UUIDs; anything else is answered 404 without a lookup. */
export const attachmentId = z.string().uuid('not an attachment id');

/** `POST /api/uploads` (201) and `GET /api/attachments/{id}`: the metadata with a fresh signed URL. */
export const attachmentInfo = messageAttachment.extend({
	file_name: z.string(),
	sha256: z.string(),
	created_at: z.string()
});
export type AttachmentInfo = z.infer<typeof attachmentInfo>;

/** The query of the local-disk download URL (`GET /api/attachments/{id}/content`). */
export const signedDownloadQuery = z.object({
	expires: z.coerce.number().int().positive(),
	signature: z.string().regex(/^[0-9a-f]{64}$/, 'malformed signature')
});
export type SignedDownloadQuery = z.infer<typeof signedDownloadQuery>;

/** `GET /api/attachments/limits`: what the browser checks before it starts an upload. */
export const uploadLimits = z.object({ max_size_bytes: z.number().int().positive() });
export type UploadLimits = z.infer<typeof uploadLimits>;

/** The image kinds the server accepts; they go to the model as images and show inline. */
export const IMAGE_TYPES: readonly string[] = [
	'image/png',
	'image/jpeg',
	'image/webp',
	'image/gif'
];
/** The text kinds the server accepts (UTF-8). */
export const TEXT_TYPES: readonly string[] = [
	'text/plain',
	'text/markdown',
	'text/csv',
	'application/json'
];
export const isImageType = (mimeType: string) => IMAGE_TYPES.includes(mimeType);

/** Kinds a person may attach; the server decides from the bytes, this is for the file picker. */
export const ATTACHMENT_ACCEPT = [
	...IMAGE_TYPES,
	'application/pdf',
	...TEXT_TYPES,
	// By extension too: a system that knows no type for Markdown or CSV would hide them otherwise.
	...['.md', '.markdown', '.csv', '.json', '.txt']
].join(',');

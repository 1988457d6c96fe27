import type { AttachmentRow } from '../db/schema';
import { contentDisposition } from './file-name';
import { isText } from './sniff';

/** The HTTP answer for a verified local download: exact type, safe disposition, no sniffing. */
export function downloadResponse(
	{ row, data, expiresAt }: { row: AttachmentRow; data: Buffer; expiresAt: Date },
	now = new Date()
): Response {
	const maxAge = Math.max(
		0,
		Math.min(3600, Math.floor((expiresAt.getTime() - now.getTime()) / 1000))
	);
	return new Response(new Uint8Array(data), {
		headers: {
			'content-type': isText(row.mimeType) ? `${row.mimeType}; charset=utf-8` : row.mimeType,
			'content-length': String(data.length),
			'content-disposition': contentDisposition('inline', row.fileName),
			'x-content-type-options': 'nosniff',
			'cache-control': `private, max-age=${maxAge}`,
			etag: `"${row.sha256}"`
		}
	});
}

import { formatBytes } from '$lib/format/numbers';
import { IMPORT_MAX_BYTES } from '$lib/api';
import { readUploadForm } from '../attachments/multipart';
import { AppError, badRequest } from '../errors';

const tooLarge = () =>
	new AppError(
		413,
		'payload_too_large',
		`The import file is larger than the ${formatBytes(IMPORT_MAX_BYTES)} limit; split it (export a few conversations at a time).`
	);

const mediaType = (request: Request) =>
	request.headers.get('content-type')?.split(';')[0].trim().toLowerCase() ?? '';

/** The body as text, refused once it passes the limit (never held whole beyond it). */
async function readText(request: Request): Promise<string> {
	if (!request.body) throw badRequest('The import has no body.', 'invalid_import_file');
	const reader = request.body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			size += value.byteLength;
			if (size > IMPORT_MAX_BYTES) throw tooLarge();
			chunks.push(value);
		}
	} catch (error) {
		await reader.cancel().catch(() => {});
		if (error instanceof AppError && error.status === 413) throw tooLarge();
		throw error;
	}
	return decode(Buffer.concat(chunks));
}

const decode = (bytes: Buffer) => new TextDecoder('utf-8').decode(bytes).replace(/^\uFEFF/, '');

/**
 * The import file from `POST /api/sessions/import`: a JSON body, or the field `file` of a
 * multipart form (the file picker's upload). Anything else is a 415; past the limit a 413.
 */
export async function readImportBody(request: Request): Promise<string> {
	const type = mediaType(request);
	if (type === 'application/json') return readText(request);
	if (type === 'multipart/form-data') {
		try {
			const { file } = await readUploadForm(request, { maxFileBytes: IMPORT_MAX_BYTES });
			return decode(file.data);
		} catch (error) {
			if (error instanceof AppError && error.status === 413) throw tooLarge();
			throw error;
		}
	}
	throw new AppError(
		415,
		'unsupported_media_type',
		'Send the file as a JSON body (Content-Type: application/json) or as the field "file" of a multipart/form-data form.'
	);
}

import { formatBytes } from '$lib/format/numbers';
import { AppError, badRequest } from '../errors';

export interface UploadedFile {
	fileName: string;
	claimedType: string | undefined;
	data: Buffer;
}

export interface UploadForm {
	file: UploadedFile;
	fields: Record<string, string>;
}

export interface ReadUploadOptions {
	/** Largest file accepted; more bytes than this answer 413 and nothing is kept. */
	maxFileBytes: number;
	/** The multipart field carrying the file. */
	fileField?: string;
}

const MAX_HEADER_BYTES = 8 * 1024;
const MAX_FIELD_BYTES = 1024;
const MAX_PARTS = 16;
/** Room for the multipart framing and small fields around the file. */
const FRAMING_SLACK = 64 * 1024;

export const tooLarge = (maxBytes: number) =>
	new AppError(
		413,
		'file_too_large',
		`The file is larger than the ${formatBytes(maxBytes)} limit (ATTACHMENTS_MAX_SIZE_BYTES).`
	);

function boundaryOf(contentType: string | null): string {
	const match = contentType?.match(
		/^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i
	);
	const boundary = match?.[1] ?? match?.[2];
	if (!boundary) {
		throw badRequest(
			'Send the file as multipart/form-data with a "file" field.',
			'invalid_multipart'
		);
	}
	return boundary;
}

interface PartHeaders {
	name: string | undefined;
	fileName: string | undefined;
	contentType: string | undefined;
}

function parseHeaders(block: string): PartHeaders {
	let disposition = '';
	let contentType: string | undefined;
	for (const line of block.split('\r\n')) {
		const colon = line.indexOf(':');
		if (colon < 0) continue;
		const key = line.slice(0, colon).trim().toLowerCase();
		const value = line.slice(colon + 1).trim();
		if (key === 'content-disposition') disposition = value;
		if (key === 'content-type') contentType = value;
	}
	const quoted = (param: string) =>
		disposition.match(new RegExp(`(?:^|;)\\s*${param}="([^"]*)"`, 'i'))?.[1] ??
		disposition.match(new RegExp(`(?:^|;)\\s*${param}=([^";\\s]+)`, 'i'))?.[1];
	// Browsers percent-encode quotes and line breaks inside the quoted name and send backslashes
	// as they are (WHATWG HTML, multipart/form-data encoding), so there is no backslash escaping.
	const unescape = (value: string | undefined) =>
		value?.replace(/%22/g, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n');
	let fileName = unescape(quoted('filename'));
	const extended = disposition.match(/(?:^|;)\s*filename\*=UTF-8''([^;\s]+)/i)?.[1];
	if (extended) {
		try {
			fileName = decodeURIComponent(extended);
		} catch {
			// keep the plain filename
		}
	}
	return { name: unescape(quoted('name')), fileName, contentType };
}

/** Incremental multipart/form-data parser: keeps at most one header block or delimiter in memory. */
class MultipartParser {
	readonly #delimiter: Buffer;
	#buffer: Buffer = Buffer.from('\r\n');
	#state: 'preamble' | 'after-delimiter' | 'headers' | 'body' | 'done' = 'preamble';
	#part: (PartHeaders & { chunks: Buffer[]; size: number }) | undefined;
	#parts = 0;
	readonly parts: (PartHeaders & { data: Buffer })[] = [];

	constructor(
		boundary: string,
		private readonly onBytes: (part: PartHeaders, size: number) => boolean
	) {
		this.#delimiter = Buffer.from(`\r\n--${boundary}`);
	}

	get done() {
		return this.#state === 'done';
	}

	push(chunk: Uint8Array): void {
		this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : Buffer.from(chunk);
		for (;;) {
			if (this.#state === 'done') return;
			if (this.#state === 'preamble' || this.#state === 'body') {
				const at = this.#buffer.indexOf(this.#delimiter);
				const keep = at >= 0 ? at : Math.max(0, this.#buffer.length - this.#delimiter.length + 1);
				if (this.#state === 'body' && keep > 0) this.#data(this.#buffer.subarray(0, keep));
				if (at < 0) {
					this.#buffer = Buffer.from(this.#buffer.subarray(keep));
					return;
				}
				if (this.#state === 'body') this.#endPart();
				this.#buffer = this.#buffer.subarray(at + this.#delimiter.length);
				this.#state = 'after-delimiter';
			} else if (this.#state === 'after-delimiter') {
				if (this.#buffer.length < 2) return;
				const next = this.#buffer.subarray(0, 2).toString('latin1');
				if (next === '--') {
					this.#state = 'done';
					return;
				}
				if (next !== '\r\n')
					throw badRequest('The multipart body is malformed.', 'invalid_multipart');
				this.#buffer = this.#buffer.subarray(2);
				this.#state = 'headers';
			} else {
				const end = this.#buffer.indexOf('\r\n\r\n');
				if (end < 0) {
					if (this.#buffer.length > MAX_HEADER_BYTES) {
						throw badRequest('A multipart part header is too long.', 'invalid_multipart');
					}
					return;
				}
				if (++this.#parts > MAX_PARTS)
					throw badRequest('Too many multipart fields.', 'invalid_multipart');
				const headers = parseHeaders(this.#buffer.subarray(0, end).toString('utf8'));
				this.#part = { ...headers, chunks: [], size: 0 };
				this.#buffer = this.#buffer.subarray(end + 4);
				this.#state = 'body';
			}
		}
	}

	#data(bytes: Buffer) {
		const part = this.#part!;
		part.size += bytes.length;
		// Copy: the slice points into a buffer that is about to be replaced.
		if (this.onBytes(part, part.size)) part.chunks.push(Buffer.from(bytes));
	}

	#endPart() {
		const { chunks, size: _size, ...headers } = this.#part!;
		this.parts.push({ ...headers, data: Buffer.concat(chunks) });
		this.#part = undefined;
	}
}

/**
 * Reads `POST /api/uploads` without ever holding more than the size limit: the file part is
 * counted while it streams, and past the limit the rest is drained (so the client gets the 413
 * instead of a reset connection) and dropped.
 */
export async function readUploadForm(
	request: Request,
	options: ReadUploadOptions
): Promise<UploadForm> {
	const { maxFileBytes, fileField = 'file' } = options;
	const parser = new MultipartParser(
		boundaryOf(request.headers.get('content-type')),
		(part, size) => {
			if (part.fileName !== undefined || part.name === fileField) {
				if (part.name !== fileField) return false; // another file field: ignored
				if (size > maxFileBytes) throw tooLarge(maxFileBytes);
				return true;
			}
			if (size > MAX_FIELD_BYTES)
				throw badRequest(`The field ${part.name ?? ''} is too long.`, 'invalid_multipart');
			return true;
		}
	);
	if (!request.body) throw badRequest('The upload has no body.', 'invalid_multipart');

	const reader = request.body.getReader();
	const drainLimit = maxFileBytes * 2 + FRAMING_SLACK;
	let received = 0;
	let failure: unknown;
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			received += value.length;
			if (failure) {
				if (received > drainLimit) break;
				continue;
			}
			try {
				if (received > maxFileBytes + FRAMING_SLACK) throw tooLarge(maxFileBytes);
				parser.push(value);
			} catch (error) {
				failure = error;
			}
		}
	} catch (error) {
		// adapter-node's BODY_SIZE_LIMIT surfaces here as a 413 from SvelteKit.
		const status = (error as { status?: number }).status;
		failure ??=
			status === 413
				? tooLarge(maxFileBytes)
				: badRequest('The upload was interrupted.', 'upload_interrupted');
	} finally {
		if (failure) await reader.cancel().catch(() => {});
		reader.releaseLock();
	}
	if (failure) throw failure;
	if (!parser.done) throw badRequest('The multipart body ended early.', 'invalid_multipart');

	const fields: Record<string, string> = {};
	let file: UploadedFile | undefined;
	for (const part of parser.parts) {
		if (part.name === fileField) {
			if (file) throw badRequest('Send one file per upload.', 'invalid_multipart');
			file = { fileName: part.fileName ?? '', claimedType: part.contentType, data: part.data };
		} else if (part.name && part.fileName === undefined) {
			fields[part.name] = part.data.toString('utf8');
		}
	}
	if (!file) throw badRequest('The upload has no "file" field.', 'missing_file');
	return { file, fields };
}

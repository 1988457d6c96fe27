import { IMAGE_TYPES, TEXT_TYPES, isImageType } from '$lib/api/attachments';
import { AppError } from '../errors';
import { extensionOf } from './file-name';

const BINARY_TYPES = new Set([...IMAGE_TYPES, 'application/pdf']);

export const isImage = isImageType;
export const isText = (mimeType: string) => TEXT_TYPES.includes(mimeType);

const unsupported = (what: string) =>
	new AppError(
		415,
		'unsupported_type',
		`${what} cannot be attached: use images (PNG, JPEG, WebP, GIF), PDF or UTF-8 text (plain, Markdown, CSV, JSON).`
	);

// C0 controls other than tab, newline, vertical tab, form feed, carriage return and escape.
const BINARY_CONTROL = /[\u0000-\u0008\u000e-\u001a\u001c-\u001f]/;

function asText(data: Buffer): string | undefined {
	try {
		const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
		return BINARY_CONTROL.test(text) ? undefined : text;
	} catch {
		return undefined;
	}
}

function textFlavour(fileName: string, claimedType: string | undefined): string {
	const ext = extensionOf(fileName);
	const claimed = claimedType?.split(';')[0].trim().toLowerCase();
	if (ext === 'md' || ext === 'markdown' || claimed === 'text/markdown') return 'text/markdown';
	if (ext === 'csv' || claimed === 'text/csv') return 'text/csv';
	if (ext === 'json' || claimed === 'application/json') return 'application/json';
	return 'text/plain';
}

/**
 * The attachment's type, decided from its bytes: magic numbers for images and PDF, strict UTF-8
 * for text (the name or claimed type only picks which text flavour). Throws 415 otherwise.
 */
export async function detectType(
	data: Buffer,
	fileName: string,
	claimedType?: string
): Promise<string> {
	// file-type (with its token readers) is loaded at the first upload, not at start-up.
	const { fileTypeFromBuffer } = await import('file-type');
	const detected = await fileTypeFromBuffer(data);
	if (detected && BINARY_TYPES.has(detected.mime)) return detected.mime;
	const text = asText(data);
	if (text === undefined) {
		throw unsupported(detected ? `This ${detected.ext.toUpperCase()} file` : 'This binary file');
	}
	const flavour = textFlavour(fileName, claimedType);
	if (flavour === 'application/json') {
		try {
			JSON.parse(text);
		} catch {
			throw new AppError(
				415,
				'unsupported_type',
				`${fileName} is named as JSON but is not valid JSON.`
			);
		}
	}
	return flavour;
}

/** Builds RFC 2822 / MIME messages for Gmail drafts; header fields are checked, never trusted. */

export class HeaderError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'HeaderError';
	}
}

export interface DraftInput {
	to: string;
	subject: string;
	body: string;
	cc?: string;
	bcc?: string;
}

// CR or LF would end the header and let the caller add their own (a hidden `Bcc:`, say).
const LINE_BREAK = /[\r\n\u0085\u2028\u2029]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;
const ASCII_PRINTABLE = /^[\x20-\x7e]*$/;

export function isEmailAddress(value: string): boolean {
	return ADDRESS.test(value) && !LINE_BREAK.test(value);
}

function checkHeader(field: string, value: string): void {
	if (LINE_BREAK.test(value))
		throw new HeaderError(
			`${field} must be a single line (line breaks are not allowed in mail headers)`
		);
	if (CONTROL.test(value)) throw new HeaderError(`${field} contains control characters`);
}

/** RFC 2047 encoded words (UTF-8, base64), each at most 75 characters, never splitting a character. */
export function encodeWords(text: string): string {
	const words: string[] = [];
	let chunk = '';
	for (const char of text) {
		// 39 bytes -> 52 base64 characters, 64 with `=?UTF-8?B?`/`?=`: under the 75 limit, and the first
		// line ("Subject: " + word) stays under the 78 characters RFC 2822 recommends.
		if (Buffer.byteLength(chunk + char, 'utf8') > 39) {
			words.push(chunk);
			chunk = '';
		}
		chunk += char;
	}
	if (chunk) words.push(chunk);
	return words
		.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`)
		.join('\r\n ');
}

function encodeText(text: string): string {
	return ASCII_PRINTABLE.test(text) ? text : encodeWords(text);
}

/** One mailbox: `a@example.com` or `Name <a@example.com>`; non-ASCII names are encoded. */
function formatMailbox(field: string, raw: string): string {
	const item = raw.trim();
	const angle = item.match(/^(.*)<([^<>]+)>$/);
	const address = (angle ? angle[2] : item).trim();
	if (!ADDRESS.test(address)) throw new HeaderError(`${field}: "${item}" is not an email address`);
	const name = angle ? angle[1].trim().replace(/^"(.*)"$/, '$1') : '';
	if (!name) return address;
	if (!ASCII_PRINTABLE.test(name)) return `${encodeWords(name)} <${address}>`;
	return `"${name.replace(/[\\"]/g, '\\$&')}" <${address}>`;
}

export function formatAddressList(field: string, value: string): string {
	checkHeader(field, value);
	const items = value.split(/[,;]/).filter((item) => item.trim());
	if (!items.length) throw new HeaderError(`${field} needs at least one email address`);
	return items.map((item) => formatMailbox(field, item)).join(', ');
}

function base64Lines(text: string): string {
	return (
		Buffer.from(text, 'utf8')
			.toString('base64')
			.match(/.{1,76}/g) ?? []
	).join('\r\n');
}

/** The full message, ready for Gmail's `message.raw` once base64url-encoded. */
export function buildDraftMessage(input: DraftInput): string {
	checkHeader('subject', input.subject);
	const headers = [`To: ${formatAddressList('to', input.to)}`];
	if (input.cc?.trim()) headers.push(`Cc: ${formatAddressList('cc', input.cc)}`);
	if (input.bcc?.trim()) headers.push(`Bcc: ${formatAddressList('bcc', input.bcc)}`);
	headers.push(
		`Subject: ${encodeText(input.subject)}`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset="UTF-8"',
		'Content-Transfer-Encoding: base64'
	);
	return [...headers, '', base64Lines(input.body.replace(/\r?\n/g, '\r\n'))].join('\r\n');
}

export function toRaw(message: string): string {
	return Buffer.from(message, 'utf8').toString('base64url');
}

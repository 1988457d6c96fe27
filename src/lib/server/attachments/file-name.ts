const MAX_NAME_BYTES = 180;
// Controls, bidi overrides (the "evil.gpj.exe" trick), and characters that mean something to
// file systems or to a Content-Disposition header.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:"/\\|?*;]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function cutBytes(text: string, max: number): string {
	let out = '';
	let bytes = 0;
	for (const char of text) {
		bytes += Buffer.byteLength(char);
		if (bytes > max) break;
		out += char;
	}
	return out;
}

/**
 * A display name that is safe anywhere it is shown or sent: last path segment only, no control
 * or path characters, no leading dots, bounded length with the extension kept. Never used as a
 * path on disk (blobs are named by id), so this is about headers, UIs and the model prompt.
 */
export function sanitizeFileName(raw: string | undefined, fallback = 'file'): string {
	const base = (raw ?? '').normalize('NFC').split(/[/\\]/).pop() ?? '';
	let name = base
		.replace(UNSAFE, '_')
		.replace(/\s+/g, ' ')
		.trim()
		.replace(/^[.\s_]+/, '')
		.replace(/[.\s]+$/, '');
	if (!name || /^_+$/.test(name) || WINDOWS_RESERVED.test(name)) name = fallback;
	if (Buffer.byteLength(name) <= MAX_NAME_BYTES) return name;
	const dot = name.lastIndexOf('.');
	const ext = dot > 0 && name.length - dot <= 12 ? name.slice(dot) : '';
	return (
		cutBytes(
			name.slice(0, name.length - ext.length),
			MAX_NAME_BYTES - Buffer.byteLength(ext)
		).trimEnd() + ext
	);
}

export function extensionOf(name: string): string {
	const dot = name.lastIndexOf('.');
	return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

/** RFC 6266 header with an ASCII fallback and the UTF-8 name (RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
	const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_');
	const encoded = encodeURIComponent(fileName).replace(
		/['()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
	);
	return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

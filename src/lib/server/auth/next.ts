const BASE = new URL('http://switchboard.invalid');

/** Backslashes (browsers read `/\host` as `//host`) and C0/DEL (the URL parser drops tab and newline). */
const UNSAFE = /[\\\u0000-\u001f\u007f]/;

const pathOnly = (text: string) => text.startsWith('/') && !text.startsWith('//');

/**
 * Where to go after logging in: `next` when it is a path on this site, else `/`. Checked as
 * given and once more percent-decoded, then normalized; the normalized path is checked again
 * because dot segments can make one (`/..//evil.example` becomes `//evil.example`).
 */
export function safeNext(next: string | null | undefined): string {
	if (!next || !pathOnly(next)) return '/';
	let decoded: string;
	try {
		decoded = decodeURIComponent(next);
	} catch {
		return '/';
	}
	if (UNSAFE.test(next) || UNSAFE.test(decoded) || !pathOnly(decoded)) return '/';
	const target = new URL(next, BASE);
	if (target.origin !== BASE.origin || !pathOnly(target.pathname)) return '/';
	return target.pathname + target.search + target.hash;
}

import type { Handle } from '@sveltejs/kit';
import { refuse } from './request';

/**
 * C0 control characters but tab, and DEL. No id, name or search needs them, and they break what
 * reads them: a NUL cuts SQLite's strings short (a search answered 500), CR/LF in `?next=`
 * would end up in a Location header.
 */
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/**
 * Refuses a path or query parameter holding a control character (400 `invalid_characters`), and
 * an API path whose escapes are not UTF-8 (`%ED%A0%80`, a lone surrogate; `%E0%A4%A`): SvelteKit
 * would answer those with its HTML error page instead of the API's error shape.
 */
export const plainParameters: Handle = function plainParameters({ event, resolve }) {
	let path = event.url.pathname;
	try {
		path = decodeURIComponent(path);
	} catch {
		// malformed escapes: pages get SvelteKit's own 400, the API its error shape
		if (path.startsWith('/api/'))
			return refuse(400, 'invalid_characters', 'The path holds a malformed percent escape.');
	}
	const bad = CONTROL.test(path)
		? 'The path'
		: [...event.url.searchParams].find(([key, value]) => CONTROL.test(key) || CONTROL.test(value));
	if (!bad) return resolve(event);
	const what = typeof bad === 'string' ? bad : `The query parameter ${JSON.stringify(bad[0])}`;
	return refuse(400, 'invalid_characters', `${what} holds a control character.`);
};

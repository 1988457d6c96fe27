import type { Handle } from '@sveltejs/kit';
import { isRead, refuse } from './request';

/** What `Sec-Fetch-Site` says for a request the app's own pages (or the address bar) made. */
const OWN_FETCH_SITES = ['same-origin', 'none'];

/**
 * Whether `origin` (an Origin header) is the app's own. With ORIGIN set, exactly that. Without
 * it, the host the request was sent to: adapter-node then guesses `https:` for the request URL,
 * while a browser on its plain-HTTP port says `http:`, and nothing else can serve that host and
 * port.
 */
function isOwnOrigin(origin: string, publicOrigin: string | undefined, url: URL): boolean {
	if (publicOrigin) return origin === publicOrigin;
	if (!URL.canParse(origin)) return false; // "null": a sandboxed frame, a file
	const { protocol, host } = new URL(origin);
	return (protocol === 'http:' || protocol === 'https:') && host === url.host;
}

/**
 * Refuses every request but GET and HEAD that a browser sent from another site: its `Origin` is
 * not the app's own (see isOwnOrigin), or, without `Origin`, its `Sec-Fetch-Site` is not
 * `same-origin`/`none`. `same-site` is refused too: another port on localhost is the same site.
 * A request with neither header is not from a browser (curl, scripts) and passes; the host
 * allowlist has already checked where it was sent.
 *
 * Every path, not only /api: it also covers form actions (/login), which SvelteKit's own check
 * (turned off in svelte.config.js) answered with plain text.
 */
export function crossSiteWrites(publicOrigin: () => string | undefined): Handle {
	return function crossSiteWrites({ event, resolve }) {
		const { request, url } = event;
		if (isRead(request)) return resolve(event);
		const origin = request.headers.get('origin');
		const fetchSite = request.headers.get('sec-fetch-site');
		const own = publicOrigin();
		const crossSite =
			origin !== null
				? !isOwnOrigin(origin, own, url)
				: fetchSite !== null && !OWN_FETCH_SITES.includes(fetchSite);
		if (!crossSite) return resolve(event);
		return refuse(
			403,
			'forbidden_origin',
			`${request.method} ${url.pathname} is only taken from Switchboard's own pages ` +
				`(${own ?? `http://${url.host}`}), not from ${origin ?? `a ${fetchSite} page`}.`
		);
	};
}

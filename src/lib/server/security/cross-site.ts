import type { Handle } from '@sveltejs/kit';
import { isRead, refuse } from './request';

/** What `Sec-Fetch-Site` says for a request the app's own pages (or the address bar) made. */
const OWN_FETCH_SITES = ['same-origin', 'none'];

/**
 * Refuses every request but GET and HEAD that a browser sent from another site: its `Origin` is
 * not the app's own (ORIGIN, or the origin the request was made to), or, without `Origin`, its
 * `Sec-Fetch-Site` is not `same-origin`/`none`. `same-site` is refused too: another port on
 * localhost is the same site. A request with neither header is not from a browser (curl, scripts)
 * and passes; the host allowlist has already checked where it was sent.
 *
 * Every path, not only /api: it also covers form actions (/login), which SvelteKit's own check
 * (turned off in svelte.config.js) answered with plain text.
 */
export function crossSiteWrites(publicOrigin: () => string | undefined): Handle {
	return function crossSiteWrites({ event, resolve }) {
		const { request } = event;
		if (isRead(request)) return resolve(event);
		const origin = request.headers.get('origin');
		const fetchSite = request.headers.get('sec-fetch-site');
		const own = publicOrigin() ?? event.url.origin;
		const crossSite =
			origin !== null ? origin !== own : fetchSite !== null && !OWN_FETCH_SITES.includes(fetchSite);
		if (!crossSite) return resolve(event);
		return refuse(
			403,
			'forbidden_origin',
			`${request.method} ${event.url.pathname} is only taken from Switchboard's own pages (${own}), not from ${origin ?? `a ${fetchSite} page`}.`
		);
	};
}

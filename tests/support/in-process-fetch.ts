import type { Cookies, RequestEvent } from '@sveltejs/kit';
import type { Services } from '$lib/server/services';

const ORIGIN = 'http://127.0.0.1:3000';
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof METHODS)[number];

/** What tests give a handler: everything SvelteKit passes except `tracing`, which no route reads. */
export type ApiEvent = Omit<RequestEvent, 'tracing'>;
type Handler = (event: RequestEvent) => Response | Promise<Response>;
type RouteModule = Partial<Record<Method, Handler>> & {
	trailingSlash?: 'never' | 'always' | 'ignore';
};

export interface ApiRoute {
	/** The route id, e.g. `/api/sessions/[id]`. */
	id: string;
	/** The methods its `+server.ts` exports. */
	methods: Method[];
	module: RouteModule;
	pattern: RegExp;
	paramNames: string[];
	/** Per segment: 0 static, 1 `[param]`, 2 `[...rest]`; the lowest that matches wins. */
	rank: number[];
}

const modules = import.meta.glob<RouteModule>('../../src/routes/api/**/+server.ts', {
	eager: true
});

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function apiRoute(file: string, module: RouteModule): ApiRoute {
	const id = file.replace('../../src/routes', '').replace(/\/\+server\.ts$/, '');
	const paramNames: string[] = [];
	const rank: number[] = [];
	const source = id
		.split('/')
		.slice(1)
		.map((segment) => {
			const rest = /^\[\.\.\.(\w+)\]$/.exec(segment);
			const param = /^\[(\w+)\]$/.exec(segment);
			if (rest) paramNames.push(rest[1]);
			else if (param) paramNames.push(param[1]);
			rank.push(rest ? 2 : param ? 1 : 0);
			if (rest) return '(?:/(.*))?';
			if (param) return '/([^/]+)';
			return `/${escapeRegExp(segment)}`;
		})
		.join('');
	const methods = METHODS.filter((method) => typeof module[method] === 'function');
	return { id, methods, module, pattern: new RegExp(`^${source}/?$`), paramNames, rank };
}

function compareRanks(a: ApiRoute, b: ApiRoute): number {
	for (let i = 0; i < Math.max(a.rank.length, b.rank.length); i++) {
		// A route that ends here beats a rest parameter that would match nothing.
		const difference = (a.rank[i] ?? -1) - (b.rank[i] ?? -1);
		if (difference) return difference;
	}
	return 0;
}

/** Every `src/routes/api/**\/+server.ts`, in the order SvelteKit tries them. */
export const apiRoutes: readonly ApiRoute[] = Object.entries(modules)
	.map(([file, module]) => apiRoute(file, module))
	.sort(compareRanks);

function resolve(pathname: string): { route: ApiRoute; params: Record<string, string> } {
	for (const route of apiRoutes) {
		const match = route.pattern.exec(pathname);
		if (!match) continue;
		const params = Object.fromEntries(
			route.paramNames.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')])
		);
		return { route, params };
	}
	throw new Error(`No API route matches ${pathname}`);
}

/** SvelteKit's answer before the handler runs: a 308 to the slash form, or a 405. */
function beforeHandler(route: ApiRoute, url: URL, method: string): Response | undefined {
	const option = route.module.trailingSlash ?? 'never';
	const hasSlash = url.pathname.endsWith('/');
	if ((option === 'never' && hasSlash) || (option === 'always' && !hasSlash)) {
		const pathname = hasSlash ? url.pathname.slice(0, -1) : `${url.pathname}/`;
		return new Response(null, { status: 308, headers: { location: pathname + url.search } });
	}
	if (!route.methods.includes(method as Method)) {
		const allow = [...route.methods, ...(route.methods.includes('GET') ? ['HEAD'] : [])];
		return new Response(`${method} method not allowed`, {
			status: 405,
			headers: { allow: allow.join(', ') }
		});
	}
}

/** One browser's cookies, shared by every request of a fetch (paths and expiry are ignored). */
function cookieJar(jar: Map<string, string>): Cookies {
	return {
		get: (name) => jar.get(name),
		getAll: () => [...jar].map(([name, value]) => ({ name, value })),
		set: (name, value) => void jar.set(name, value),
		delete: (name) => void jar.delete(name),
		serialize: (name, value) => `${name}=${encodeURIComponent(value)}`
	};
}

export interface InProcessFetch {
	/** A `fetch` over the real API handlers; redirects are returned, not followed. */
	fetcher: typeof fetch;
	/** `METHOD /path status` of every answered request, in order. */
	log: string[];
	/** Parks matching requests until the returned function is called, like a slow network. */
	hold(match: (method: string, path: string) => boolean): () => void;
}

/**
 * A `fetch` (for browser state classes and route tests) that routes `/api/...` requests to the
 * `+server.ts` handlers the way SvelteKit does: route order, params, `trailingSlash`, 405 for a
 * method a route does not export, `locals.services`. Hooks do not run (no auth guard, and a 405
 * is SvelteKit's plain one, not the app's JSON).
 */
export function inProcessFetch(services: Services): InProcessFetch {
	const log: string[] = [];
	const held: { match: (method: string, path: string) => boolean; release: Promise<void> }[] = [];
	const jar = new Map<string, string>();
	const fetcher: typeof fetch = async (input, init) => {
		const request = new Request(input instanceof Request ? input : new URL(input, ORIGIN), init);
		const url = new URL(request.url);
		for (const gate of held) if (gate.match(request.method, url.pathname)) await gate.release;
		const { route, params } = resolve(url.pathname);
		const event: ApiEvent = {
			request,
			url,
			params,
			route: { id: route.id as RequestEvent['route']['id'] },
			locals: { services },
			cookies: cookieJar(jar),
			getClientAddress: () => '127.0.0.1',
			setHeaders: () => {},
			fetch: fetcher,
			platform: undefined,
			isDataRequest: false,
			isSubRequest: false,
			isRemoteRequest: false
		};
		const response =
			beforeHandler(route, url, request.method) ??
			(await route.module[request.method as Method]!(event as RequestEvent));
		log.push(`${request.method} ${url.pathname} ${response.status}`);
		return response;
	};
	return {
		fetcher,
		log,
		hold(match) {
			let release!: () => void;
			held.push({ match, release: new Promise<void>((resolve) => (release = resolve)) });
			return release;
		}
	};
}

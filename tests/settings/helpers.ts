import { createServices, type Services, type ServiceOverrides } from '$lib/server/services';
import { createLogger } from '$lib/server/log';
import { onDispose, TEST_API_KEY, testConfig } from '../support/factories';

/**
 * Services from the real composition root over temp dirs; `env` as in the process environment,
 * with an OpenRouter key unless `env` says `OPENROUTER_API_KEY: undefined` (the first-run demo).
 */
export function settingsServices(
	env: Record<string, string | undefined> = {},
	overrides: ServiceOverrides = {}
): Services {
	const config = testConfig({ OPENROUTER_API_KEY: TEST_API_KEY, ...env });
	const services = createServices(config, {
		log: createLogger({ dir: config.logDir, level: 'debug', echo: false }),
		demoTokenDelayMs: 0,
		...overrides
	});
	onDispose(() => services.close());
	return services;
}

type Handler = (event: any) => Response | Promise<Response>;

export interface CallOptions {
	method?: string;
	path?: string;
	params?: Record<string, string>;
	/** Sent as JSON. */
	body?: unknown;
	/** Sent as is (for invalid JSON). */
	raw?: string;
}

/** Calls a route handler the way SvelteKit does: a real Request and `locals.services`. */
export async function call(services: Services, handler: Handler, options: CallOptions = {}) {
	const url = new URL(options.path ?? '/', 'http://127.0.0.1:3000');
	const payload =
		options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
	const request = new Request(url, {
		method: options.method ?? (payload === undefined ? 'GET' : 'PUT'),
		headers: payload === undefined ? {} : { 'content-type': 'application/json' },
		body: payload
	});
	const response = await handler({
		request,
		url,
		params: options.params ?? {},
		locals: { services }
	});
	const text = await response.text();
	const body: any = text ? JSON.parse(text) : null;
	return { status: response.status, body, headers: response.headers };
}

/** A clock tests move by hand. */
export function manualClock(start = '2026-03-01T10:00:00.000Z') {
	let now = Date.parse(start);
	return {
		now: () => new Date(now),
		advance(ms: number) {
			now += ms;
		}
	};
}

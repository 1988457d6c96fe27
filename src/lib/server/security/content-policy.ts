import type { Handle } from '@sveltejs/kit';
import type { Config } from '../config';
import { ARTIFACT_PATH } from './artifact-page';

/** Where GCS serves a bucket when GCS_API_ENDPOINT is unset (the library's own default). */
const GCS_DEFAULT_ENDPOINT = 'https://storage.googleapis.com';
const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$/;

/**
 * For HTML that SvelteKit did not render (its static fallback error page): nothing may load or
 * run but the page's own inline styles, and no one may frame it.
 */
export const FALLBACK_POLICY =
	"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; " +
	"form-action 'none'; frame-ancestors 'none'; object-src 'none'";

type Sources = Record<string, string[]>;

/** The part of the configuration the policy depends on. */
export interface PolicyConfig {
	attachments: Pick<Config['attachments'], 'gcsBucket' | 'gcsApiEndpoint'>;
	deepgram: Pick<Config['deepgram'], 'apiKey' | 'apiUrl'>;
}

const originOf = (url: string): string | undefined => {
	const origin = URL.canParse(url) ? new URL(url).origin : 'null';
	return origin === 'null' ? undefined : origin;
};

/**
 * What the policy in svelte.config.js cannot know before the server starts: the attachment
 * bucket the browser shows images from (signed URLs are path-style, `{endpoint}/{bucket}/…`, so
 * only that bucket, not every bucket on storage.googleapis.com, which anyone can own and log),
 * and the Deepgram origin its dictation websocket opens (`https:` → `wss:`, as websocketBase does).
 */
export function runtimeSources(config: PolicyConfig): Sources {
	const sources: Sources = { 'img-src': [], 'connect-src': [] };
	const { gcsBucket, gcsApiEndpoint } = config.attachments;
	const storage = gcsBucket && originOf(gcsApiEndpoint ?? GCS_DEFAULT_ENDPOINT);
	// GCS's own rule for names, which also keeps `;` and spaces out of the header.
	if (storage && BUCKET_NAME.test(gcsBucket)) sources['img-src'].push(`${storage}/${gcsBucket}/`);
	const deepgram = config.deepgram.apiKey && originOf(config.deepgram.apiUrl);
	if (deepgram) sources['connect-src'].push(deepgram, deepgram.replace(/^http(s?):/, 'ws$1:'));
	return sources;
}

/** `policy` with `sources` added to their directives (a missing one starts from default-src). */
export function withSources(policy: string, sources: Sources): string {
	const directives = new Map<string, string[]>();
	for (const directive of policy.split(';')) {
		const [name, ...values] = directive.trim().split(/\s+/);
		if (name) directives.set(name.toLowerCase(), values);
	}
	for (const [name, extra] of Object.entries(sources)) {
		if (!extra.length) continue;
		const values = directives.get(name) ?? [...(directives.get('default-src') ?? [])];
		directives.set(name, [...values, ...extra.filter((source) => !values.includes(source))]);
	}
	return [...directives].map(([name, values]) => [name, ...values].join(' ')).join('; ');
}

/**
 * Completes the Content-Security-Policy of every page. SvelteKit writes it from kit.csp (with a
 * nonce for its inline scripts, so it cannot be a constant); this handle adds the origins that
 * come from the configuration, and gives HTML that SvelteKit did not render a strict one.
 */
export function contentPolicy(config: () => PolicyConfig): Handle {
	return async function contentPolicy({ event, resolve }) {
		const response = await resolve(event);
		// The artifact preview's page has its own policy, sandboxed (artifact-page.ts).
		if (event.url.pathname === ARTIFACT_PATH) return response;
		const policy = response.headers.get('content-security-policy');
		const html = response.headers.get('content-type')?.startsWith('text/html') ?? false;
		if (!policy && !html) return response;
		const value = policy ? withSources(policy, runtimeSources(config())) : FALLBACK_POLICY;
		try {
			response.headers.set('content-security-policy', value);
			return response;
		} catch {
			// Immutable headers (a fetch() answer passed through): a copy takes them.
			const copy = new Response(response.body, response);
			copy.headers.set('content-security-policy', value);
			return copy;
		}
	};
}

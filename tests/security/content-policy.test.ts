import { describe, expect, it } from 'vitest';
import { contentPolicy, runtimeSources, withSources } from '$lib/server/security';
import { FALLBACK_POLICY, type PolicyConfig } from '$lib/server/security/content-policy';
import { requestEvent, runGuard } from './helpers';

/** The policy SvelteKit writes from svelte.config.js, as it orders it, with a page's nonce. */
const KIT_POLICY =
	"default-src 'self'; frame-src 'none'; connect-src 'self'; font-src 'self'; " +
	"img-src 'self' data: blob:; object-src 'none'; script-src 'self' 'nonce-abc=='; " +
	"style-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const config = (
	attachments: Partial<PolicyConfig['attachments']> = {},
	deepgram: Partial<PolicyConfig['deepgram']> = {}
): PolicyConfig => ({
	attachments: { gcsBucket: undefined, gcsApiEndpoint: undefined, ...attachments },
	deepgram: { apiKey: 'dg-key', apiUrl: 'https://api.deepgram.com', ...deepgram }
});

const page = (headers: Record<string, string>) => () =>
	new Response('<!doctype html>', { headers: { 'content-type': 'text/html', ...headers } });

describe('content policy', () => {
	it("lets the browser reach Deepgram's websocket, and only the configured bucket", () => {
		expect(runtimeSources(config())).toEqual({
			'img-src': [],
			'connect-src': ['https://api.deepgram.com', 'wss://api.deepgram.com']
		});
		expect(runtimeSources(config({ gcsBucket: 'team-files' }))['img-src']).toEqual([
			'https://storage.googleapis.com/team-files/'
		]);
		expect(
			runtimeSources(
				config({ gcsBucket: 'bkt', gcsApiEndpoint: 'http://127.0.0.1:4175/storage/v1' })
			)['img-src']
		).toEqual(['http://127.0.0.1:4175/bkt/']);
		// A bucket name that GCS would refuse adds nothing (nor a directive of its own).
		expect(
			runtimeSources(config({ gcsBucket: "x; script-src 'unsafe-inline'" }))['img-src']
		).toEqual([]);
	});

	it('adds no Deepgram origin when dictation is not set up', () => {
		expect(runtimeSources(config({}, { apiKey: undefined }))['connect-src']).toEqual([]);
	});

	it("adds sources to SvelteKit's policy, keeping its nonce", () => {
		const policy = withSources(KIT_POLICY, {
			'img-src': ['https://storage.googleapis.com/b/'],
			'connect-src': ['wss://api.deepgram.com']
		});
		expect(policy).toContain("img-src 'self' data: blob: https://storage.googleapis.com/b/;");
		expect(policy).toContain("connect-src 'self' wss://api.deepgram.com;");
		expect(policy).toContain("script-src 'self' 'nonce-abc==';");
		expect(policy.split('; ')).toHaveLength(KIT_POLICY.split('; ').length);
	});

	it('starts a missing directive from default-src', () => {
		expect(withSources("default-src 'self'", { 'img-src': ['data:'] })).toBe(
			"default-src 'self'; img-src 'self' data:"
		);
	});

	it("completes a page's header, and gives other HTML the strict fallback", async () => {
		const handle = contentPolicy(() => config());
		const rendered = await runGuard(
			handle,
			requestEvent('/'),
			page({ 'content-security-policy': KIT_POLICY })
		);
		expect(rendered.headers.get('content-security-policy')).toContain(
			"connect-src 'self' https://api.deepgram.com wss://api.deepgram.com;"
		);
		const other = await runGuard(handle, requestEvent('/'), page({}));
		expect(other.headers.get('content-security-policy')).toBe(FALLBACK_POLICY);
		const api = await runGuard(handle, requestEvent('/api/health'), () => Response.json({}));
		expect(api.headers.has('content-security-policy')).toBe(false);
	});
});

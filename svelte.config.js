import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { createHash } from 'node:crypto';

/**
 * The one inline style the app has: SvelteKit's route announcer (kit/src/core/sync/write_root.js),
 * which would otherwise show the page title after each navigation. The policy allows exactly it.
 */
const ANNOUNCER_STYLE =
	'position: absolute; left: 0; top: 0; clip: rect(0 0 0 0); clip-path: inset(50%); ' +
	'overflow: hidden; white-space: nowrap; width: 1px; height: 1px';
/** @type {`sha256-${string}`} */
const announcerHash = `sha256-${createHash('sha256').update(ANNOUNCER_STYLE).digest('base64')}`;

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	compilerOptions: {
		runes: true
	},
	kit: {
		// Overridable so two builds can run side by side (e2e suites of parallel work).
		adapter: adapter({ out: process.env.SB_BUILD_DIR ?? 'build' }),
		outDir: process.env.SB_KIT_DIR ?? '.svelte-kit',
		// SvelteKit's own check refuses cross-site form posts only, in plain text, before the hooks
		// run. security/cross-site.ts refuses every cross-site write (JSON 403 forbidden_origin),
		// so the built-in one is switched off ('*': every origin passes it; checkOrigin is deprecated).
		csrf: { trustedOrigins: ['*'] },
		// Model replies are untrusted: nothing in one may load from elsewhere (an image URL can
		// carry data away) or run. 'auto': SvelteKit adds a nonce for its inline scripts (and
		// app.html's, via %sveltekit.nonce%). The attachment bucket and Deepgram's origin come
		// from the configuration: security/content-policy.ts adds them per response.
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				// Svelte's styles are files; style: directives and transitions go through the CSSOM,
				// which the policy does not govern. No inline style attribute but the announcer's.
				'style-src': ['self'],
				'style-src-attr': ['unsafe-hashes', announcerHash],
				'img-src': ['self', 'data:', 'blob:'],
				'font-src': ['self'],
				'connect-src': ['self'],
				'object-src': ['none'],
				// Only the app's own artifact preview page (/artifact, sandboxed: security/artifact-page.ts).
				'frame-src': ['self'],
				'frame-ancestors': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};

export default config;

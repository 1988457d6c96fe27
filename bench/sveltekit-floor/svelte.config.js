import adapter from '@sveltejs/adapter-node';

/**
 * The SvelteKit floor of the bench (bench/lib/sveltekit-floor.ts): the app's framework and adapter
 * with one route and no hooks, so the bench can show what SvelteKit itself adds per request.
 * @type {import('@sveltejs/kit').Config}
 */
export default {
	kit: { adapter: adapter({ out: 'build' }), outDir: '.svelte-kit' }
};

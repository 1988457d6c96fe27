import { sveltekit } from '@sveltejs/kit/vite';
import { playwright } from '@vitest/browser-playwright';
import { configDefaults, defineConfig } from 'vitest/config';
import { findChromium } from './tests/support/chromium.js';

export default defineConfig({
	plugins: [sveltekit()],
	// Fonts stay files (KaTeX's would be inlined as data: URLs, which the policy's font-src refuses).
	build: {
		assetsInlineLimit: (file) => (/\.(woff2?|ttf|otf|eot)$/.test(file) ? false : undefined),
		// The API's schemas (zod calls at the top of each module) do nothing but define: the
		// page keeps those it uses, not every schema of the barrel (src/lib/api/index.ts).
		rolldownOptions: {
			treeshake: {
				moduleSideEffects: (id: string) => !/\/src\/lib\/api\/[\w-]+\.ts$/.test(id)
			}
		}
	},
	test: {
		testTimeout: 20_000,
		hookTimeout: 30_000,
		projects: [
			{
				extends: true,
				test: {
					name: 'server',
					include: ['tests/**/*.test.ts', 'src/**/*.test.ts'],
					exclude: [...configDefaults.exclude, 'tests/components/**'],
					environment: 'node'
				}
			},
			{
				extends: true,
				// Found only once a test imports them, these would be optimised mid-run and reload the page.
				optimizeDeps: { include: ['zod', 'eventsource-parser', 'katex', 'mermaid'] },
				test: {
					name: 'components',
					include: ['tests/components/**/*.test.ts'],
					setupFiles: ['tests/components/support/setup.ts'],
					unstubGlobals: true,
					browser: {
						enabled: true,
						headless: true,
						// Failure screenshots go with Playwright's results (ignored), not beside the tests.
						screenshotDirectory: 'test-results/components',
						// The Chromium the e2e suite uses too (CHROMIUM_PATH, Debian's, or Playwright's own).
						provider: playwright({
							launchOptions: {
								executablePath: findChromium(),
								// --no-sandbox: Chromium refuses to start as root with its sandbox on.
								args: [
									'--no-sandbox',
									'--disable-gpu',
									'--disable-background-networking',
									'--disable-component-update',
									'--no-first-run',
									'--disable-sync'
								]
							}
						}),
						instances: [{ browser: 'chromium' }]
					}
				}
			}
		]
	}
});

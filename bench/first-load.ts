/**
 * What the chat page makes the browser download before it can be used, and what rich replies
 * add when they need it: headless Chromium opens `/` of the built app and records every script
 * the page loads until it is ready (hydrated) and the network is idle, each gzipped here (level
 * 6, what servers and CDNs commonly use; the app itself serves them uncompressed, behind a proxy
 * that compresses). Then it asks for a reply with math (KaTeX and its stylesheet load) and one
 * with a Mermaid diagram (mermaid and the flowchart chunks load), and counts what each added.
 */
import { gzipSync } from 'node:zlib';
import { chromium, type Page, type Response } from '@playwright/test';
import { findChromium } from '../tests/support/chromium';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';

/** The chat page's first-load JavaScript, gzipped, must stay under this. */
const FIRST_LOAD_GOAL_KB = 150;

interface Loaded {
	scripts: number;
	js: number;
	css: number;
}

/** Gzipped bytes of the scripts and stylesheets answered while `work` runs. */
async function loadedDuring(page: Page, work: () => Promise<void>): Promise<Loaded> {
	const seen = new Map<string, Promise<{ kind: string; bytes: number }>>();
	const onResponse = (response: Response) => {
		const kind = response.request().resourceType();
		if ((kind !== 'script' && kind !== 'stylesheet') || seen.has(response.url())) return;
		seen.set(
			response.url(),
			response
				.body()
				.then((body) => ({ kind, bytes: gzipSync(body, { level: 6 }).length }))
				.catch(() => ({ kind, bytes: 0 }))
		);
	};
	page.on('response', onResponse);
	try {
		await work();
		await page.waitForLoadState('networkidle');
	} finally {
		page.off('response', onResponse);
	}
	const loaded: Loaded = { scripts: 0, js: 0, css: 0 };
	for (const { kind, bytes } of await Promise.all(seen.values())) {
		if (kind === 'script') {
			loaded.scripts++;
			loaded.js += bytes;
		} else loaded.css += bytes;
	}
	return loaded;
}

/** Sends `text` and waits for `ready` to show; false when it never does (a build without it). */
async function ask(page: Page, text: string, ready: string): Promise<boolean> {
	const composer = page.getByRole('textbox', { name: 'Message' });
	await composer.fill(text);
	await composer.press('Enter');
	return page
		.locator(ready)
		.first()
		.waitFor({ timeout: 30_000 })
		.then(
			() => true,
			() => false
		);
}

const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;

export function firstLoadBench(): BenchSection[] {
	return [
		{
			name: 'first-load',
			async run(ctx: BenchContext): Promise<BenchRow[]> {
				const browser = await chromium.launch({
					executablePath: findChromium(),
					args: ['--no-sandbox', '--disable-gpu']
				});
				try {
					const page = await browser.newPage();
					const first = await loadedDuring(page, async () => {
						await page.goto(`${ctx.appUrl}/`);
						await page.locator('html[data-ready="true"]').waitFor();
					});
					const drawn = { math: false, diagram: false };
					const math = await loadedDuring(page, async () => {
						drawn.math = await ask(
							page,
							'Math: $\\int_0^1 x^2\\,dx$ and $$\\sum_n \\frac{1}{n^2}$$',
							'.katex'
						);
					});
					const diagram = await loadedDuring(page, async () => {
						drawn.diagram = await ask(
							page,
							'Flow:\n\n```mermaid\ngraph TD\n  A --> B\n```',
							'.mermaid-diagram img'
						);
					});
					return [
						{
							what: `chat page first-load JS, gzip (${first.scripts} scripts; CSS ${kb(first.css)} KB)`,
							unit: 'KB',
							value: kb(first.js),
							goal: `≤ ${FIRST_LOAD_GOAL_KB} KB`,
							verdict: verdict(kb(first.js), FIRST_LOAD_GOAL_KB)
						},
						{
							what: `first reply with math: KaTeX loaded, gzip (JS; CSS ${kb(math.css)} KB)`,
							unit: 'KB',
							value: drawn.math ? kb(math.js) : undefined,
							...(drawn.math ? {} : { goal: 'not rendered by this build' })
						},
						{
							what: `first reply with a Mermaid flowchart: loaded, gzip (${diagram.scripts} scripts)`,
							unit: 'KB',
							value: drawn.diagram ? kb(diagram.js) : undefined,
							...(drawn.diagram ? {} : { goal: 'not rendered by this build' })
						}
					];
				} finally {
					await browser.close();
				}
			}
		}
	];
}

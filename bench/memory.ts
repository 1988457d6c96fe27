/**
 * What each heavy dependency costs in resident memory when imported: `npx tsx bench/memory.ts`.
 * Every package is imported alone in a fresh `node` (RSS and heap after a GC, against an empty
 * one), then all of them in the order the server used to load them (what each adds on top of the
 * ones before). Not part of `npm run bench`: it measures packages, not the app; the app's idle
 * RSS is the `server` row of the bench.
 */
import { execFileSync } from 'node:child_process';
import { root } from './lib/harness';

const PACKAGES = [
	'zod',
	'undici',
	'better-sqlite3',
	'drizzle-orm',
	'ajv',
	'@modelcontextprotocol/sdk/server/mcp.js',
	'@modelcontextprotocol/sdk/client/index.js',
	'@modelcontextprotocol/sdk/client/stdio.js',
	'@modelcontextprotocol/sdk/client/sse.js',
	'@modelcontextprotocol/sdk/client/streamableHttp.js',
	'file-type',
	'google-auth-library',
	'@googleapis/gmail',
	'@googleapis/drive',
	'@googleapis/calendar',
	'@google-cloud/storage',
	'@deepgram/sdk',
	'mathjs'
];

/** Imports `modules` in order in a fresh node; MB added by each (RSS, heap) after a GC. */
function probe(modules: string[]): { module: string; rss: number; heap: number }[] {
	const script = `
const mb = (n) => n / 1048576;
globalThis.gc();
let last = process.memoryUsage();
const out = [{ module: '(node)', rss: mb(last.rss), heap: mb(last.heapUsed) }];
for (const m of ${JSON.stringify(modules)}) {
	await import(m);
	globalThis.gc();
	const now = process.memoryUsage();
	out.push({ module: m, rss: mb(now.rss - last.rss), heap: mb(now.heapUsed - last.heapUsed) });
	last = now;
}
console.log(JSON.stringify(out));`;
	const output = execFileSync(
		process.execPath,
		['--expose-gc', '--input-type=module', '-e', script],
		{ cwd: root, encoding: 'utf8' }
	);
	return JSON.parse(output);
}

const line = (what: string, rss: number, heap: number) =>
	`${what.padEnd(52)} ${rss.toFixed(1).padStart(7)} MB ${heap.toFixed(1).padStart(7)} MB`;

console.log(`${'alone, in a fresh node'.padEnd(52)} ${'RSS'.padStart(10)} ${'heap'.padStart(10)}`);
for (const module of PACKAGES) {
	const [base, added] = probe([module]);
	if (module === PACKAGES[0]) console.log(line('(empty node)', base.rss, base.heap));
	console.log(line(module, added.rss, added.heap));
}
console.log(`\n${'all, one after the other (what each adds)'.padEnd(52)}`);
for (const { module, rss, heap } of probe(PACKAGES).slice(1)) console.log(line(module, rss, heap));

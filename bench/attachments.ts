/**
 * Attachment numbers (issue 5): how fast a 10 MB upload goes through POST /api/uploads (limit
 * check, type sniffing, sha-256, storage write), and the server's memory while 20 of them run
 * at once. Both storages: local disk and GCS (the stand-in, through the real client library).
 * Needs the app build:  npx tsx bench/attachments.ts [--quick]   or benchAttachments() from run.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeServiceAccountKey, startGcsStandin } from '../tests/support/gcs-standin';
import {
	ensureBuild,
	freePort,
	printTable,
	root,
	rssMb,
	startApp,
	verdict,
	type BenchRow
} from './lib/harness';
import { summarize, timeRuns } from './lib/stats';

export interface AttachmentBenchOptions {
	/** Timed single uploads per storage. */
	runs?: number;
	warmup?: number;
	/** Uploads in flight at once for the memory measurement. */
	concurrent?: number;
	sizeMb?: number;
}

const MB = 1024 * 1024;

/** A PDF-typed payload: the sniffer needs only the header, the rest is incompressible bytes. */
function payload(sizeMb: number): Blob {
	const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
	return new Blob([header, randomBytes(sizeMb * MB - header.length)], { type: 'application/pdf' });
}

async function upload(appUrl: string, file: Blob): Promise<void> {
	const form = new FormData();
	form.append('file', file, 'bench.pdf');
	// SvelteKit refuses cross-site form posts: say where the request comes from, as a browser does.
	const response = await fetch(`${appUrl}/api/uploads`, {
		method: 'POST',
		body: form,
		headers: { origin: appUrl }
	});
	if (response.status !== 201)
		throw new Error(`upload answered ${response.status}: ${await response.text()}`);
	await response.arrayBuffer();
}

async function measure(
	storage: string,
	appUrl: string,
	pid: number,
	options: Required<AttachmentBenchOptions>
): Promise<BenchRow[]> {
	const file = payload(options.sizeMb);
	const times = await timeRuns(() => upload(appUrl, file), {
		runs: options.runs,
		warmup: options.warmup
	});
	const s = summarize(times);
	const throughput = (ms: number) => options.sizeMb / (ms / 1000);

	await new Promise((resolve) => setTimeout(resolve, 500));
	const before = rssMb(pid);
	let peak = before;
	const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 10);
	const started = performance.now();
	try {
		await Promise.all(Array.from({ length: options.concurrent }, () => upload(appUrl, file)));
	} finally {
		clearInterval(sampler);
	}
	const wallMs = performance.now() - started;
	peak = Math.max(peak, rssMb(pid));
	const inFlightMb = options.concurrent * options.sizeMb;

	return [
		{
			what: `${options.sizeMb} MB upload (${storage})`,
			unit: 'ms',
			n: s.n,
			p50: s.p50,
			p99: s.p99
		},
		{
			what: `${options.sizeMb} MB upload throughput (${storage}, p50)`,
			unit: '',
			value: throughput(s.p50),
			goal: 'MB/s'
		},
		{
			what: `RSS before ${options.concurrent} concurrent uploads (${storage})`,
			unit: 'MB',
			value: before
		},
		{
			what: `RSS peak during ${options.concurrent} × ${options.sizeMb} MB (${storage})`,
			unit: 'MB',
			value: peak,
			goal: `growth ≤ ${inFlightMb * 2} MB (2× in flight)`,
			verdict: verdict(peak - before, inFlightMb * 2, inFlightMb * 3)
		},
		{
			what: `${options.concurrent} concurrent uploads, wall time (${storage})`,
			unit: 's',
			value: wallMs / 1000
		}
	];
}

export async function benchAttachments(
	options: AttachmentBenchOptions = {}
): Promise<{ section: string; rows: BenchRow[] }[]> {
	const o: Required<AttachmentBenchOptions> = {
		runs: 20,
		warmup: 3,
		concurrent: 20,
		sizeMb: 10,
		...options
	};
	const log = (message: string) => console.log(`[bench:attachments] ${message}`);
	const buildDir = path.resolve(root, process.env.SB_BUILD_DIR ?? 'build');
	ensureBuild(buildDir, log);

	const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-bench-attachments-'));
	const key = makeServiceAccountKey(dir);
	const gcs = await startGcsStandin({ publicKeyPem: key.publicKeyPem });
	const stops: (() => Promise<void>)[] = [() => gcs.close()];
	const results: { section: string; rows: BenchRow[] }[] = [];
	try {
		for (const storage of ['local', 'gcs'] as const) {
			const port = await freePort();
			const env: Record<string, string> = {
				HOST: '127.0.0.1',
				PORT: String(port),
				ORIGIN: `http://127.0.0.1:${port}`,
				BODY_SIZE_LIMIT: '25M',
				DATA_DIR: path.join(dir, storage, 'data'),
				LOG_DIR: path.join(dir, storage, 'logs'),
				...(storage === 'gcs'
					? {
							ATTACHMENTS_GCS_BUCKET: gcs.bucket,
							GCS_API_ENDPOINT: gcs.url,
							GOOGLE_APPLICATION_CREDENTIALS: key.keyFile
						}
					: {})
			};
			const app = await startApp(buildDir, env);
			stops.unshift(app.stop);
			log(`${storage}: app ${app.url} (pid ${app.pid})`);
			try {
				results.push({
					section: `attachments: ${storage}`,
					rows: await measure(storage, app.url, app.pid, o)
				});
			} catch (error) {
				log(
					`${storage}: failed (${(error as Error).message}); the app said:\n${app.output().slice(-4000)}`
				);
				throw error;
			}
			await app.stop();
			gcs.objects.clear();
		}
	} finally {
		for (const stop of stops) await stop().catch(() => {});
		rmSync(dir, { recursive: true, force: true });
	}
	printTable(results);
	return results;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const quick = process.argv.includes('--quick');
	await benchAttachments(quick ? { runs: 5, warmup: 1 } : {});
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAttachments } from '$lib/server/attachments';
import { GET as CONTENT } from '../../src/routes/api/attachments/[id]/content/+server';
import { ChatAttachmentService, type ModelInputs } from '$lib/server/chat/attachments';
import { ChatRepository } from '$lib/server/chat/repository';
import { loadConfig, type Config } from '$lib/server/config';
import { openDatabase } from '$lib/server/db/client';
import { silentLogger, type Logger } from '$lib/server/log';
import type { Transport } from '$lib/server/openrouter/transport';
import { createServices, type Services } from '$lib/server/services';
import { FIXTURES } from './fixtures';
import { makeServiceAccountKey, startGcsStandin, type GcsStandin } from '../support/gcs-standin';

export type StorageMode = 'local' | 'gcs';
export const MODES: StorageMode[] = ['local', 'gcs'];

const cleanups: (() => unknown)[] = [];
export const later = (cleanup: () => unknown) => cleanups.push(cleanup);
export async function cleanUp(): Promise<void> {
	while (cleanups.length) await cleanups.pop()!();
}

export function tempDir(): string {
	const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-attachments-'));
	later(() => rmSync(dir, { recursive: true, force: true }));
	return dir;
}

/**
 * A clock tests move by hand (the reaper and URL expiry are never slept for). It starts at the
 * real time and only moves forward: the GCS client refuses to sign a URL that expired in real time.
 */
export function testClock() {
	let current = Date.now();
	return {
		now: () => new Date(current),
		advance(ms: number) {
			current += ms;
		}
	};
}
export const DAY = 24 * 60 * 60 * 1000;

/** One GCS stand-in with a throwaway service account, shared by a test file; honours its own clock. */
export async function gcsFixture(clock?: { now: () => Date }) {
	const dir = mkdtempSync(path.join(tmpdir(), 'switchboard-gcs-key-'));
	const key = makeServiceAccountKey(dir);
	const standin = await startGcsStandin({
		publicKeyPem: key.publicKeyPem,
		now: () => (clock ? clock.now() : new Date())
	});
	return {
		key,
		standin,
		close: async () => {
			await standin.close();
			rmSync(dir, { recursive: true, force: true });
		}
	};
}

/** Env for the app's config: GCS when a stand-in is given, else local disk. */
export function attachmentEnv(
	mode: StorageMode,
	gcs?: { key: { keyFile: string }; standin: GcsStandin },
	extra: Record<string, string> = {}
): Record<string, string> {
	const dir = tempDir();
	const env: Record<string, string> = {
		DATA_DIR: path.join(dir, 'data'),
		LOG_DIR: path.join(dir, 'logs'),
		ORIGIN: 'http://127.0.0.1:3000',
		...extra
	};
	if (mode === 'gcs') {
		if (!gcs) throw new Error('gcs mode needs the stand-in');
		Object.assign(env, {
			ATTACHMENTS_GCS_BUCKET: gcs.standin.bucket,
			GCS_API_ENDPOINT: gcs.standin.url,
			GOOGLE_APPLICATION_CREDENTIALS: gcs.key.keyFile
		});
	}
	return env;
}

export interface Harness {
	config: Config;
	service: ReturnType<typeof createAttachments>['service'];
	reaper: ReturnType<typeof createAttachments>['reaper'];
	storage: ReturnType<typeof createAttachments>['storage'];
	/** The chat's view of the same attachments (model checks, upstream parts). */
	chat: ChatAttachmentService;
	chats: ChatRepository;
	db: ReturnType<typeof openDatabase>;
}

/** The attachment service and reaper over real SQLite and real storage, built like services.ts does. */
export function harness(
	env: Record<string, string>,
	options: { now?: () => Date; log?: Logger; modelInputs?: ModelInputs } = {}
): Harness {
	const config = loadConfig(env);
	const db = openDatabase(config.dataDir);
	later(() => db.$client.close());
	const { service, reaper, storage } = createAttachments(config, {
		db,
		log: options.log ?? silentLogger,
		now: options.now
	});
	later(() => reaper.stop());
	const chat = new ChatAttachmentService({
		store: service,
		log: options.log ?? silentLogger,
		modelInputs: options.modelInputs
	});
	return { config, service, reaper, storage, chat, chats: new ChatRepository(db), db };
}

/** Follows a signed URL like a browser: GCS URLs over HTTP, local ones through the app's route. */
export async function fetchSigned(
	h: Pick<Harness, 'service'>,
	signedUrl: string
): Promise<Response> {
	if (/^https?:/.test(signedUrl)) return fetch(signedUrl);
	const url = new URL(signedUrl, 'http://127.0.0.1:3000');
	const id = url.pathname.split('/')[3];
	const event = {
		url,
		params: { id },
		request: new Request(url),
		locals: { services: { attachments: h.service } }
	};
	return (await CONTENT(event as never)) as Response;
}

export { FIXTURES, makePng } from './fixtures';

/** A multipart upload request exactly as a browser's FormData produces it. */
export function uploadRequest(
	file: { data: Buffer; name: string; type?: string } | undefined,
	fields: Record<string, string> = {}
): Request {
	const form = new FormData();
	if (file)
		form.append(
			'file',
			new Blob([new Uint8Array(file.data)], { type: file.type ?? '' }),
			file.name
		);
	for (const [key, value] of Object.entries(fields)) form.append(key, value);
	return new Request('http://127.0.0.1:3000/api/uploads', { method: 'POST', body: form });
}

/** The whole app's services from the real composition root, started as in production (the reaper too). */
export function appServices(
	env: Record<string, string>,
	options: { now?: () => Date; transport?: Transport } = {}
): Services {
	const services = createServices(loadConfig(env), {
		log: silentLogger,
		demoTokenDelayMs: 0,
		...options
	});
	later(() => services.close());
	services.start();
	return services;
}

/** Calls a route handler the way SvelteKit does. */
export async function call(
	handler: (event: never) => unknown,
	services: Services,
	path: string,
	options: {
		params?: Record<string, string>;
		request?: Request;
		method?: string;
		json?: unknown;
	} = {}
): Promise<Response> {
	const url = new URL(path, 'http://127.0.0.1:3000');
	const request =
		options.request ??
		new Request(url, {
			method: options.method ?? (options.json === undefined ? 'GET' : 'POST'),
			...(options.json !== undefined
				? { body: JSON.stringify(options.json), headers: { 'content-type': 'application/json' } }
				: {})
		});
	return (await handler({
		url,
		request,
		params: options.params ?? {},
		locals: { services }
	} as never)) as Response;
}

export async function errorOf(
	response: Response
): Promise<{ status: number; code: string; message: string }> {
	const body = (await response.json()) as { error: { code: string; message: string } };
	return { status: response.status, ...body.error };
}

import { createHash, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/**
 * A local Google Cloud Storage speaking the JSON API the real @google-cloud/storage client uses:
 * resumable uploads (single request and chunked, 308 + Range), multipart uploads, object get/media/delete/list, all with correct base64 `crc32c` and
 * `md5Hash`; and v4 signed read URLs at `/{bucket}/{object}`, checked against the service
 * account's public key and their X-Goog-Date + X-Goog-Expires (time injectable).
 */

export interface StoredObject {
	name: string;
	data: Buffer;
	contentType: string;
	metadata: Record<string, unknown>;
	generation: string;
	timeCreated: Date;
}

export interface GcsStandinOptions {
	port?: number;
	bucket?: string;
	/** Public key (PEM) of the service account whose signed URLs are honoured. */
	publicKeyPem?: string;
	now?: () => Date;
}

export interface GcsStandin {
	url: string;
	port: number;
	bucket: string;
	objects: Map<string, StoredObject>;
	/** Method and path (no query: signatures stay out of test output) of every request. */
	requests: { method: string; path: string; uploadType?: string }[];
	close(): Promise<void>;
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as GCS reports it: big-endian, base64.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
	return c >>> 0;
});

export function crc32c(data: Buffer): string {
	let crc = 0xffffffff;
	for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
	const out = Buffer.alloc(4);
	out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
	return out.toString('base64');
}

export const md5Base64 = (data: Buffer) => createHash('md5').update(data).digest('base64');

export interface ServiceAccountKey {
	keyFile: string;
	clientEmail: string;
	publicKeyPem: string;
}

/** A throwaway service-account key file (fresh RSA pair) like the JSON Google hands out. */
export function makeServiceAccountKey(
	dir: string,
	projectId = 'switchboard-test'
): ServiceAccountKey {
	const { privateKey, publicKey } = generateKeyPairSync('rsa', {
		modulusLength: 2048,
		privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
		publicKeyEncoding: { type: 'spki', format: 'pem' }
	});
	const clientEmail = `attachments@${projectId}.iam.gserviceaccount.com`;
	const keyFile = path.join(dir, 'service-account.json');
	writeFileSync(
		keyFile,
		JSON.stringify({
			type: 'service_account',
			project_id: projectId,
			private_key_id: randomUUID(),
			private_key: privateKey,
			client_email: clientEmail,
			client_id: '1'
		}),
		{ mode: 0o600 }
	);
	return { keyFile, clientEmail, publicKeyPem: publicKey };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

function sendJson(
	res: ServerResponse,
	status: number,
	body: unknown,
	headers: Record<string, string> = {}
) {
	res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
	res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, reason = 'invalid') {
	sendJson(res, status, {
		error: { code: status, message, errors: [{ message, domain: 'global', reason }] }
	});
}

/** Strict RFC 3986 encoding, as the client's signer canonicalises query parameters. */
const strictEncode = (value: string) =>
	encodeURIComponent(value).replace(
		/[!'()*]/g,
		(c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
	);

function parseMultipartRelated(
	body: Buffer,
	contentType: string
): { metadata: Record<string, unknown>; data: Buffer; dataType?: string } {
	const boundary =
		contentType.match(/boundary=(?:"([^"]+)"|([^;]+))/)?.[1] ??
		contentType.match(/boundary=([^;]+)/)?.[1];
	if (!boundary) throw new Error('no boundary');
	const delimiter = Buffer.from(`--${boundary.trim()}`);
	const parts: { headers: string; data: Buffer }[] = [];
	let at = body.indexOf(delimiter);
	while (at >= 0) {
		const start = at + delimiter.length;
		if (body.subarray(start, start + 2).toString() === '--') break;
		const next = body.indexOf(delimiter, start);
		const part = body.subarray(start + 2, next < 0 ? body.length : next - 2); // skip CRLF after delimiter, before next
		const split = part.indexOf('\r\n\r\n');
		parts.push({ headers: part.subarray(0, split).toString(), data: part.subarray(split + 4) });
		at = next;
	}
	const [meta, media] = parts;
	return {
		metadata: JSON.parse(meta.data.toString() || '{}'),
		data: Buffer.from(media.data),
		dataType: media.headers.match(/content-type:\s*([^\r\n]+)/i)?.[1]
	};
}

export async function startGcsStandin(options: GcsStandinOptions = {}): Promise<GcsStandin> {
	const bucket = options.bucket ?? 'switchboard-test';
	const now = options.now ?? (() => new Date());
	const objects = new Map<string, StoredObject>();
	const requests: GcsStandin['requests'] = [];
	const sessions = new Map<
		string,
		{
			name: string;
			contentType: string;
			metadata: Record<string, unknown>;
			chunks: Buffer[];
			size: number;
			done?: StoredObject;
		}
	>();
	let generation = Date.now() * 1000;
	let base = '';

	const resource = (object: StoredObject) => {
		const encoded = encodeURIComponent(object.name);
		return {
			kind: 'storage#object',
			id: `${bucket}/${object.name}/${object.generation}`,
			selfLink: `${base}/storage/v1/b/${bucket}/o/${encoded}`,
			mediaLink: `${base}/download/storage/v1/b/${bucket}/o/${encoded}?generation=${object.generation}&alt=media`,
			name: object.name,
			bucket,
			generation: object.generation,
			metageneration: '1',
			contentType: object.contentType,
			storageClass: 'STANDARD',
			size: String(object.data.length),
			md5Hash: md5Base64(object.data),
			crc32c: crc32c(object.data),
			etag: Buffer.from(object.generation).toString('base64'),
			timeCreated: object.timeCreated.toISOString(),
			updated: object.timeCreated.toISOString(),
			timeStorageClassUpdated: object.timeCreated.toISOString(),
			...object.metadata
		};
	};

	const store = (
		name: string,
		data: Buffer,
		contentType: string | undefined,
		metadata: Record<string, unknown>
	): StoredObject => {
		const {
			name: _n,
			contentType: metaType,
			...rest
		} = metadata as { name?: string; contentType?: string };
		const object: StoredObject = {
			name,
			data,
			contentType: contentType || metaType || 'application/octet-stream',
			metadata: rest,
			generation: String(++generation),
			timeCreated: now()
		};
		objects.set(name, object);
		return object;
	};

	const sendMedia = (
		res: ServerResponse,
		object: StoredObject,
		extra: Record<string, string> = {}
	) => {
		res.writeHead(200, {
			'content-type': object.contentType,
			'content-length': String(object.data.length),
			'x-goog-hash': `crc32c=${crc32c(object.data)},md5=${md5Base64(object.data)}`,
			'x-goog-stored-content-encoding': 'identity',
			'x-goog-generation': object.generation,
			...extra
		});
		res.end(object.data);
	};

	/** v4 signed read URL: GET /{bucket}/{object}?X-Goog-Algorithm=...&X-Goog-Signature=... */
	const serveSigned = (req: IncomingMessage, res: ServerResponse, url: URL, objectName: string) => {
		const query = url.searchParams;
		const signature = query.get('X-Goog-Signature');
		const date = query.get('X-Goog-Date');
		const expires = Number(query.get('X-Goog-Expires'));
		if (!signature || !date || !Number.isFinite(expires) || !options.publicKeyPem) {
			return sendError(
				res,
				403,
				'Anonymous caller does not have storage.objects.get access.',
				'forbidden'
			);
		}
		const signedAt = Date.UTC(
			+date.slice(0, 4),
			+date.slice(4, 6) - 1,
			+date.slice(6, 8),
			+date.slice(9, 11),
			+date.slice(11, 13),
			+date.slice(13, 15)
		);
		const canonicalQuery = [...query.entries()]
			.filter(([key]) => key !== 'X-Goog-Signature')
			.map(([key, value]) => [strictEncode(key), strictEncode(value)])
			.sort((a, b) => (a[0] < b[0] ? -1 : 1))
			.map(([key, value]) => `${key}=${value}`)
			.join('&');
		const host = (req.headers.host ?? '').replace(/:\d+$/, '');
		const canonicalRequest = [
			'GET',
			url.pathname,
			canonicalQuery,
			`host:${host}\n`,
			'host',
			'UNSIGNED-PAYLOAD'
		].join('\n');
		const credentialScope = (query.get('X-Goog-Credential') ?? '').split('/').slice(1).join('/');
		const stringToSign = [
			'GOOG4-RSA-SHA256',
			date,
			credentialScope,
			createHash('sha256').update(canonicalRequest).digest('hex')
		].join('\n');
		const valid = createVerify('RSA-SHA256')
			.update(stringToSign)
			.verify(options.publicKeyPem, Buffer.from(signature, 'hex'));
		if (!valid)
			return sendError(
				res,
				403,
				'The request signature we calculated does not match the signature you provided.',
				'SignatureDoesNotMatch'
			);
		if (now().getTime() >= signedAt + expires * 1000)
			return sendError(res, 400, 'Request has expired', 'ExpiredToken');
		const object = objects.get(objectName);
		if (!object) return sendError(res, 404, 'The specified key does not exist.', 'NoSuchKey');
		const extra: Record<string, string> = {};
		if (query.get('response-content-type'))
			extra['content-type'] = query.get('response-content-type')!;
		if (query.get('response-content-disposition'))
			extra['content-disposition'] = query.get('response-content-disposition')!;
		sendMedia(res, object, extra);
	};

	const handle = async (req: IncomingMessage, res: ServerResponse) => {
		const url = new URL(req.url ?? '/', base);
		const method = req.method ?? 'GET';
		const uploadType = url.searchParams.get('uploadType') ?? undefined;
		requests.push({ method, path: url.pathname, ...(uploadType ? { uploadType } : {}) });
		// The JSON API lives under /storage/v1 (apiEndpoint) or / (STORAGE_EMULATOR_HOST).
		const api = url.pathname
			.replace(/^\/storage\/v1(?=\/b\/)/, '')
			.replace(/^\/download\/storage\/v1(?=\/b\/)/, '');
		const upload = url.pathname.match(/^\/upload\/storage\/v1\/b\/([^/]+)\/o$/);
		const objectPath = api.match(/^\/b\/([^/]+)\/o(?:\/(.+))?$/);

		if (upload) {
			if (upload[1] !== bucket)
				return sendError(res, 404, 'The specified bucket does not exist.', 'notFound');
			if (method === 'POST' && uploadType === 'resumable') {
				const metadata = JSON.parse((await readBody(req)).toString() || '{}');
				const name = url.searchParams.get('name') ?? metadata.name;
				if (!name) return sendError(res, 400, 'Required object name');
				const id = randomUUID();
				sessions.set(id, {
					name,
					contentType: String(req.headers['x-upload-content-type'] ?? ''),
					metadata,
					chunks: [],
					size: 0
				});
				res.writeHead(200, {
					location: `${base}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`
				});
				return res.end();
			}
			if (method === 'PUT' && url.searchParams.get('upload_id')) {
				const session = sessions.get(url.searchParams.get('upload_id')!);
				if (!session) return sendError(res, 404, 'No such upload session', 'notFound');
				const body = await readBody(req);
				const range = String(req.headers['content-range'] ?? '');
				const status = range.match(/^bytes \*\/(\*|\d+)$/);
				if (session.done) return sendJson(res, 200, resource(session.done));
				if (!status) {
					const match = range.match(/^bytes (\d+)-(\d+|\*)\/(\d+|\*)$/);
					if (!match) return sendError(res, 400, `Bad Content-Range: ${range}`);
					const start = Number(match[1]);
					if (start > session.size)
						return sendError(res, 400, 'Chunk starts past the received bytes');
					const fresh = body.subarray(session.size - start); // a retried chunk may overlap
					session.chunks.push(fresh);
					session.size += fresh.length;
					const total = match[3] === '*' ? undefined : Number(match[3]);
					const complete = match[2] === '*' || (total !== undefined && session.size >= total);
					if (complete) {
						session.done = store(
							session.name,
							Buffer.concat(session.chunks),
							session.contentType,
							session.metadata
						);
						return sendJson(res, 200, resource(session.done));
					}
				}
				res.writeHead(308, session.size ? { range: `bytes=0-${session.size - 1}` } : {});
				return res.end();
			}
			if (method === 'POST' && uploadType === 'multipart') {
				const body = await readBody(req);
				let parsed: ReturnType<typeof parseMultipartRelated>;
				try {
					parsed = parseMultipartRelated(body, String(req.headers['content-type'] ?? ''));
				} catch {
					return sendError(res, 400, 'Malformed multipart body');
				}
				const name = url.searchParams.get('name') ?? (parsed.metadata.name as string | undefined);
				if (!name) return sendError(res, 400, 'Required object name');
				return sendJson(
					res,
					200,
					resource(store(name, parsed.data, parsed.dataType, parsed.metadata))
				);
			}
			return sendError(res, 400, 'Unsupported upload request');
		}

		if (objectPath) {
			if (objectPath[1] !== bucket)
				return sendError(res, 404, 'The specified bucket does not exist.', 'notFound');
			const name = objectPath[2] === undefined ? undefined : decodeURIComponent(objectPath[2]);
			if (name === undefined && method === 'GET') {
				const prefix = url.searchParams.get('prefix') ?? '';
				const max = Number(url.searchParams.get('maxResults') ?? 1000);
				const start = Number(url.searchParams.get('pageToken') ?? 0);
				const names = [...objects.keys()].filter((key) => key.startsWith(prefix)).sort();
				const page = names.slice(start, start + max);
				return sendJson(res, 200, {
					kind: 'storage#objects',
					...(page.length ? { items: page.map((key) => resource(objects.get(key)!)) } : {}),
					...(start + max < names.length ? { nextPageToken: String(start + max) } : {})
				});
			}
			const object = name === undefined ? undefined : objects.get(name);
			if (!object) return sendError(res, 404, `No such object: ${bucket}/${name}`, 'notFound');
			if (method === 'GET')
				return url.searchParams.get('alt') === 'media'
					? sendMedia(res, object)
					: sendJson(res, 200, resource(object));
			if (method === 'DELETE') {
				objects.delete(object.name);
				res.writeHead(204);
				return res.end();
			}
			return sendError(res, 405, 'Method not allowed');
		}

		const signed = url.pathname.match(/^\/([^/]+)\/(.+)$/);
		if (method === 'GET' && signed && signed[1] === bucket)
			return serveSigned(req, res, url, decodeURIComponent(signed[2]));
		sendError(res, 404, 'Not found', 'notFound');
	};

	const server = createServer((req, res) => {
		handle(req, res).catch((error) => {
			if (!res.headersSent) sendError(res, 400, String(error));
			else res.destroy();
		});
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	base = `http://127.0.0.1:${port}`;
	return {
		url: base,
		port,
		bucket,
		objects,
		requests,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

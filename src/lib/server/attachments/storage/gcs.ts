import type { Bucket, StorageOptions } from '@google-cloud/storage';
import { readFileSync } from 'node:fs';
import { contentDisposition } from '../file-name';
import type { BlobStorage, SignRequest, StoredBlob } from './storage';

export interface GcsOptions {
	bucket: string;
	/** GCS_API_ENDPOINT: a custom endpoint (e.g. the test stand-in); no OAuth is sent to it. */
	apiEndpoint?: string;
	/** GOOGLE_APPLICATION_CREDENTIALS: a service-account key file (its private key signs URLs offline). */
	keyFile?: string;
	/** Object name prefix, so a shared bucket's other objects are never touched by the reaper. */
	prefix?: string;
}

/** Above this, uploads go resumable (chunk-retryable); below, one multipart request is cheaper. */
const RESUMABLE_FROM_BYTES = 8 * 1024 * 1024;
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface ServiceAccountKey {
	client_email?: string;
	private_key?: string;
	project_id?: string;
}

function readKey(file: string): ServiceAccountKey {
	let key: ServiceAccountKey;
	try {
		key = JSON.parse(readFileSync(file, 'utf8'));
	} catch (error) {
		throw new Error(
			`GOOGLE_APPLICATION_CREDENTIALS: cannot read a JSON key from ${file} (${(error as Error).message})`
		);
	}
	if (!key.client_email || !key.private_key) {
		throw new Error(
			`GOOGLE_APPLICATION_CREDENTIALS: ${file} has no client_email/private_key (a service-account key is needed to sign URLs)`
		);
	}
	return key;
}

function notFound(error: unknown): boolean {
	return (error as { code?: unknown }).code === 404;
}

/**
 * Attachments in a private GCS bucket, read through v4 signed URLs. The client library (about
 * 13 MB resident with its Google auth stack) is loaded at the first use, not at start-up; the key
 * file is still read here, so a bad one stops the start.
 */
export class GcsBlobStorage implements BlobStorage {
	readonly kind = 'gcs';
	readonly #storageOptions: StorageOptions;
	readonly #bucketName: string;
	#loading: Promise<Bucket> | undefined;
	readonly #prefix: string;
	readonly #ownName: RegExp;

	constructor(options: GcsOptions) {
		const key = options.keyFile ? readKey(options.keyFile) : undefined;
		this.#storageOptions = {
			...(options.apiEndpoint ? { apiEndpoint: options.apiEndpoint } : {}),
			...(key?.project_id ? { projectId: key.project_id } : {}),
			...(key
				? { credentials: { client_email: key.client_email, private_key: key.private_key } }
				: {})
		};
		this.#bucketName = options.bucket;
		this.#prefix = options.prefix ?? 'attachments/';
		this.#ownName = new RegExp(`^${this.#prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}${UUID}$`);
	}

	blobName(attachmentId: string): string {
		return `${this.#prefix}${attachmentId}`;
	}

	/** The bucket, the library loaded once (a failed load is tried again at the next call). */
	#bucket(): Promise<Bucket> {
		this.#loading ??= import('@google-cloud/storage').then(
			({ Storage }) => new Storage(this.#storageOptions).bucket(this.#bucketName),
			(error) => {
				this.#loading = undefined;
				throw error;
			}
		);
		return this.#loading;
	}

	async put(blob: string, data: Buffer, contentType: string): Promise<void> {
		await (await this.#bucket()).file(blob).save(data, {
			contentType,
			resumable: data.length >= RESUMABLE_FROM_BYTES,
			validation: 'crc32c',
			metadata: { cacheControl: 'private, max-age=0' }
		});
	}

	async get(blob: string): Promise<Buffer | undefined> {
		try {
			const [data] = await (await this.#bucket()).file(blob).download();
			return data;
		} catch (error) {
			if (notFound(error)) return undefined;
			throw error;
		}
	}

	async delete(blob: string): Promise<void> {
		await (await this.#bucket()).file(blob).delete({ ignoreNotFound: true });
	}

	async *list(): AsyncIterable<StoredBlob> {
		const bucket = await this.#bucket();
		let pageToken: string | undefined;
		do {
			const [files, next] = await bucket.getFiles({
				prefix: this.#prefix,
				autoPaginate: false,
				maxResults: 500,
				pageToken
			});
			for (const file of files) {
				if (!this.#ownName.test(file.name)) continue;
				const created = file.metadata.timeCreated;
				if (created) yield { name: file.name, createdAt: new Date(created) };
			}
			pageToken = (next as { pageToken?: string } | null)?.pageToken;
		} while (pageToken);
	}

	async signUrl({ blob, fileName, mimeType, now, expiresAt }: SignRequest): Promise<string> {
		const [url] = await (await this.#bucket()).file(blob).getSignedUrl({
			version: 'v4',
			action: 'read',
			accessibleAt: now,
			expires: expiresAt,
			responseType: mimeType,
			responseDisposition: contentDisposition('inline', fileName)
		});
		return url;
	}
}

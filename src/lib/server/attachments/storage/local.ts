import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalUrlSigner } from '../url-signer';
import type { BlobStorage, SignRequest, StoredBlob } from './storage';

const BLOB_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TEMP_NAME = /^\.tmp-[0-9a-f-]{36}$/;

/** Attachments as files in one folder, named by attachment id; served by the app's own route. */
export class LocalBlobStorage implements BlobStorage {
	readonly kind = 'local';

	constructor(
		private readonly dir: string,
		private readonly signer: LocalUrlSigner
	) {
		mkdirSync(dir, { recursive: true, mode: 0o700 });
	}

	blobName(attachmentId: string): string {
		return attachmentId;
	}

	#path(blob: string): string {
		// Names come from the service, but a path is only ever built from a name this class made.
		if (!BLOB_NAME.test(blob) && !TEMP_NAME.test(blob)) throw new Error(`Not a blob name: ${blob}`);
		return path.join(this.dir, blob);
	}

	async put(blob: string, data: Buffer): Promise<void> {
		const target = this.#path(blob);
		const temp = this.#path(`.tmp-${randomUUID()}`);
		// Write then rename, so a crash never leaves a half-written blob under its real name.
		await writeFile(temp, data, { mode: 0o600, flag: 'wx' });
		try {
			await rename(temp, target);
		} catch (error) {
			await rm(temp, { force: true });
			throw error;
		}
	}

	async get(blob: string): Promise<Buffer | undefined> {
		try {
			return await readFile(this.#path(blob));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
			throw error;
		}
	}

	async delete(blob: string): Promise<void> {
		await rm(this.#path(blob), { force: true });
	}

	async *list(): AsyncIterable<StoredBlob> {
		for (const name of await readdir(this.dir)) {
			if (!BLOB_NAME.test(name) && !TEMP_NAME.test(name)) continue;
			const info = await stat(path.join(this.dir, name)).catch(() => undefined);
			if (info?.isFile()) yield { name, createdAt: info.mtime };
		}
	}

	async signUrl({ attachmentId, expiresAt }: SignRequest): Promise<string> {
		return this.signer.sign(attachmentId, expiresAt);
	}
}

import path from 'node:path';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Logger } from '../log';
import { AttachmentReaper, ReapingSet } from './reaper';
import { AttachmentRepository } from './repository';
import { AttachmentService } from './service';
import { GcsBlobStorage } from './storage/gcs';
import { LocalBlobStorage } from './storage/local';
import type { BlobStorage } from './storage/storage';
import { LocalUrlSigner, loadOrCreateSecret } from './url-signer';

export { AttachmentService } from './service';
export { AttachmentReaper } from './reaper';

export interface AttachmentsDeps {
	db: Db;
	log: Logger;
	now?: () => Date;
}

/** The secret of local download URLs; beside the database, never inside the blob folder. */
export const URL_SECRET_FILE = 'attachment-url.key';

/** GCS when a bucket is configured, else local disk. */
export function createAttachments(
	config: Config,
	deps: AttachmentsDeps
): { service: AttachmentService; reaper: AttachmentReaper; storage: BlobStorage } {
	const options = config.attachments;
	let storage: BlobStorage;
	let signer: LocalUrlSigner | undefined;
	if (options.gcsBucket) {
		storage = new GcsBlobStorage({
			bucket: options.gcsBucket,
			apiEndpoint: options.gcsApiEndpoint,
			keyFile: options.googleApplicationCredentials
		});
	} else {
		signer = new LocalUrlSigner(loadOrCreateSecret(path.join(config.dataDir, URL_SECRET_FILE)));
		storage = new LocalBlobStorage(
			options.legacyDir ?? path.join(config.dataDir, 'attachments'),
			signer
		);
	}
	const repo = new AttachmentRepository(deps.db);
	const log = deps.log.child({ component: 'attachments' });
	const reaping = new ReapingSet();
	const service = new AttachmentService({
		repo,
		storage,
		log,
		signer,
		maxSizeBytes: options.maxSizeBytes,
		signedUrlTtlSeconds: options.signedUrlTtlSeconds,
		reaping,
		now: deps.now
	});
	const reaper = new AttachmentReaper({
		repo,
		storage,
		log,
		retentionDays: options.retentionDays,
		reaping,
		now: deps.now
	});
	return { service, reaper, storage };
}

/** What a signed URL may tell the download side about the file it serves. */
export interface SignRequest {
	attachmentId: string;
	blob: string;
	fileName: string;
	mimeType: string;
	/** The moment the URL is signed (injected time; GCS also uses it as X-Goog-Date). */
	now: Date;
	expiresAt: Date;
}

export interface StoredBlob {
	name: string;
	createdAt: Date;
}

/**
 * One interface over where attachment bytes live: a private GCS bucket or a local folder.
 * Blob names are made by the service (never from user input).
 */
export interface BlobStorage {
	readonly kind: 'gcs' | 'local';
	/** Where a new attachment's bytes go (stored in the row's gcs_blob). */
	blobName(attachmentId: string): string;
	put(blob: string, data: Buffer, contentType: string): Promise<void>;
	/** The bytes, or undefined when the blob is gone. */
	get(blob: string): Promise<Buffer | undefined>;
	/** Deleting a blob that is already gone is fine (the reaper may run twice). */
	delete(blob: string): Promise<void>;
	/** Every blob, for the reaper's sweep of blobs whose row never got written. */
	list(): AsyncIterable<StoredBlob>;
	signUrl(request: SignRequest): Promise<string>;
}

import { createHash, randomUUID } from 'node:crypto';
import type { AttachmentInfo, MessageAttachment, SignedDownloadQuery } from '$lib/api';
import type { HistoryAttachments } from '../chat/sessions';
import type { AttachmentRow } from '../db/schema';
import { AppError, badRequest, notFound } from '../errors';
import type { Logger } from '../log';
import { settleAll } from './concurrency';
import { sanitizeFileName } from './file-name';
import { tooLarge, type UploadForm } from './multipart';
import type { ReapingSet } from './reaper';
import type { AttachmentRepository } from './repository';
import { detectType, isImage } from './sniff';
import type { BlobStorage } from './storage/storage';
import type { LocalUrlSigner } from './url-signer';

export interface AttachmentServiceOptions {
	repo: AttachmentRepository;
	storage: BlobStorage;
	log: Logger;
	maxSizeBytes: number;
	signedUrlTtlSeconds: number;
	/** Present in local mode: verifies the app's own download URLs. */
	signer?: LocalUrlSigner;
	/** Shared with the reaper: attachments being deleted right now cannot be used. */
	reaping?: ReapingSet;
	now?: () => Date;
}

export interface SaveInput {
	data: Buffer;
	fileName?: string;
	claimedType?: string;
	sessionId?: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const PDF = 'application/pdf';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function defaultName(mimeType: string): string {
	const ext = {
		'image/jpeg': 'jpg',
		'text/plain': 'txt',
		'text/markdown': 'md',
		'application/json': 'json'
	}[mimeType];
	const kind = isImage(mimeType) ? 'image' : mimeType === PDF ? 'document' : 'file';
	return `${kind}.${ext ?? mimeType.split('/')[1]}`;
}

const storageDown = () =>
	new AppError(
		503,
		'storage_unavailable',
		'The attachment storage cannot be reached right now; try again in a moment.'
	);

/**
 * Attachments: upload (sniffed, sanitized, hashed), metadata and links to messages, signed URLs
 * cached in the row and re-signed near expiry, and deletion. What a model can read and how the
 * upstream gets it is the chat's business (chat/attachments.ts).
 */
export class AttachmentService implements HistoryAttachments {
	readonly #o: AttachmentServiceOptions;
	readonly #now: () => Date;
	readonly #ttlMs: number;
	/** A cached URL with less life left than this is re-signed before it is handed out. */
	readonly #marginMs: number;

	constructor(options: AttachmentServiceOptions) {
		this.#o = options;
		this.#now = options.now ?? (() => new Date());
		this.#ttlMs = options.signedUrlTtlSeconds * 1000;
		this.#marginMs = Math.min(this.#ttlMs / 2, DAY_MS);
	}

	get storageKind(): 'gcs' | 'local' {
		return this.#o.storage.kind;
	}

	/** `POST /api/uploads`. */
	upload(form: UploadForm): Promise<AttachmentInfo> {
		const sessionId = form.fields.session_id?.trim() || undefined;
		return this.save({
			data: form.file.data,
			fileName: form.file.fileName,
			claimedType: form.file.claimedType,
			sessionId
		});
	}

	/** Validates in memory, then writes the blob, then the row (a crash in between leaves an orphan blob the reaper sweeps). */
	async save(input: SaveInput): Promise<AttachmentInfo> {
		const { repo, storage, log, maxSizeBytes } = this.#o;
		if (input.data.length === 0) throw badRequest('The file is empty.', 'empty_file');
		if (input.data.length > maxSizeBytes) throw tooLarge(maxSizeBytes);
		if (
			input.sessionId &&
			(!UUID.test(input.sessionId) || !repo.conversationExists(input.sessionId))
		) {
			throw notFound(`No conversation with id ${input.sessionId}.`, 'session_not_found');
		}
		const provisional = sanitizeFileName(input.fileName, '');
		const mimeType = await detectType(input.data, provisional, input.claimedType);
		const fileName = provisional || defaultName(mimeType);
		const attachmentId = randomUUID();
		const blob = storage.blobName(attachmentId);
		const now = this.#now();

		try {
			await storage.put(blob, input.data, mimeType);
		} catch (error) {
			log.error('attachment upload failed', {
				attachment_id: attachmentId,
				storage: storage.kind,
				error
			});
			throw storageDown();
		}
		const expiresAt = new Date(now.getTime() + this.#ttlMs);
		try {
			const signedUrl = await storage.signUrl({
				attachmentId,
				blob,
				fileName,
				mimeType,
				now,
				expiresAt
			});
			const row = repo.insert({
				attachmentId,
				sessionId: input.sessionId ?? null,
				fileName,
				gcsBlob: blob,
				mimeType,
				sizeBytes: input.data.length,
				sha256: createHash('sha256').update(input.data).digest('hex'),
				signedUrl,
				signedUrlExpiresAt: expiresAt.toISOString(),
				createdAt: now.toISOString(),
				lastUsedAt: now.toISOString()
			});
			log.info('attachment stored', {
				attachment_id: attachmentId,
				mime_type: mimeType,
				size_bytes: row.sizeBytes,
				storage: storage.kind
			});
			return this.#info(row);
		} catch (error) {
			await storage.delete(blob).catch(() => {});
			throw error;
		}
	}

	/** `GET /api/attachments/{id}`: always a newly signed URL (the browser asks when its copy failed). */
	async info(id: string): Promise<AttachmentInfo> {
		const row = this.#find(id);
		const now = this.#now();
		this.#o.repo.touch([id], now.toISOString());
		return this.#info(await this.#sign(row, now));
	}

	/** The bytes behind a local signed URL, after checking its signature and expiry. */
	async openSigned(
		id: string,
		query: SignedDownloadQuery
	): Promise<{ row: AttachmentRow; data: Buffer; expiresAt: Date }> {
		const { signer, storage } = this.#o;
		if (!signer || !UUID.test(id)) throw notFound('No such attachment.', 'attachment_not_found');
		signer.verify(id, query.expires, query.signature, this.#now());
		const row = this.#find(id);
		const data = await storage.get(row.gcsBlob);
		if (!data) throw notFound('The file of this attachment is gone.', 'attachment_not_found');
		return { row, data, expiresAt: new Date(query.expires * 1000) };
	}

	// Attachments of messages

	/** The rows of these ids, or a 400 naming the first one that is gone or being deleted. */
	available(ids: string[]): AttachmentRow[] {
		const rows = this.#o.repo.getMany(ids);
		const missing = ids.find(
			(id) => this.#o.reaping?.has(id) || !rows.some((row) => row.attachmentId === id)
		);
		if (missing) {
			throw badRequest(
				`No attachment with id ${missing}; it may have expired. Attach the file again.`,
				'unknown_attachment'
			);
		}
		return rows;
	}

	/** The reaper only takes attachments unused for days. */
	markUsed(ids: string[]): void {
		this.#o.repo.touch(ids, this.#now().toISOString());
	}

	/** Links attachments to the message that carries them (and to its conversation). */
	link(messageId: number, sessionId: string, ids: string[]): void {
		this.#o.repo.link(messageId, sessionId, [...new Set(ids)], this.#now().toISOString());
	}

	/** The attachments of one message, in the order they were attached. */
	linkedTo(messageId: number): AttachmentRow[] {
		return this.#o.repo.forMessages([messageId]).map((link) => link.row);
	}

	/** A signed URL for the row with at least the re-signing margin of life left. */
	async freshUrl(row: AttachmentRow): Promise<string> {
		return (await this.#fresh(row, this.#now())).signedUrl!;
	}

	/** The stored bytes, or undefined when the blob is gone; a 503 when storage cannot be read. */
	async read(row: AttachmentRow): Promise<Buffer | undefined> {
		try {
			return await this.#o.storage.get(row.gcsBlob);
		} catch (error) {
			this.#o.log.error('reading an attachment failed', { attachment_id: row.attachmentId, error });
			throw storageDown();
		}
	}

	// HistoryAttachments

	async forMessages(messageIds: number[]): Promise<Map<number, MessageAttachment[]>> {
		const { repo } = this.#o;
		const links = repo.forMessages(messageIds);
		const out = new Map<number, MessageAttachment[]>();
		if (!links.length) return out;
		const now = this.#now();
		const fresh = new Map<string, AttachmentRow>();
		for (const { row } of links) {
			if (!fresh.has(row.attachmentId)) fresh.set(row.attachmentId, await this.#fresh(row, now));
		}
		repo.touch([...fresh.keys()], now.toISOString());
		for (const { messageId, row } of links) {
			const list = out.get(messageId) ?? [];
			list.push(this.#wire(fresh.get(row.attachmentId)!));
			out.set(messageId, list);
		}
		return out;
	}

	/**
	 * Blobs first, then rows: if storage fails nothing is deleted and the person can retry. A file
	 * also attached in another conversation stays for that one.
	 */
	async deleteForSession(sessionId: string): Promise<void> {
		const { repo, storage, log } = this.#o;
		const rows = repo.ownedOnlyBy(sessionId);
		if (!rows.length) return;
		const results = await settleAll(rows, 8, (row) => storage.delete(row.gcsBlob));
		const failed = results.filter((result) => result.status === 'rejected');
		if (failed.length) {
			log.error('deleting attachment blobs failed', {
				session_id: sessionId,
				failed: failed.length,
				error: (failed[0] as PromiseRejectedResult).reason
			});
			throw new AppError(
				503,
				'storage_unavailable',
				"The conversation's files could not be deleted from storage, so nothing was deleted; try again."
			);
		}
		repo.delete(rows.map((row) => row.attachmentId));
		log.info('attachments deleted with conversation', {
			session_id: sessionId,
			count: rows.length
		});
	}

	// internals

	#find(id: string): AttachmentRow {
		const row = UUID.test(id) && !this.#o.reaping?.has(id) ? this.#o.repo.get(id) : undefined;
		if (!row) throw notFound(`No attachment with id ${id}.`, 'attachment_not_found');
		return row;
	}

	async #fresh(row: AttachmentRow, now: Date): Promise<AttachmentRow> {
		const expires = row.signedUrlExpiresAt ? Date.parse(row.signedUrlExpiresAt) : NaN;
		if (row.signedUrl && expires - now.getTime() > this.#marginMs) return row;
		return this.#sign(row, now);
	}

	async #sign(row: AttachmentRow, now: Date): Promise<AttachmentRow> {
		const expiresAt = new Date(now.getTime() + this.#ttlMs);
		const signedUrl = await this.#o.storage.signUrl({
			attachmentId: row.attachmentId,
			blob: row.gcsBlob,
			fileName: row.fileName,
			mimeType: row.mimeType,
			now,
			expiresAt
		});
		this.#o.repo.saveSignedUrl(row.attachmentId, signedUrl, expiresAt.toISOString());
		return { ...row, signedUrl, signedUrlExpiresAt: expiresAt.toISOString() };
	}

	#wire(row: AttachmentRow): MessageAttachment {
		return {
			attachment_id: row.attachmentId,
			file_name: row.fileName,
			mime_type: row.mimeType,
			size_bytes: row.sizeBytes,
			signed_url: row.signedUrl ?? '',
			signed_url_expires_at: row.signedUrlExpiresAt ?? ''
		};
	}

	#info(row: AttachmentRow): AttachmentInfo {
		return {
			...this.#wire(row),
			file_name: row.fileName,
			sha256: row.sha256,
			created_at: row.createdAt
		};
	}
}

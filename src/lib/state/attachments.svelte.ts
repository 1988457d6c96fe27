import {
	isImageType,
	uploadLimits,
	type AttachmentInfo,
	type MessageAttachment,
	type UploadLimits
} from '$lib/api';
import { api } from '$lib/api/client';
import { uploadFile } from '$lib/api/upload';
import { formatBytes } from '$lib/format/numbers';

export interface PendingUpload {
	key: string;
	name: string;
	size: number;
	/** A local preview (object URL) for images, before the server has them. */
	previewUrl: string | null;
	status: 'uploading' | 'done' | 'error';
	/** 0..1 while uploading. */
	progress: number;
	error: string | null;
	attachment: AttachmentInfo | null;
}

type Uploader = typeof uploadFile;
type LimitsLoader = () => Promise<UploadLimits>;

/** GET /api/attachments/limits: the size limit, so a too-big file is refused before it is sent. */
const fetchUploadLimits: LimitsLoader = () => api('/api/attachments/limits', uploadLimits);

/** The files attached to the message being written: uploading, uploaded or failed. */
export class PendingUploads {
	#items = $state<PendingUpload[]>([]);
	#controllers = new Map<string, AbortController>();
	#counter = 0;

	/** The server's size limit, asked once; undefined when it could not be read (the 413 still guards). */
	#maxBytes: Promise<number | undefined> | undefined;

	constructor(
		private readonly upload: Uploader = uploadFile,
		private readonly limits: LimitsLoader = fetchUploadLimits
	) {}

	get items(): PendingUpload[] {
		return this.#items;
	}
	/** Some file is still on its way: sending now would leave it behind. */
	get busy(): boolean {
		return this.#items.some((item) => item.status === 'uploading');
	}
	get failed(): boolean {
		return this.#items.some((item) => item.status === 'error');
	}
	get ready(): AttachmentInfo[] {
		return this.#items.flatMap((item) => (item.attachment ? [item.attachment] : []));
	}

	/** Starts uploading each file at once; failures stay in the list with the server's reason. */
	add(files: Iterable<File>, sessionId?: string | null): void {
		for (const file of files) {
			const key = `upload${++this.#counter}`;
			const controller = new AbortController();
			this.#controllers.set(key, controller);
			this.#items.push({
				key,
				name: file.name || 'pasted file',
				size: file.size,
				previewUrl: isImageType(file.type) ? URL.createObjectURL(file) : null,
				status: 'uploading',
				progress: 0,
				error: null,
				attachment: null
			});
			const item = this.#items.at(-1)!;
			this.#send(item, file, sessionId, controller.signal)
				.then((attachment) => {
					item.attachment = attachment;
					item.progress = 1;
					item.status = 'done';
				})
				.catch((error: Error) => {
					if (error.name === 'AbortError') return;
					item.status = 'error';
					item.error = error.message;
				})
				.finally(() => this.#controllers.delete(key));
		}
	}

	/** A file over the limit is refused here, without sending megabytes only to hear 413. */
	async #send(
		item: PendingUpload,
		file: File,
		sessionId: string | null | undefined,
		signal: AbortSignal
	): Promise<AttachmentInfo> {
		const max = await this.#limit();
		if (signal.aborted) throw new DOMException('Upload cancelled', 'AbortError');
		if (max !== undefined && file.size > max) {
			const size = formatBytes(file.size);
			const limit = formatBytes(max);
			throw new Error(
				`${item.name} is larger than the ${limit} limit${size === limit ? '' : ` (${size})`}.`
			);
		}
		return this.upload(file, {
			sessionId,
			signal,
			onProgress: (fraction) => (item.progress = fraction)
		});
	}

	#limit(): Promise<number | undefined> {
		this.#maxBytes ??= this.limits().then(
			(limits) => limits.max_size_bytes,
			() => {
				this.#maxBytes = undefined; // ask again with the next file
				return undefined;
			}
		);
		return this.#maxBytes;
	}

	remove(key: string): void {
		this.#controllers.get(key)?.abort();
		const item = this.#items.find((candidate) => candidate.key === key);
		if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl);
		this.#items = this.#items.filter((candidate) => candidate.key !== key);
	}

	/**
	 * Hands the uploaded files to a send and empties the list: `restore` puts them back if the
	 * send is refused, `release` frees their local previews once it went through.
	 */
	take(): {
		ids: string[];
		attachments: MessageAttachment[];
		restore: () => void;
		release: () => void;
	} {
		const taken = this.#items.filter((item) => item.status === 'done');
		this.#items = this.#items.filter((item) => item.status !== 'done');
		return {
			ids: taken.map((item) => item.attachment!.attachment_id),
			attachments: taken.map((item) => item.attachment!),
			restore: () => {
				this.#items = [...taken, ...this.#items];
			},
			release: () => {
				for (const item of taken) if (item.previewUrl) URL.revokeObjectURL(item.previewUrl);
			}
		};
	}

	reset(): void {
		for (const item of this.#items) this.remove(item.key);
		this.#items = [];
	}
}

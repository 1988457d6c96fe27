import type { AttachmentInfo, MessageAttachment } from '$lib/api';
import { isImageType, uploadFile } from '$lib/components/attachments/client';

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

/** The files attached to the message being written: uploading, uploaded or failed. */
export class PendingUploads {
	#items = $state<PendingUpload[]>([]);
	#controllers = new Map<string, AbortController>();
	#counter = 0;

	constructor(private readonly upload: Uploader = uploadFile) {}

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
			this.upload(file, {
				sessionId,
				signal: controller.signal,
				onProgress: (fraction) => (item.progress = fraction)
			})
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

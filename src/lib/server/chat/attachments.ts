import type { AttachmentInfo, MessageAttachment } from '$lib/api';
import { formatBytes } from '$lib/format/numbers';
import { sanitizeFileName } from '../attachments/file-name';
import type { AttachmentService } from '../attachments/service';
import { isImage } from '../attachments/sniff';
import { AppError, badRequest } from '../errors';
import type { Logger } from '../log';
import { DEMO_MODEL_ID } from '../openrouter/client';
import type { ContentPart } from '../openrouter/types';
import type { ToolFile } from './tools';

export interface StoredToolFiles {
	lines: string[];
	attachments: MessageAttachment[];
}

/** What the chat needs from the attachments: checks before a turn, parts for the upstream, tool files. */
export interface ChatAttachments {
	/** Checks the ids exist and the model can take them; throws an AppError (4xx) otherwise. */
	validate(ids: string[], modelId: string): Promise<void>;
	/** Links attachments to the message that carries them and marks them used. */
	link(messageId: number, sessionId: string, ids: string[]): void;
	/** The upstream content parts for a message's attachments (marks them used). */
	partsFor(messageId: number): Promise<ContentPart[]>;
	/**
	 * Stores files a tool returned: a line per file for the model (name and URL, or why it was not
	 * kept) and the stored attachments, to link to the tool message and show in the chat.
	 */
	storeToolFiles(sessionId: string, files: ToolFile[]): Promise<StoredToolFiles>;
}

export const noAttachments: ChatAttachments = {
	validate: async (ids) => {
		if (ids.length) {
			throw badRequest('Attachments are not available on this server.', 'attachments_unavailable');
		}
	},
	link: () => {},
	partsFor: async () => [],
	storeToolFiles: async () => ({ lines: [], attachments: [] })
};

/** The input modalities of a model (`text`, `image`, `file`…), or undefined when unknown. */
export type ModelInputs = (modelId: string) => Promise<string[] | undefined>;

/** The parts of the attachment service the chat uses. */
export type AttachmentStore = Pick<
	AttachmentService,
	'storageKind' | 'save' | 'available' | 'markUsed' | 'link' | 'linkedTo' | 'freshUrl' | 'read'
>;

export interface ChatAttachmentOptions {
	store: AttachmentStore;
	log: Logger;
	/** The model catalogue's answer; without one only the demo model's inputs are known. */
	modelInputs?: ModelInputs;
}

const PDF = 'application/pdf';

const dataUrl = (mimeType: string, data: Buffer) =>
	`data:${mimeType};base64,${data.toString('base64')}`;

/** The chat's view of stored attachments: what a model can read, and how OpenRouter gets it. */
export class ChatAttachmentService implements ChatAttachments {
	readonly #o: ChatAttachmentOptions;

	constructor(options: ChatAttachmentOptions) {
		this.#o = options;
	}

	/**
	 * Checks the ids and the model, then marks the attachments used, so the reaper (which only
	 * takes attachments unused for days) leaves them alone until the message links them.
	 */
	async validate(ids: string[], modelId: string): Promise<void> {
		const { store } = this.#o;
		const unique = [...new Set(ids)];
		const rows = store.available(unique);
		const images = rows.filter((row) => isImage(row.mimeType));
		if (images.length) {
			const inputs = await this.#modelInputs(modelId);
			if (inputs && !inputs.includes('image')) {
				throw badRequest(
					`${modelId} cannot read images (${images.map((row) => row.fileName).join(', ')}). Pick a model that accepts images, or remove them.`,
					'model_cannot_read_images'
				);
			}
		}
		// OpenRouter parses PDFs for any model; only the offline demo model has no way to read one.
		const pdfs = rows.filter((row) => row.mimeType === PDF);
		if (pdfs.length && modelId === DEMO_MODEL_ID) {
			throw badRequest(
				`The offline demo model reads text only, not PDFs (${pdfs.map((row) => row.fileName).join(', ')}).`,
				'model_cannot_read_files'
			);
		}
		// Checked again after the catalogue lookup: the reaper may have run while it was awaited.
		// No await between this check and the touch, so the reaper cannot slip in between.
		store.available(unique);
		store.markUsed(unique);
	}

	link(messageId: number, sessionId: string, ids: string[]): void {
		this.#o.store.link(messageId, sessionId, ids);
	}

	async partsFor(messageId: number): Promise<ContentPart[]> {
		const { store } = this.#o;
		const rows = store.linkedTo(messageId);
		if (!rows.length) return [];
		store.markUsed(rows.map((row) => row.attachmentId));
		const parts: ContentPart[] = [];
		for (const row of rows) {
			// The upstream cannot reach this machine, so local images travel inline.
			if (isImage(row.mimeType) && store.storageKind === 'gcs') {
				parts.push({ type: 'image_url', image_url: { url: await store.freshUrl(row) } });
				continue;
			}
			const data = await store.read(row);
			if (!data) {
				parts.push({
					type: 'text',
					text: `[The attached file ${row.fileName} is no longer available.]`
				});
			} else if (isImage(row.mimeType)) {
				parts.push({ type: 'image_url', image_url: { url: dataUrl(row.mimeType, data) } });
			} else if (row.mimeType === PDF) {
				parts.push({
					type: 'file',
					file: { filename: row.fileName, file_data: dataUrl(PDF, data) }
				});
			} else {
				parts.push({
					type: 'text',
					text: `<attachment name="${row.fileName.replace(/"/g, "'")}" type="${row.mimeType}">\n${data.toString('utf8')}\n</attachment>`
				});
			}
		}
		return parts;
	}

	/**
	 * Stores the files a tool returned (a file that is too big or of a refused type is reported in
	 * its line, not thrown); the ids let the caller link them to the tool message.
	 */
	async storeToolFiles(sessionId: string, files: ToolFile[]): Promise<StoredToolFiles> {
		const lines: string[] = [];
		const attachments: AttachmentInfo[] = [];
		for (const file of files) {
			const label = file.fileName ? sanitizeFileName(file.fileName) : `a ${file.mimeType} file`;
			try {
				const saved = await this.#o.store.save({
					data: file.data,
					fileName: file.fileName,
					claimedType: file.mimeType,
					sessionId
				});
				attachments.push(saved);
				lines.push(
					`[Saved ${saved.file_name} (${saved.mime_type}, ${formatBytes(saved.size_bytes)}) as attachment ${saved.attachment_id}: ${saved.signed_url}]`
				);
			} catch (error) {
				if (!(error instanceof AppError)) throw error;
				lines.push(`[${label} was not kept: ${error.message}]`);
			}
		}
		return { lines, attachments };
	}

	async #modelInputs(modelId: string): Promise<string[] | undefined> {
		const { modelInputs, log } = this.#o;
		if (!modelInputs) return modelId === DEMO_MODEL_ID ? ['text'] : undefined;
		try {
			return await modelInputs(modelId);
		} catch (error) {
			// An unreachable catalogue must not block chatting; the upstream will say no if it must.
			log.warn('model catalogue unavailable for the attachment check', { model: modelId, error });
			return undefined;
		}
	}
}

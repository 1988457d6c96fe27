import { apiErrorBody, attachmentInfo, type AttachmentInfo, type UploadLimits } from '$lib/api';
import { ApiRequestError, api } from '$lib/api-client';

/**
 * POST /api/uploads through XMLHttpRequest, because fetch cannot report upload progress.
 * `onProgress` gets 0..1; aborting the signal cancels the transfer.
 */
export function uploadFile(
	file: File,
	options: {
		sessionId?: string | null;
		onProgress?: (fraction: number) => void;
		signal?: AbortSignal;
	} = {}
): Promise<AttachmentInfo> {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const form = new FormData();
		form.append('file', file, file.name);
		if (options.sessionId) form.append('session_id', options.sessionId);

		xhr.upload.onprogress = (event) => {
			if (event.lengthComputable && event.total > 0)
				options.onProgress?.(event.loaded / event.total);
		};
		xhr.onload = () => {
			let body: unknown;
			try {
				body = JSON.parse(xhr.responseText);
			} catch {
				body = undefined;
			}
			if (xhr.status === 201) {
				const parsed = attachmentInfo.safeParse(body);
				if (parsed.success) return resolve(parsed.data);
			}
			const error = apiErrorBody.safeParse(body);
			reject(
				error.success
					? new ApiRequestError(xhr.status, error.data.error.code, error.data.error.message)
					: new ApiRequestError(xhr.status, 'http_error', `The upload failed (HTTP ${xhr.status}).`)
			);
		};
		xhr.onerror = () =>
			reject(
				new ApiRequestError(
					0,
					'network_error',
					'The upload failed: the server could not be reached.'
				)
			);
		xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
		options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });

		xhr.open('POST', '/api/uploads');
		xhr.send(form);
	});
}

/** GET /api/attachments/{id}: the same attachment with a newly signed URL. */
export const refreshAttachment = (id: string) =>
	api<AttachmentInfo>(`/api/attachments/${encodeURIComponent(id)}`);

/** GET /api/attachments/limits: the size limit, so a too-big file is refused before it is sent. */
export const fetchUploadLimits = () => api<UploadLimits>('/api/attachments/limits');

/** Files of a paste event (screenshots, copied files); empty when only text was pasted. */
export function filesFromClipboard(event: ClipboardEvent): File[] {
	const files: File[] = [];
	for (const item of event.clipboardData?.items ?? []) {
		if (item.kind !== 'file') continue;
		const file = item.getAsFile();
		if (file) files.push(file);
	}
	return files;
}

export function formatSize(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const isImageType = (mimeType: string) => /^image\/(png|jpeg|webp|gif)$/.test(mimeType);

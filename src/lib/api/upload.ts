import { attachmentInfo, type AttachmentInfo } from './attachments';
import { ApiRequestError } from './client';
import { apiErrorBody } from './errors';

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

import { ApiRequestError } from './client';
import { apiErrorBody } from './errors';
import { importResult, type ImportResult } from './transfer';

/**
 * POST /api/sessions/import with the file as the multipart field `file`, through
 * XMLHttpRequest because fetch cannot report upload progress. `onProgress` gets 0..1.
 */
export function importConversations(
	file: File,
	options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {}
): Promise<ImportResult> {
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const form = new FormData();
		form.append('file', file, file.name);
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
			if (xhr.status === 200) {
				const parsed = importResult.safeParse(body);
				if (parsed.success) return resolve(parsed.data);
			}
			const error = apiErrorBody.safeParse(body);
			reject(
				error.success
					? new ApiRequestError(xhr.status, error.data.error.code, error.data.error.message)
					: new ApiRequestError(xhr.status, 'http_error', `The import failed (HTTP ${xhr.status}).`)
			);
		};
		xhr.onerror = () =>
			reject(
				new ApiRequestError(
					0,
					'network_error',
					'The import failed: the server could not be reached.'
				)
			);
		xhr.onabort = () => reject(new DOMException('Import cancelled', 'AbortError'));
		options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
		xhr.open('POST', '/api/sessions/import');
		xhr.send(form);
	});
}

import type { z } from 'zod';
import { ApiRequestError } from './client';
import { apiErrorBody } from './errors';

/**
 * POSTs a file as the multipart field `file` through XMLHttpRequest, because fetch cannot report
 * upload progress. `onProgress` gets 0..1; aborting the signal cancels the transfer (an
 * AbortError). The answer with `okStatus` is parsed with `schema`; any other answer, or one
 * that does not parse, rejects with an ApiRequestError carrying the API's error code and
 * message, or with "The <what> failed (HTTP n)." when the body is not the API's error shape.
 */
export function postFile<T>(
	url: string,
	file: File,
	expect: {
		okStatus: number;
		schema: z.ZodType<T>;
		/** The word the messages use: "upload" → "The upload failed…", "Upload cancelled". */
		what: string;
		/** More multipart fields, sent after the file. */
		fields?: Record<string, string>;
	},
	options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {}
): Promise<T> {
	const { okStatus, schema, what, fields = {} } = expect;
	return new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const form = new FormData();
		form.append('file', file, file.name);
		for (const [name, value] of Object.entries(fields)) form.append(name, value);

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
			if (xhr.status === okStatus) {
				const parsed = schema.safeParse(body);
				if (parsed.success) return resolve(parsed.data);
			}
			const error = apiErrorBody.safeParse(body);
			reject(
				error.success
					? new ApiRequestError(xhr.status, error.data.error.code, error.data.error.message)
					: new ApiRequestError(
							xhr.status,
							'http_error',
							`The ${what} failed (HTTP ${xhr.status}).`
						)
			);
		};
		xhr.onerror = () =>
			reject(
				new ApiRequestError(
					0,
					'network_error',
					`The ${what} failed: the server could not be reached.`
				)
			);
		const cancelled = `${what[0].toUpperCase()}${what.slice(1)} cancelled`;
		xhr.onabort = () => reject(new DOMException(cancelled, 'AbortError'));
		if (options.signal?.aborted) return reject(new DOMException(cancelled, 'AbortError'));
		options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });

		xhr.open('POST', url);
		xhr.send(form);
	});
}

/** A failure the caller caused or should see: mapped to `{error:{code,message}}` with `status`. */
export class AppError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		/** Sent with the answer, e.g. `Retry-After` on a 429. */
		readonly headers?: Record<string, string>
	) {
		super(message);
		this.name = 'AppError';
	}
}

export const badRequest = (message: string, code = 'bad_request') =>
	new AppError(400, code, message);
export const notFound = (message: string, code = 'not_found') => new AppError(404, code, message);
export const conflict = (message: string, code = 'conflict') => new AppError(409, code, message);

/**
 * A request body past its route's limit (see security/body-limits): thrown up front for a
 * Content-Length over it, and by the body stream itself, mid-read, for a chunked one.
 */
export class PayloadTooLargeError extends AppError {
	constructor(readonly limitBytes: number) {
		super(
			413,
			'payload_too_large',
			`The request body is larger than this route takes (${limitBytes} bytes).`
		);
		this.name = 'PayloadTooLargeError';
	}
}

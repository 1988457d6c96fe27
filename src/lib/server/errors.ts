/** A failure the caller caused or should see: mapped to `{error:{code,message}}` with `status`. */
export class AppError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string
	) {
		super(message);
		this.name = 'AppError';
	}
}

export const badRequest = (message: string, code = 'bad_request') =>
	new AppError(400, code, message);
export const notFound = (message: string, code = 'not_found') => new AppError(404, code, message);
export const conflict = (message: string, code = 'conflict') => new AppError(409, code, message);

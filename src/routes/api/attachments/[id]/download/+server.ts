import { AppError } from '$lib/server/errors';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(() => {
	throw new AppError(
		410,
		'gone',
		'This download route was removed; GET /api/attachments/{id} gives a signed URL.'
	);
});

import { AppError } from '$lib/server/errors';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(() => {
	throw new AppError(
		410,
		'gone',
		'Files are no longer served from /api/uploads; GET /api/attachments/{id} gives a signed URL.'
	);
});

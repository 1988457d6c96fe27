import { AppError } from '$lib/server/errors';
import { errorResponse } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = () =>
	errorResponse(
		new AppError(
			410,
			'gone',
			'Files are no longer served from /api/uploads; GET /api/attachments/{id} gives a signed URL.'
		)
	);

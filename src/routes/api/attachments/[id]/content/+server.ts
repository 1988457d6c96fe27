import { signedDownloadQuery } from '$lib/api';
import { downloadResponse } from '$lib/server/attachments/download';
import { AppError } from '$lib/server/errors';
import { errorResponse, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Local-disk downloads behind HMAC-signed, expiring URLs (GCS mode signs URLs to the bucket instead). */
export const GET: RequestHandler = async ({ params, url, locals }) => {
	try {
		const query = parseQuery(url, signedDownloadQuery);
		return downloadResponse(await locals.services.attachments.openSigned(params.id, query));
	} catch (error) {
		if (error instanceof AppError && error.code === 'invalid_request') {
			return errorResponse(
				new AppError(403, 'invalid_signature', 'This attachment link is not valid.')
			);
		}
		return errorResponse(error);
	}
};

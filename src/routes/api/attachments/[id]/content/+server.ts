import { downloadResponse } from '$lib/server/attachments/download';
import { readSignedQuery } from '$lib/server/attachments/signed-query';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Local-disk downloads behind HMAC-signed, expiring URLs (GCS mode signs URLs to the bucket instead). */
export const GET: RequestHandler = endpoint(async ({ params, url, locals }) =>
	downloadResponse(await locals.services.attachments.openSigned(params.id, readSignedQuery(url)))
);

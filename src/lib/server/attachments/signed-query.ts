import { signedDownloadQuery, type SignedDownloadQuery } from '$lib/api';
import { AppError } from '../errors';

/**
 * The `expires` and `signature` of a local download URL. A query that does not fit was never
 * signed by this server, so it is the same 403 as a forged signature, not a 400.
 */
export function readSignedQuery(url: URL): SignedDownloadQuery {
	const parsed = signedDownloadQuery.safeParse(Object.fromEntries(url.searchParams));
	if (!parsed.success)
		throw new AppError(403, 'invalid_signature', 'This attachment link is not valid.');
	return parsed.data;
}

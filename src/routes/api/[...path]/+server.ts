import { notFound } from '$lib/server/errors';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Unknown API paths answer in the API's error shape, not with the HTML error page. */
const unknownPath: RequestHandler = endpoint(({ url, request }) => {
	throw notFound(`There is no ${request.method} ${url.pathname} in this API.`);
});

export const GET = unknownPath;
export const POST = unknownPath;
export const PUT = unknownPath;
export const PATCH = unknownPath;
export const DELETE = unknownPath;

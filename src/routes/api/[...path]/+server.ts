import { json, type RequestHandler } from '@sveltejs/kit';

export const trailingSlash = 'ignore';

/** Unknown API paths answer in the API's error shape, not with the HTML error page. */
const notFound: RequestHandler = ({ url, request }) =>
	json(
		{
			error: {
				code: 'not_found',
				message: `There is no ${request.method} ${url.pathname} in this API.`
			}
		},
		{ status: 404 }
	);

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;

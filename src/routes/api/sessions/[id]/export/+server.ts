import { exportQuery } from '$lib/api';
import { contentDisposition } from '$lib/server/attachments/file-name';
import { endpoint, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(({ params, url, locals }) => {
	const { format } = parseQuery(url, exportQuery);
	const file = locals.services.transfer.exportOne(params.id, format, { origin: url.origin });
	return new Response(file.body, {
		headers: {
			'content-type': file.contentType,
			'content-disposition': contentDisposition('attachment', file.fileName),
			'cache-control': 'no-store'
		}
	});
});

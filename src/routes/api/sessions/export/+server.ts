import { contentDisposition } from '$lib/server/attachments/file-name';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Every conversation that is not temporary, streamed a page at a time. */
export const GET: RequestHandler = endpoint(({ locals }) => {
	const { fileName, body } = locals.services.transfer.exportAll();
	return new Response(body, {
		headers: {
			'content-type': 'application/json; charset=utf-8',
			'content-disposition': contentDisposition('attachment', fileName),
			'cache-control': 'no-store'
		}
	});
});

import { json } from '@sveltejs/kit';
import { readImportBody } from '$lib/server/transfer/body';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** Our export or ChatGPT's conversations.json, as the JSON body or the multipart field `file`. */
export const POST: RequestHandler = endpoint(async ({ request, locals }) =>
	json(locals.services.transfer.import(await readImportBody(request)))
);

import { json } from '@sveltejs/kit';
import { readUploadForm } from '$lib/server/attachments/multipart';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const POST: RequestHandler = endpoint(async ({ request, locals }) => {
	const { attachments, config } = locals.services;
	const form = await readUploadForm(request, { maxFileBytes: config.attachments.maxSizeBytes });
	return json(await attachments.upload(form), { status: 201 });
});

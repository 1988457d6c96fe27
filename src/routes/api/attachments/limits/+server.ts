import { json } from '@sveltejs/kit';
import type { UploadLimits } from '$lib/api';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** The upload limits the browser checks before sending a file (the server enforces them anyway). */
export const GET: RequestHandler = endpoint(({ locals }) =>
	json({
		max_size_bytes: locals.services.config.attachments.maxSizeBytes
	} satisfies UploadLimits)
);

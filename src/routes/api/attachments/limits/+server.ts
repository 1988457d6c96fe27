import { json } from '@sveltejs/kit';
import type { UploadLimits } from '$lib/api';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

/** The upload limits the browser checks before sending a file (the server enforces them anyway). */
export const GET: RequestHandler = ({ locals }) =>
	json({
		max_size_bytes: locals.services.config.attachments.maxSizeBytes
	} satisfies UploadLimits);

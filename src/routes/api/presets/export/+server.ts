import { json } from '@sveltejs/kit';
import { presetExportQuery } from '$lib/api';
import { endpoint, parseQuery } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ url, locals }) => {
	const { include_secrets } = parseQuery(url, presetExportQuery);
	const file = await locals.services.presets.export({ includeSecrets: include_secrets });
	const day = file.exported_at.slice(0, 10);
	return json(file, {
		headers: {
			'content-disposition': `attachment; filename="switchboard-presets-${day}.json"`,
			// A file that may hold tokens stays out of shared caches.
			'cache-control': 'no-store'
		}
	});
});

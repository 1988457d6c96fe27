import { json } from '@sveltejs/kit';
import { mcpServerConfigList } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(async ({ locals }) =>
	json(await locals.services.mcp.listServers())
);

/** The full list (`[]` disables all): persisted, then hot-reloaded; answers what GET answers. */
export const PUT: RequestHandler = endpoint(async ({ request, locals }) => {
	const servers = await readJson(request, mcpServerConfigList);
	return json(await locals.services.mcp.replaceConfigs(servers));
});

import { json } from '@sveltejs/kit';
import { mcpServerConfigList } from '$lib/api';
import { errorResponse, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = async ({ locals }) => {
	try {
		return json(await locals.services.mcp.listServers());
	} catch (error) {
		return errorResponse(error);
	}
};

/** The full list (`[]` disables all): persisted, then hot-reloaded; answers what GET answers. */
export const PUT: RequestHandler = async ({ request, locals }) => {
	try {
		const servers = await readJson(request, mcpServerConfigList);
		return json(await locals.services.mcp.replaceConfigs(servers));
	} catch (error) {
		return errorResponse(error);
	}
};

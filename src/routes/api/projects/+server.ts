import { json } from '@sveltejs/kit';
import { createProjectRequest } from '$lib/api';
import { endpoint, readJson } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(({ locals }) => json(locals.services.projects.list()));

export const POST: RequestHandler = endpoint(async ({ request, locals }) =>
	json(locals.services.projects.create(await readJson(request, createProjectRequest)), {
		status: 201
	})
);

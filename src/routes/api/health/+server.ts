import { json } from '@sveltejs/kit';
import { health } from '$lib/server/health';
import { endpoint } from '$lib/server/http';
import type { RequestHandler } from './$types';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = endpoint(({ locals }) => json(health(locals.services)));

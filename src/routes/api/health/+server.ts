import { json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { health } from '$lib/server/health';

export const trailingSlash = 'ignore';

export const GET: RequestHandler = ({ locals }) => json(health(locals.services));

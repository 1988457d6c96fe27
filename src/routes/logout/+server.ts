import { redirect } from '@sveltejs/kit';
import type { RequestHandler } from './$types';

/** Ends the session on the server and forgets the cookie; 204 for `fetch`, else back to /login. */
export const POST: RequestHandler = ({ locals, cookies, request }) => {
	const { auth } = locals.services;
	auth.logOut(cookies.get(auth.cookie.name));
	cookies.delete(auth.cookie.name, auth.cookie.options);
	if (request.headers.get('accept')?.includes('application/json'))
		return new Response(null, { status: 204 });
	redirect(303, '/login');
};

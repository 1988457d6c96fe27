import { fail, redirect } from '@sveltejs/kit';
import { AUTH_COOKIE, AUTH_COOKIE_OPTIONS, afterLogin, logIn } from '$lib/server/auth';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, cookies, locals, url }) => {
		const secret = locals.services.config.server.appPassword;
		const password = String((await request.formData()).get('password') ?? '');
		if (!secret) redirect(303, '/');
		const token = logIn(secret, password);
		if (!token) return fail(401, { error: 'That password is not right.' });
		cookies.set(AUTH_COOKIE, token, AUTH_COOKIE_OPTIONS);
		redirect(303, afterLogin(url.searchParams.get('next')));
	}
};

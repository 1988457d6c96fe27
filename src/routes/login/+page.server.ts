import { fail, redirect } from '@sveltejs/kit';
import { AUTH_COOKIE, authToken } from '$lib/server/auth';
import type { Actions } from './$types';

export const actions: Actions = {
	default: async ({ request, cookies, locals, url }) => {
		const secret = locals.services.config.server.appPassword;
		const password = String((await request.formData()).get('password') ?? '');
		if (!secret) redirect(303, '/');
		if (password !== secret) return fail(401, { error: 'That password is not right.' });
		cookies.set(AUTH_COOKIE, authToken(secret), {
			path: '/',
			httpOnly: true,
			sameSite: 'lax',
			maxAge: 60 * 60 * 24 * 30
		});
		const next = url.searchParams.get('next');
		redirect(303, next?.startsWith('/') && !next.startsWith('//') ? next : '/');
	}
};

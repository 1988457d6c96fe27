import { fail, redirect } from '@sveltejs/kit';
import {
	TooManyAttemptsError,
	WrongPasswordError,
	clientAddress,
	safeNext
} from '$lib/server/auth';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals }) => {
	if (!locals.services.auth.enabled) redirect(303, '/');
};

export const actions: Actions = {
	default: async (event) => {
		const { auth } = event.locals.services;
		if (!auth.enabled) redirect(303, '/');
		const form = await event.request.formData().catch(() => null);
		if (!form) return fail(400, { error: 'The login form could not be read; send it again.' });
		const password = String(form.get('password') ?? '');
		let token: string;
		try {
			token = auth.logIn(password, clientAddress(event));
		} catch (error) {
			if (error instanceof TooManyAttemptsError) {
				event.setHeaders({ 'retry-after': String(error.retryAfterSeconds) });
				return fail(429, { error: error.message });
			}
			if (error instanceof WrongPasswordError) return fail(401, { error: error.message });
			throw error;
		}
		// A session this browser had before is over: one login, one session.
		auth.logOut(event.cookies.get(auth.cookie.name));
		event.cookies.set(auth.cookie.name, token, auth.cookie.options);
		redirect(303, safeNext(event.url.searchParams.get('next')));
	}
};

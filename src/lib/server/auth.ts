import { json, redirect, type Handle } from '@sveltejs/kit';
import { createHmac, timingSafeEqual } from 'node:crypto';

export const AUTH_COOKIE = 'switchboard_auth';

/** The cookie value proving someone typed the password (changes when the password changes). */
export function authToken(password: string): string {
	return createHmac('sha256', password).update('switchboard login v1').digest('base64url');
}

function same(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

/** The login cookie, kept for 30 days. */
export const AUTH_COOKIE_OPTIONS = {
	path: '/',
	httpOnly: true,
	sameSite: 'lax',
	maxAge: 60 * 60 * 24 * 30
} as const;

/** The login form's check: the cookie value for the right password, null for a wrong one. */
export function logIn(secret: string, password: string): string | null {
	return same(password, secret) ? authToken(secret) : null;
}

/** Where the login form goes next: `?next=` when it is a path on this site, else home. */
export function afterLogin(next: string | null): string {
	return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** With APP_PASSWORD set, every page and API needs the login cookie (or `Authorization: Bearer <password>`). */
export function authGuard(password: () => string | undefined): Handle {
	return async ({ event, resolve }) => {
		const secret = password();
		const path = event.url.pathname;
		if (!secret || path === '/login' || path === '/api/health' || path === '/favicon.svg')
			return resolve(event);
		const cookie = event.cookies.get(AUTH_COOKIE);
		const bearer = event.request.headers.get('authorization')?.replace(/^Bearer\s+/i, '');
		if ((cookie && same(cookie, authToken(secret))) || (bearer && same(bearer, secret)))
			return resolve(event);
		if (path.startsWith('/api/')) {
			return json(
				{
					error: {
						code: 'unauthorized',
						message: 'Log in first: this Switchboard needs its APP_PASSWORD.'
					}
				},
				{ status: 401 }
			);
		}
		redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
	};
}

import { json, redirect, type Handle, type RequestEvent } from '@sveltejs/kit';
import { createHash, timingSafeEqual } from 'node:crypto';
import { LoginSessions, SESSION_TTL_MS } from './auth/sessions';
import { LoginThrottle } from './auth/throttle';
import type { Db } from './db/client';
import { AppError } from './errors';
import type { Logger } from './log';

export { safeNext } from './auth/next';
export { hashToken, SESSION_TTL_MS } from './auth/sessions';

/** The login cookie's name over plain http. */
export const AUTH_COOKIE = 'switchboard_auth';
/** Its name when ORIGIN is https: `__Host-` makes the browser insist on Secure, path `/`, no Domain. */
export const SECURE_AUTH_COOKIE = `__Host-${AUTH_COOKIE}`;

/** Paths open without a login: the form itself, logging out, monitoring, the tab icon. */
const OPEN_PATHS = new Set(['/login', '/logout', '/api/health', '/favicon.svg']);

export class WrongPasswordError extends AppError {
	constructor(message = 'That password is not right.') {
		super(401, 'unauthorized', message);
		this.name = 'WrongPasswordError';
	}
}

export class TooManyAttemptsError extends AppError {
	constructor(readonly retryAfterSeconds: number) {
		super(
			429,
			'too_many_attempts',
			`Too many wrong passwords from this address. Try again in ${retryAfterSeconds} second${retryAfterSeconds === 1 ? '' : 's'}.`
		);
		this.name = 'TooManyAttemptsError';
	}
}

/** Fixed-length digests, so comparing them takes the same time whatever was typed. */
const digest = (text: string) => createHash('sha256').update(text).digest();

export interface AuthDeps {
	/** APP_PASSWORD; unset, nothing needs a login. */
	password: string | undefined;
	/** ORIGIN as set: https makes the cookie Secure and `__Host-` prefixed. */
	publicOrigin: string | undefined;
	db: Db;
	log: Logger;
	now?: () => Date;
	/** Failures allowed per address within `windowMs` (5 a minute). */
	throttle?: { limit?: number; windowMs?: number };
}

/** The login: password checks, sessions and the per-address limit on wrong passwords. */
export class AuthService {
	readonly #password: Buffer | undefined;
	readonly #sessions: LoginSessions;
	readonly #throttle: LoginThrottle;
	readonly #log: Logger;
	/** The cookie that carries a session's token. */
	readonly cookie: {
		name: string;
		options: {
			path: '/';
			httpOnly: true;
			sameSite: 'lax';
			secure: boolean;
			maxAge: number;
		};
	};

	constructor(deps: AuthDeps) {
		this.#password = deps.password === undefined ? undefined : digest(deps.password);
		this.#sessions = new LoginSessions(deps.db, deps.now);
		this.#throttle = new LoginThrottle({ ...deps.throttle, now: deps.now });
		this.#log = deps.log;
		const secure = deps.publicOrigin?.startsWith('https:') ?? false;
		this.cookie = {
			name: secure ? SECURE_AUTH_COOKIE : AUTH_COOKIE,
			options: {
				path: '/',
				httpOnly: true,
				sameSite: 'lax',
				secure,
				maxAge: SESSION_TTL_MS / 1000
			}
		};
	}

	/** Whether APP_PASSWORD is set, so pages and the API need a login. */
	get enabled(): boolean {
		return this.#password !== undefined;
	}

	/**
	 * The login form: a new session's token for the right password. Throws TooManyAttemptsError
	 * (without looking at the password) while the address is over the limit, WrongPasswordError
	 * otherwise.
	 */
	logIn(password: string, address: string): string {
		this.#checkPassword(password, address, 'login failed');
		this.#sessions.removeExpired();
		return this.#sessions.create().token;
	}

	/** Ends the session of `token` on the server (a cookie without one is ignored). */
	logOut(token: string | undefined): void {
		if (token) this.#sessions.revoke(token);
	}

	/**
	 * Whether a request may pass: a live session's cookie, or the password as a bearer token (for
	 * scripts; wrong ones count against the address like wrong logins). Throws like logIn.
	 */
	authenticate(request: { token?: string; bearer?: string; address: string }): void {
		if (request.token && this.#sessions.verify(request.token)) return;
		if (request.bearer === undefined)
			throw new WrongPasswordError('Log in first: this Switchboard needs its APP_PASSWORD.');
		this.#checkPassword(request.bearer, request.address, 'bearer token refused');
	}

	#checkPassword(password: string, address: string, failure: string): void {
		if (!this.#password) throw new WrongPasswordError('This Switchboard has no APP_PASSWORD.');
		const retryAfter = this.#throttle.retryAfter(address);
		if (retryAfter) {
			this.#log.warn('login refused: too many wrong passwords', {
				address,
				retry_after_seconds: retryAfter
			});
			throw new TooManyAttemptsError(retryAfter);
		}
		if (!timingSafeEqual(digest(password), this.#password)) {
			const failures = this.#throttle.fail(address);
			this.#log.warn(failure, { address, failures_in_last_minute: failures });
			throw new WrongPasswordError();
		}
		this.#throttle.forgive(address);
	}
}

/**
 * The address wrong passwords are counted under. adapter-node throws when ADDRESS_HEADER names a
 * header the request lacks (and stand-in events may not have one): those share one count.
 */
export function clientAddress(event: Pick<RequestEvent, 'getClientAddress'>): string {
	try {
		return event.getClientAddress().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '') || 'unknown';
	} catch {
		return 'unknown';
	}
}

function bearerToken(request: Request): string | undefined {
	const match = /^Bearer\s+(.*)$/i.exec(request.headers.get('authorization') ?? '');
	return match?.[1];
}

/** With APP_PASSWORD set, every page and API needs a session cookie (or `Authorization: Bearer <password>`). */
export function authGuard(auth: () => AuthService): Handle {
	return async ({ event, resolve }) => {
		const service = auth();
		const path = event.url.pathname;
		if (!service.enabled || OPEN_PATHS.has(path)) return resolve(event);
		try {
			service.authenticate({
				token: event.cookies.get(service.cookie.name),
				bearer: bearerToken(event.request),
				address: clientAddress(event)
			});
			return resolve(event);
		} catch (error) {
			if (error instanceof TooManyAttemptsError) {
				return json(
					{ error: { code: error.code, message: error.message } },
					{ status: 429, headers: { 'retry-after': String(error.retryAfterSeconds) } }
				);
			}
			if (!(error instanceof WrongPasswordError)) throw error;
			if (path.startsWith('/api/')) {
				return json({ error: { code: error.code, message: error.message } }, { status: 401 });
			}
			redirect(303, `/login?next=${encodeURIComponent(path + event.url.search)}`);
		}
	};
}

import { redactString } from '../log';

/** A Google failure put into words for a person or a model; never carries request config or headers. */
export interface GoogleFailure {
	message: string;
	/** The grant is gone (invalid_grant, no refresh token): only a new consent helps. */
	reconnect: boolean;
	status?: number;
	reason?: string;
}

interface ErrorLike {
	message?: unknown;
	status?: unknown;
	code?: unknown;
	response?: { status?: number; data?: unknown };
}

const RECONNECT_MESSAGES =
	/^(No refresh token is set\.|No refresh token or refresh handler callback is set\.)$/;

/** Maps a GaxiosError (duck-typed: the API clients and the auth library carry separate gaxios copies). */
export function describeGoogleError(error: unknown, what = 'Google'): GoogleFailure {
	const e = (error ?? {}) as ErrorLike;
	const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : undefined);
	const data = parseData(e.response?.data);

	if (data && typeof data.error === 'string') {
		// The OAuth endpoints answer `{error, error_description}` (RFC 6749 §5.2).
		const description =
			typeof data.error_description === 'string' ? `: ${data.error_description}` : '';
		return {
			message: `${what} refused the sign-in (${data.error}${description})`,
			reconnect: data.error === 'invalid_grant',
			status,
			reason: data.error
		};
	}
	if (data && data.error && typeof data.error === 'object') {
		const body = data.error as {
			message?: unknown;
			status?: unknown;
			errors?: { reason?: unknown }[];
		};
		const reason = String(body.errors?.[0]?.reason ?? body.status ?? 'error');
		const text = typeof body.message === 'string' ? body.message : 'no details';
		return {
			message: `${what} answered ${status ?? 'an error'} (${reason}): ${text}`,
			reconnect: false,
			status,
			reason
		};
	}
	const message = typeof e.message === 'string' ? e.message : String(error);
	if (RECONNECT_MESSAGES.test(message)) {
		return { message: `${what} has no usable refresh token`, reconnect: true };
	}
	if (status) return { message: `${what} answered ${status}`, reconnect: false, status };
	const code = typeof e.code === 'string' ? ` (${e.code})` : '';
	// Network errors quote the URL, and the revoke URL carries the token in its query.
	return { message: `Could not reach ${what}${code}: ${redactString(message)}`, reconnect: false };
}

function parseData(data: unknown): Record<string, unknown> | undefined {
	if (typeof data === 'string') {
		try {
			return JSON.parse(data) as Record<string, unknown>;
		} catch {
			return undefined;
		}
	}
	return data && typeof data === 'object' ? (data as Record<string, unknown>) : undefined;
}

import { z } from 'zod';

export const googleScope = z.object({ scope: z.string(), purpose: z.string() });
export type GoogleScope = z.infer<typeof googleScope>;

/** `GET /api/google/status`: what the /mcp page shows about the Google connection. */
export const googleStatus = z.object({
	configured: z.boolean(),
	connected: z.boolean(),
	email: z.string().optional(),
	/** Granted scopes, with what each is for. */
	scopes: z.array(googleScope),
	/** Needed scopes the user did not grant on the consent screen; their tools explain instead of working. */
	missing_scopes: z.array(googleScope),
	reconnect_required: z.boolean(),
	error: z.string().optional(),
	connect_url: z.string()
});
export type GoogleStatus = z.infer<typeof googleStatus>;

/** `POST /api/google/oauth/disconnect`. */
export const googleDisconnectResponse = z.object({
	revoked: z.boolean(),
	warning: z.string().optional()
});
export type GoogleDisconnectResponse = z.infer<typeof googleDisconnectResponse>;

export const GOOGLE_CONNECT_URL = '/api/google/oauth/start';

/** The callback redirects to `/mcp?google_error=<code>`; only codes travel, the words live here. */
export const GOOGLE_OAUTH_ERRORS = {
	access_denied:
		'Google access was not granted: the consent screen was cancelled. Nothing was connected.',
	state_mismatch:
		'The Google sign-in could not be verified (it was not started here, was already used, or took longer than 10 minutes). Try Connect again.',
	token_exchange_failed:
		'Google did not accept the sign-in code. Try Connect again; the server log has the reason.',
	not_configured:
		'Google is not configured: set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET on the server.',
	oauth_error: 'Google reported an error during sign-in. Try Connect again.'
} as const;
export type GoogleOAuthErrorCode = keyof typeof GOOGLE_OAUTH_ERRORS;

export function googleOAuthErrorMessage(code: string | null | undefined): string | undefined {
	if (!code) return undefined;
	return (GOOGLE_OAUTH_ERRORS as Record<string, string>)[code] ?? GOOGLE_OAUTH_ERRORS.oauth_error;
}

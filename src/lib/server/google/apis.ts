import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { drive, type drive_v3 } from '@googleapis/drive';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import type { OAuth2Client } from 'google-auth-library';

export interface GoogleApis {
	gmail: gmail_v1.Gmail;
	calendar: calendar_v3.Calendar;
	drive: drive_v3.Drive;
}

export const GOOGLE_DEFAULT_API_ROOT = 'https://www.googleapis.com';
const TIMEOUT_MS = 30_000;

/**
 * The per-API clients on one authorized OAuth2Client. With the default root each client keeps its
 * own host (gmail.googleapis.com); a custom root keeps only its origin (google-apis.md §1).
 */
export function createGoogleApis(auth: OAuth2Client, apiRootUrl: string): GoogleApis {
	const rootUrl = apiRootUrl === GOOGLE_DEFAULT_API_ROOT ? undefined : `${apiRootUrl}/`;
	const options = { auth, rootUrl, timeout: TIMEOUT_MS };
	return {
		gmail: gmail({ version: 'v1', ...options }),
		calendar: calendar({ version: 'v3', ...options }),
		drive: drive({ version: 'v3', ...options })
	};
}

/** What each requested scope is for; the least each tool needs. */
export interface ScopeNeed {
	scope: string;
	purpose: string;
	tools: string[];
}

const ROOT = 'https://www.googleapis.com/auth/';

export const GOOGLE_SCOPES: ScopeNeed[] = [
	{
		scope: `${ROOT}gmail.compose`,
		purpose: 'Create Gmail drafts (nothing is sent without you)',
		tools: ['gmail_create_draft']
	},
	{
		scope: `${ROOT}gmail.readonly`,
		purpose: 'Search and read your mail',
		tools: ['gmail_search', 'gmail_read']
	},
	{
		scope: `${ROOT}calendar.events`,
		purpose: 'List and create events in your calendars',
		tools: ['calendar_list_events', 'calendar_create_event']
	},
	{
		// drive.file would only show files Switchboard created, so a general search would come back empty.
		scope: `${ROOT}drive.readonly`,
		purpose: 'Search and read your Drive files (read-only)',
		tools: ['drive_search', 'drive_read']
	}
];

export const NEEDED_SCOPES = GOOGLE_SCOPES.map((need) => need.scope);

/** Google returns granted scopes space-delimited; a user may untick some on the consent screen. */
export function parseScopes(scope: string | null | undefined): string[] {
	return (scope ?? '').split(/\s+/).filter(Boolean);
}

export function missingScopes(granted: string[]): ScopeNeed[] {
	const have = new Set(granted);
	return GOOGLE_SCOPES.filter((need) => !have.has(need.scope));
}

export function scopeFor(tool: string): ScopeNeed | undefined {
	return GOOGLE_SCOPES.find((need) => need.tools.includes(tool));
}

export function describeScope(scope: string): { scope: string; purpose: string } {
	const need = GOOGLE_SCOPES.find((item) => item.scope === scope);
	return { scope, purpose: need?.purpose ?? 'Granted earlier to this app' };
}

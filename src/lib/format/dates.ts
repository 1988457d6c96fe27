import type { SessionSummary } from '$lib/api';

export interface SessionGroup {
	label: string;
	sessions: SessionSummary[];
}

/** Groups conversations the way people think of them: Today, Yesterday, This week, older by month. */
export function groupByDate(sessions: SessionSummary[], now = new Date()): SessionGroup[] {
	const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
	const day = 86_400_000;
	const groups = new Map<string, SessionSummary[]>();
	for (const session of sessions) {
		const time = new Date(session.updated_at).getTime();
		let label: string;
		if (time >= startOfToday) label = 'Today';
		else if (time >= startOfToday - day) label = 'Yesterday';
		else if (time >= startOfToday - 7 * day) label = 'Previous 7 days';
		else if (time >= startOfToday - 30 * day) label = 'Previous 30 days';
		else label = new Date(time).toLocaleDateString(undefined, { month: 'long', year: 'numeric' });
		if (!groups.has(label)) groups.set(label, []);
		groups.get(label)!.push(session);
	}
	return [...groups].map(([label, items]) => ({ label, sessions: items }));
}

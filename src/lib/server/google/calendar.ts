import type { calendar_v3 } from '@googleapis/calendar';
import { isEmailAddress } from './mime';
import { clip } from './text';

export const MAX_EVENTS = 50;

export interface NewEvent {
	summary: string;
	start: string;
	end: string;
	description?: string;
	location?: string;
	attendees?: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Thrown for arguments Google would reject less clearly. */
export class CalendarInputError extends Error {}

/** An event time: `YYYY-MM-DD` (all-day) or RFC 3339 with an offset, which the API requires. */
function eventTime(field: string, value: string): calendar_v3.Schema$EventDateTime {
	if (DATE.test(value)) return { date: value };
	if (DATE_TIME.test(value) && !Number.isNaN(Date.parse(value))) return { dateTime: value };
	throw new CalendarInputError(
		`${field} must be a date (2026-11-26) or a date-time with a time zone offset (2026-11-26T14:00:00+01:00 or ...Z), got "${value}"`
	);
}

function when(time: calendar_v3.Schema$EventDateTime | undefined): string | undefined {
	return time?.dateTime ?? time?.date ?? undefined;
}

function summarize(event: calendar_v3.Schema$Event) {
	return {
		id: event.id,
		summary: event.summary ?? '(no title)',
		start: when(event.start),
		end: when(event.end),
		all_day: Boolean(event.start?.date),
		location: event.location ?? undefined,
		description: clip(event.description, 500),
		attendees: event.attendees?.slice(0, 20).flatMap((a) => (a.email ? [a.email] : [])),
		organizer: event.organizer?.email ?? undefined,
		status: event.status ?? undefined,
		html_link: event.htmlLink ?? undefined
	};
}

export function checkTimeBound(field: string, value: string | undefined): string | undefined {
	if (value === undefined) return undefined;
	const time = eventTime(field, value);
	return time.dateTime ?? `${time.date}T00:00:00Z`;
}

export async function listEvents(
	api: calendar_v3.Calendar,
	args: { time_min?: string; time_max?: string; max_results?: number },
	now = new Date()
) {
	const timeMin = checkTimeBound('time_min', args.time_min) ?? now.toISOString();
	const timeMax = checkTimeBound('time_max', args.time_max);
	const { data } = await api.events.list({
		calendarId: 'primary',
		timeMin,
		timeMax,
		singleEvents: true, // orderBy=startTime is only allowed on expanded recurring events
		orderBy: 'startTime',
		maxResults: Math.min(args.max_results ?? 20, MAX_EVENTS)
	});
	return {
		time_zone: data.timeZone ?? undefined,
		events: (data.items ?? []).map(summarize),
		more: Boolean(data.nextPageToken)
	};
}

export async function createEvent(api: calendar_v3.Calendar, input: NewEvent) {
	const start = eventTime('start', input.start);
	const end = eventTime('end', input.end);
	if (Boolean(start.date) !== Boolean(end.date)) {
		throw new CalendarInputError(
			'start and end must both be dates (all-day) or both be date-times'
		);
	}
	const attendees = input.attendees?.map((raw) => {
		const email = raw.trim();
		if (!isEmailAddress(email))
			throw new CalendarInputError(`attendees: "${raw}" is not an email address`);
		return { email };
	});
	const { data } = await api.events.insert({
		calendarId: 'primary',
		// Invitations are not mailed: the person asked a model, not the attendees.
		sendUpdates: 'none',
		requestBody: {
			summary: input.summary,
			description: input.description,
			location: input.location,
			start,
			end,
			attendees
		}
	});
	return summarize(data);
}

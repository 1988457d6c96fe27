import { error } from '@sveltejs/kit';
import { z } from 'zod';
import { sessionDetail } from '$lib/api';
import { api, ApiRequestError } from '$lib/api/client';
import { HISTORY_PAGE } from '$lib/state/chat-items';
import type { PageLoad } from './$types';

const NOT_FOUND = 'This conversation does not exist (it may have been deleted).';
/** Conversation ids are UUIDs (the server makes them; an import keeps only UUIDs). */
const conversationId = z.string().uuid();

export const load: PageLoad = async ({ params, fetch }) => {
	// Anything else could name another route beside /api/sessions/{id} (`export`, `import`).
	if (!conversationId.safeParse(params.id).success) error(404, NOT_FOUND);
	try {
		// The newest page only: older messages load as the person scrolls up (ChatState.loadOlder).
		// Escaped: an id holding `?`, `#`, `/` or a tab would otherwise fetch another API path.
		return {
			session: await api(
				`/api/sessions/${encodeURIComponent(params.id)}?limit=${HISTORY_PAGE}`,
				sessionDetail,
				{ fetch }
			)
		};
	} catch (failure) {
		if (!(failure instanceof ApiRequestError)) throw failure;
		if (failure.status === 404) error(404, NOT_FOUND);
		error(failure.status >= 400 ? failure.status : 500, 'Could not load this conversation.');
	}
};

import { error } from '@sveltejs/kit';
import { sessionDetail } from '$lib/api';
import { api, ApiRequestError } from '$lib/api/client';
import { HISTORY_PAGE } from '$lib/state/chat-items';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, fetch }) => {
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
		if (failure.status === 404)
			error(404, 'This conversation does not exist (it may have been deleted).');
		error(failure.status >= 400 ? failure.status : 500, 'Could not load this conversation.');
	}
};

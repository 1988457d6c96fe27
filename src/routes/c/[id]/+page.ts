import { error } from '@sveltejs/kit';
import type { SessionDetail } from '$lib/api';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, fetch }) => {
	const response = await fetch(`/api/sessions/${params.id}`);
	if (response.status === 404)
		error(404, 'This conversation does not exist (it may have been deleted).');
	if (!response.ok) error(response.status, 'Could not load this conversation.');
	return { session: (await response.json()) as SessionDetail };
};

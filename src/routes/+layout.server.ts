import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
	openrouterConfigured: locals.services.openrouter.configured,
	speechConfigured: Boolean(locals.services.config.deepgram.apiKey)
});

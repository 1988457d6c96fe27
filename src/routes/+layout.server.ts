import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals, route }) => {
	const loginRequired = locals.services.auth.enabled;
	// The login page is served to anyone: it tells them nothing about the setup.
	if (loginRequired && route.id === '/login')
		return { loginRequired, openrouterConfigured: true, speechConfigured: false };
	return {
		loginRequired,
		openrouterConfigured: locals.services.openrouter.configured,
		speechConfigured: Boolean(locals.services.config.deepgram.apiKey)
	};
};

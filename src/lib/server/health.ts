import type { Health } from '$lib/api';
import type { AppServices } from './services';

export function health(services: AppServices): Health {
	return {
		status: 'ok',
		version: services.version,
		openrouter: { configured: services.openrouter.configured },
		mcp: services.mcp.counts(),
		storage: services.config.attachments.gcsBucket ? 'gcs' : 'local',
		speech: { configured: Boolean(services.config.deepgram.apiKey) }
	};
}

import {
	googleDisconnectResponse,
	googleStatus,
	type GoogleDisconnectResponse,
	type GoogleStatus
} from '$lib/api/google';
import { api } from '$lib/api/client';

/** The Google connection as the /mcp page sees it: status loaded from the server, disconnect. */
export class GoogleConnectionState {
	status = $state<GoogleStatus | undefined>();
	loadError = $state<string | undefined>();
	busy = $state(false);

	async load(fetcher: typeof fetch = fetch): Promise<void> {
		try {
			this.status = await api('/api/google/status', googleStatus, { fetch: fetcher });
			this.loadError = undefined;
		} catch (error) {
			this.loadError = (error as Error).message;
		}
	}

	async disconnect(): Promise<GoogleDisconnectResponse> {
		this.busy = true;
		try {
			const result = await api('/api/google/oauth/disconnect', googleDisconnectResponse, {
				method: 'POST'
			});
			await this.load();
			return result;
		} finally {
			this.busy = false;
		}
	}

	reset(): void {
		this.status = undefined;
		this.loadError = undefined;
		this.busy = false;
	}
}

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { GoogleService } from '$lib/server/google/service';
import type { Logger } from '$lib/server/log';
import { silentLogger } from '$lib/server/log';
import { onDispose, testConfig } from '../support/factories';
import { startGoogleStandin, type GoogleStandin } from '../support/google-standin';

export async function googleStandin(): Promise<GoogleStandin> {
	const standin = await startGoogleStandin();
	onDispose(() => standin.close());
	return standin;
}

export function googleService(
	standin: GoogleStandin,
	options: { log?: Logger; now?: () => number; env?: Record<string, string> } = {}
) {
	const config = testConfig({
		GOOGLE_CLIENT_ID: standin.clientId,
		GOOGLE_CLIENT_SECRET: standin.clientSecret,
		GOOGLE_OAUTH_BASE_URL: standin.url,
		GOOGLE_API_ROOT_URL: standin.url,
		...options.env
	});
	return new GoogleService({ config, log: options.log ?? silentLogger, now: options.now });
}

/** Plays the browser: follows the consent URL to the stand-in and returns the callback's query. */
export async function consent(url: string): Promise<URLSearchParams> {
	const response = await fetch(url, { redirect: 'manual' });
	const location = response.headers.get('location');
	if (response.status !== 302 || !location)
		throw new Error(`consent screen answered ${response.status}`);
	return new URL(location).searchParams;
}

/** The whole flow, as the browser and the callback route would run it. */
export async function connect(google: GoogleService) {
	const { url, state } = await google.startAuthorization();
	const query = await consent(url);
	return google.completeAuthorization({
		code: query.get('code'),
		state: query.get('state'),
		error: query.get('error'),
		browserState: state
	});
}

export async function connectedGoogle(
	options: Parameters<typeof googleService>[1] & { grantScopes?: string[] } = {}
) {
	const standin = await googleStandin();
	standin.grantScopes = options.grantScopes;
	const google = googleService(standin, options);
	await connect(google);
	return { standin, google };
}

/** An MCP client on the service's `google` server, over the in-memory transport like the aggregator. */
export async function mcpClient(google: GoogleService) {
	const server = await google.createServer();
	const client = new Client({ name: 'test', version: '1.0.0' });
	const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
	await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
	onDispose(() => client.close());
	return {
		client,
		async call(name: string, args: Record<string, unknown>) {
			const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
			const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('');
			return { isError: Boolean(result.isError), text, json: () => JSON.parse(text) };
		}
	};
}

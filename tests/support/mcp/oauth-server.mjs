// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// An MCP server behind OAuth, with its own authorization server, built on the SDK's server-side
// auth pieces: protected-resource and authorization-server metadata, dynamic client
// registration, PKCE, tokens with refresh (the demo provider's authorize approves at once).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import express from 'express';
import { DemoInMemoryAuthProvider } from '@modelcontextprotocol/sdk/examples/server/demoInMemoryOAuthProvider.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import {
	getOAuthProtectedResourceMetadataUrl,
	mcpAuthRouter
} from '@modelcontextprotocol/sdk/server/auth/router.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { createFixtureServer } from './fixture-server.mjs';

/** The demo provider plus refresh tokens, and a way to make every access token expire. */
class RefreshingProvider extends DemoInMemoryAuthProvider {
	refreshes = 0;
	#refresh = new Map();

	async exchangeAuthorizationCode(client, code, verifier) {
		const tokens = await super.exchangeAuthorizationCode(client, code, verifier);
		const refresh = randomUUID();
		this.#refresh.set(refresh, client.client_id);
		return { ...tokens, refresh_token: refresh };
	}

	async exchangeRefreshToken(client, refreshToken) {
		if (this.#refresh.get(refreshToken) !== client.client_id)
			throw new Error('Invalid refresh token');
		this.refreshes++;
		const token = randomUUID();
		this.tokens.set(token, {
			token,
			clientId: client.client_id,
			scopes: [],
			expiresAt: Date.now() + 3_600_000,
			type: 'access'
		});
		return {
			access_token: token,
			token_type: 'bearer',
			expires_in: 3600,
			refresh_token: refreshToken
		};
	}

	/** An unknown or expired token is a 401 (the demo's plain Error would be a 500). */
	async verifyAccessToken(token) {
		try {
			return await super.verifyAccessToken(token);
		} catch (error) {
			throw new InvalidTokenError(error.message);
		}
	}

	expireAll() {
		for (const data of this.tokens.values()) data.expiresAt = Date.now() - 1;
	}
}

/** @returns {Promise<{ url: string, provider: RefreshingProvider, close(): Promise<void> }>} */
export async function startOAuthFixture() {
	const server = createServer();
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	const base = `http://127.0.0.1:${server.address().port}`;
	const resourceServerUrl = new URL(`${base}/mcp`);
	const provider = new RefreshingProvider();
	const app = express();
	app.use(mcpAuthRouter({ provider, issuerUrl: new URL(base), resourceServerUrl }));
	const sessions = new Map();
	const bearer = requireBearerAuth({
		verifier: provider,
		resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(resourceServerUrl)
	});
	app.all('/mcp', bearer, express.json(), async (req, res) => {
		const id = req.headers['mcp-session-id'];
		let transport = typeof id === 'string' ? sessions.get(id) : undefined;
		if (!transport) {
			if (req.method !== 'POST' || !isInitializeRequest(req.body))
				return res
					.status(400)
					.json({ jsonrpc: '2.0', error: { code: -32000, message: 'No session' }, id: null });
			transport = new StreamableHTTPServerTransport({
				sessionIdGenerator: () => randomUUID(),
				onsessioninitialized: (sid) => sessions.set(sid, transport)
			});
			await createFixtureServer({ name: 'fixture-oauth' }).connect(transport);
		}
		await transport.handleRequest(req, res, req.body);
	});
	server.on('request', app);
	return {
		url: resourceServerUrl.href,
		provider,
		async close() {
			for (const transport of sessions.values()) await transport.close().catch(() => {});
			server.closeAllConnections();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
		}
	};
}

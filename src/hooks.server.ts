import { json, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { building } from '$app/environment';
import { ConfigError, loadConfig, loadDotEnv } from '$lib/server/config';
import { onUnexpectedError } from '$lib/server/http';
import { createServices, type Services } from '$lib/server/services';
import { authGuard } from '$lib/server/auth';
import * as security from '$lib/server/security';

let services: Services;

export const init: ServerInit = async () => {
	if (building) return;
	loadDotEnv();
	// Everything the server creates (database, JSON stores, logs, tokens, uploads) is the user's
	// alone: files 0600, folders 0700, whatever else forgets to say so.
	process.umask(0o077);
	// adapter-node listens on 0.0.0.0 unless told otherwise; Switchboard defaults to loopback.
	// Its entry reads HOST after this hook has run, so the default takes effect.
	process.env.HOST ??= '127.0.0.1';
	try {
		services = createServices(loadConfig());
	} catch (error) {
		if (error instanceof ConfigError) {
			console.error(error.message);
			process.exit(1);
		}
		throw error;
	}
	services.start();
	onUnexpectedError((error) => services.log.error('request failed', { error }));
	services.log.info('server started', {
		version: services.version,
		openrouter_configured: services.openrouter.configured,
		data_dir: services.config.dataDir
	});
	const shutdown = async () => {
		await services.close();
		process.exit(0);
	};
	process.once('SIGTERM', shutdown);
	process.once('SIGINT', shutdown);
};

const provideServices: Handle = ({ event, resolve }) => {
	event.locals.services = services;
	return resolve(event);
};

const logRequests: Handle = async ({ event, resolve }) => {
	const started = performance.now();
	const response = await resolve(event);
	if (event.url.pathname.startsWith('/api/')) {
		services.log.info('request', {
			method: event.request.method,
			path: event.url.pathname,
			status: response.status,
			duration_ms: Math.round((performance.now() - started) * 10) / 10
		});
	}
	return response;
};

/** A wrong method on an API route answers in the API's error shape, not SvelteKit's plain text. */
const apiMethodNotAllowed: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	if (response.status !== 405 || !event.url.pathname.startsWith('/api/')) return response;
	const allow = response.headers.get('allow') ?? '';
	const message = `${event.request.method} is not allowed on ${event.url.pathname} (allowed: ${allow || 'none'}).`;
	return json(
		{ error: { code: 'method_not_allowed', message } },
		{ status: 405, headers: { allow } }
	);
};

export const handle = sequence(
	security.securityHeaders,
	security.contentPolicy(() => services.config),
	security.hostAllowlist(() => services.config.server.allowedHosts),
	security.plainParameters,
	security.crossSiteWrites(() => services.config.server.publicOrigin),
	security.jsonBodies,
	security.bodyLimits(() => services.config.attachments.maxSizeBytes),
	provideServices,
	authGuard(() => services.auth),
	logRequests,
	apiMethodNotAllowed
);

export const handleError: HandleServerError = ({ error, event, status }) => {
	// 4xx here are the caller's mistakes (a malformed URL, a wrong method on a page): not the
	// server's errors, and logging them would let anyone fill the error log.
	if (status >= 500) services?.log.error('unhandled error', { path: event.url.pathname, error });
	return {
		message: status === 404 ? 'Not found' : 'Something went wrong on the server.',
		code: status === 404 ? 'not_found' : 'internal_error'
	};
};

import { redirect } from '@sveltejs/kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '$lib/server/errors';
import { endpoint, onUnexpectedError } from '$lib/server/http';
import type { Services } from '$lib/server/services';
import { disposeAll, errorOf, testServices } from '../support/factories';
import { apiRoutes, inProcessFetch } from '../support/in-process-fetch';

const id = '00000000-0000-4000-8000-000000000000';

/** A request per route and method that gets past parsing to the first service call. */
const reachingAService: Record<string, { path: string; body?: unknown }> = {
	'GET /api/attachments/[id]': { path: `/api/attachments/${id}` },
	'GET /api/attachments/[id]/file': { path: `/api/attachments/${id}/file` },
	'GET /api/attachments/[id]/content': {
		path: `/api/attachments/${id}/content?expires=1&signature=${'0'.repeat(64)}`
	},
	'GET /api/attachments/limits': { path: '/api/attachments/limits' },
	'POST /api/chat': { path: '/api/chat', body: { message: 'hi' } },
	'POST /api/chat/approvals': {
		path: '/api/chat/approvals',
		body: { session_id: 's', tool_call_id: 'c', decision: 'approve' }
	},
	'POST /api/chat/elicitations': {
		path: '/api/chat/elicitations',
		body: { session_id: 's', elicitation_id: 'e', action: 'cancel' }
	},
	'POST /api/chat/samplings': {
		path: '/api/chat/samplings',
		body: { session_id: 's', sampling_id: 'e', action: 'deny' }
	},
	'POST /api/google/oauth/disconnect': { path: '/api/google/oauth/disconnect' },
	'GET /api/google/oauth/start': { path: '/api/google/oauth/start' },
	'GET /api/google/status': { path: '/api/google/status' },
	'GET /api/health': { path: '/api/health' },
	'GET /api/mcp/servers': { path: '/api/mcp/servers' },
	'PUT /api/mcp/servers': { path: '/api/mcp/servers', body: [] },
	'POST /api/mcp/servers/refresh': { path: '/api/mcp/servers/refresh' },
	'GET /api/mcp/prompts': { path: '/api/mcp/prompts' },
	'GET /api/mcp/servers/[id]/oauth/start': { path: '/api/mcp/servers/remote/oauth/start' },
	'POST /api/mcp/servers/[id]/oauth/disconnect': {
		path: '/api/mcp/servers/remote/oauth/disconnect'
	},
	'POST /api/mcp/prompts/get': { path: '/api/mcp/prompts/get', body: { name: 'a__b' } },
	'GET /api/mcp/resources': { path: '/api/mcp/resources' },
	'GET /api/mcp/resources/read': { path: '/api/mcp/resources/read?server_id=a&uri=x%3A%2F%2Fy' },
	'GET /api/models': { path: '/api/models' },
	'GET /api/presets': { path: '/api/presets' },
	'POST /api/presets': { path: '/api/presets', body: { name: 'Deep' } },
	'GET /api/presets/[name]': { path: '/api/presets/Deep' },
	'PUT /api/presets/[name]': { path: '/api/presets/Deep', body: { description: 'd' } },
	'DELETE /api/presets/[name]': { path: '/api/presets/Deep' },
	'POST /api/presets/[name]/apply': { path: '/api/presets/Deep/apply' },
	'GET /api/presets/export': { path: '/api/presets/export' },
	'POST /api/presets/import': { path: '/api/presets/import', body: { presets: [] } },
	'GET /api/projects': { path: '/api/projects' },
	'POST /api/projects': { path: '/api/projects', body: { name: 'Thesis' } },
	'GET /api/projects/[id]': { path: `/api/projects/${id}` },
	'PUT /api/projects/[id]': { path: `/api/projects/${id}`, body: { name: 'Thesis' } },
	'DELETE /api/projects/[id]': { path: `/api/projects/${id}` },
	'GET /api/sessions': { path: '/api/sessions' },
	'GET /api/sessions/export': { path: '/api/sessions/export' },
	'POST /api/sessions/import': { path: '/api/sessions/import', body: [] },
	'GET /api/sessions/[id]': { path: `/api/sessions/${id}` },
	'PATCH /api/sessions/[id]': { path: `/api/sessions/${id}`, body: { title: 'Renamed' } },
	'DELETE /api/sessions/[id]': { path: `/api/sessions/${id}` },
	'GET /api/sessions/[id]/export': { path: `/api/sessions/${id}/export?format=json` },
	'POST /api/sessions/[id]/stop': { path: `/api/sessions/${id}/stop` },
	'GET /api/sessions/[id]/stream': { path: `/api/sessions/${id}/stream` },
	'GET /api/settings/model': { path: '/api/settings/model' },
	'PUT /api/settings/model': { path: '/api/settings/model', body: {} },
	'GET /api/settings/system-prompt': { path: '/api/settings/system-prompt' },
	'PUT /api/settings/system-prompt': {
		path: '/api/settings/system-prompt',
		body: { system_prompt: null }
	},
	'POST /api/stt/deepgram/token': { path: '/api/stt/deepgram/token' },
	'GET /api/suggestions': { path: '/api/suggestions' },
	'POST /api/suggestions': { path: '/api/suggestions', body: { title: 't', prompt: 'p' } },
	'GET /api/suggestions/[id]': { path: '/api/suggestions/s1' },
	'PUT /api/suggestions/[id]': { path: '/api/suggestions/s1', body: { title: 't' } },
	'DELETE /api/suggestions/[id]': { path: '/api/suggestions/s1' },
	'POST /api/uploads': { path: '/api/uploads' }
};

/** Routes whose answer never needs a service, and why they are not in the table above. */
const notReachingAService: Record<string, string> = {
	'/api/[...path]': 'unknown paths: always a 404',
	'/api/attachments/[id]/download': 'removed: always a 410',
	'/api/uploads/[...rest]': 'removed: always a 410',
	'/api/google/oauth/callback': "Google's redirect back: every failure ends on /mcp",
	'/api/mcp/oauth/callback': "an authorization server's redirect back: every failure ends on /mcp"
};

/** Services that fail on first use, the way a broken disk or a bug would. */
function brokenServices(failure: Error): Services {
	return new Proxy({} as Services, {
		get() {
			throw failure;
		}
	});
}

let reported: unknown[];
let restoreReporter: () => void;
beforeEach(() => {
	reported = [];
	restoreReporter = onUnexpectedError((error) => reported.push(error));
});
afterEach(async () => {
	restoreReporter();
	await disposeAll();
});

const send = (services: Services, call: { path: string; body?: unknown }, method: string) =>
	inProcessFetch(services).fetcher(call.path, {
		method,
		body: call.body === undefined ? undefined : JSON.stringify(call.body),
		headers: call.body === undefined ? {} : { 'content-type': 'application/json' }
	});

describe('API errors', () => {
	it('the table below covers every route and method', () => {
		const expected = apiRoutes
			.filter((route) => !(route.id in notReachingAService))
			.flatMap((route) => route.methods.map((method) => `${method} ${route.id}`));
		expect(Object.keys(reachingAService).sort()).toEqual(expected.sort());
	});

	it.each(Object.entries(reachingAService))(
		'%s answers 500 internal_error when a service fails unexpectedly, and logs it',
		async (route, call) => {
			const failure = new Error('disk on fire');
			const response = await send(brokenServices(failure), call, route.split(' ')[0]);
			expect(response.status).toBe(500);
			expect(response.headers.get('content-type')).toMatch(/^application\/json/);
			expect(await response.json()).toEqual({
				error: {
					code: 'internal_error',
					message: 'Something went wrong on the server; the details are in the server log.'
				}
			});
			expect(reported).toEqual([failure]);
		}
	);

	it.each([
		['GET', '/api/nowhere', 404, 'not_found'],
		['DELETE', '/api/sessions/x/y', 404, 'not_found'],
		['GET', `/api/attachments/${id}/download`, 410, 'gone'],
		['GET', '/api/uploads/old/file.png', 410, 'gone'],
		['GET', '/api/presets/Nope', 404, 'preset_not_found'],
		['DELETE', `/api/sessions/${id}`, 404, 'session_not_found'],
		['POST', `/api/sessions/${id}/stop`, 404, 'session_not_found'],
		['GET', `/api/sessions/${id}/stream`, 404, 'session_not_found'],
		['GET', `/api/attachments/${id}/content?expires=soon`, 403, 'invalid_signature'],
		['GET', `/api/attachments/${id}/content`, 403, 'invalid_signature']
	])('%s %s answers a typed %i %s, not logged', async (method, path, status, code) => {
		const response = await send(testServices(), { path }, method);
		expect(await errorOf(response)).toMatchObject({ status, code });
		expect(reported).toEqual([]);
	});

	it('a typed 5xx answers its status and code and is logged', async () => {
		const services = testServices();
		const outage = new AppError(503, 'storage_unavailable', 'The attachment store is down.');
		vi.spyOn(services.attachments, 'info').mockRejectedValue(outage);
		const response = await send(services, { path: `/api/attachments/${id}` }, 'GET');
		expect(await errorOf(response)).toEqual({
			status: 503,
			code: 'storage_unavailable',
			message: 'The attachment store is down.'
		});
		expect(reported).toEqual([outage]);
	});
});

describe('endpoint()', () => {
	it('lets a redirect through to SvelteKit', async () => {
		const handler = endpoint(() => redirect(303, '/login'));
		await expect(handler({})).rejects.toMatchObject({ status: 303, location: '/login' });
		expect(reported).toEqual([]);
	});

	it('answers a synchronous throw like an async one', async () => {
		const handler = endpoint(() => {
			throw new Error('sync');
		});
		expect((await handler({})).status).toBe(500);
		expect(reported).toEqual([new Error('sync')]);
	});
});

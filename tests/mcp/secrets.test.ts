import { describe, expect, it } from 'vitest';
import { MCP_HIDDEN_VALUE, type McpServerConfig } from '$lib/api/mcp';
import { AppError } from '$lib/server/errors';
import { hideSecrets, restoreSecrets, scrubText, shownUrl } from '$lib/server/mcp/secrets';

const HIDDEN = MCP_HIDDEN_VALUE;

const stdio = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({
	id: 'files',
	enabled: true,
	transport: 'stdio',
	command: 'node',
	args: ['server.js'],
	env: { API_TOKEN: 'tok-files-123456', MODE: 'fast' },
	...extra
});

const http = (extra: Partial<McpServerConfig> = {}): McpServerConfig => ({
	id: 'github',
	enabled: true,
	transport: 'http',
	url: 'https://mcp.example.test/mcp',
	headers: { Authorization: 'Bearer ghp_saved_token_0123' },
	...extra
});

function refusal(run: () => unknown): AppError {
	try {
		run();
	} catch (error) {
		expect(error).toBeInstanceOf(AppError);
		return error as AppError;
	}
	throw new Error('expected a 400');
}

describe('restoreSecrets', () => {
	it('keeps saved values for the same server sent back hidden', () => {
		const saved = [stdio(), http()];
		const restored = restoreSecrets(
			saved.map((server) => ({ ...hideSecrets(server), enabled: false })),
			saved
		);
		expect(restored).toEqual(saved.map((server) => ({ ...server, enabled: false })));
	});

	it('keeps them when only what does not decide the destination changed', () => {
		const saved = [stdio()];
		const next = { ...hideSecrets(stdio()), approval: 'ask' as const, disabled_tools: ['rm'] };
		expect(restoreSecrets([next], saved)[0].env).toEqual(saved[0].env);
	});

	it.each([
		['command', { command: '/tmp/steal' }, 'command'],
		['args', { args: ['server.js', '--upload-to', 'https://evil.test'] }, 'args'],
		['cwd', { cwd: '/tmp/elsewhere' }, 'working folder'],
		['transport', { transport: 'sse' as const, url: 'https://evil.test/sse' }, 'transport, URL']
	])('refuses a hidden value for a server whose %s changed', (_what, change, named) => {
		const error = refusal(() =>
			restoreSecrets([{ ...hideSecrets(stdio()), ...change }], [stdio()])
		);
		expect(error.status).toBe(400);
		expect(error.code).toBe('invalid_request');
		expect(error.message).toBe(
			`0.env.API_TOKEN: re-enter the value: the server's command/URL changed (${named}), and a saved value only goes where it went before`
		);
		expect(error.message).not.toContain('tok-files-123456');
	});

	it('refuses a hidden header for a server whose URL changed', () => {
		const error = refusal(() =>
			restoreSecrets([{ ...hideSecrets(http()), url: 'https://collector.evil.test/mcp' }], [http()])
		);
		expect(error.message).toMatch(
			/^0\.headers\.Authorization: re-enter the value: the server's command\/URL changed \(URL\)/
		);
	});

	it('takes a new value typed in for a server that moved', () => {
		const moved = {
			...hideSecrets(http()),
			url: 'https://other.example.test/mcp',
			headers: { Authorization: 'Bearer new' }
		};
		expect(restoreSecrets([moved], [http()])[0].headers).toEqual({ Authorization: 'Bearer new' });
	});

	it('refuses a hidden value under an id that has nothing saved', () => {
		const error = refusal(() =>
			restoreSecrets([{ ...hideSecrets(http()), id: 'other' }], [http()])
		);
		expect(error.message).toMatch(/^0\.headers\.Authorization: the value is hidden/);
	});
});

describe('shownUrl', () => {
	it.each([
		['https://mcp.example.test/mcp', 'https://mcp.example.test/mcp'],
		['https://user:pa55@mcp.example.test:8443/mcp', 'https://mcp.example.test:8443/mcp'],
		[
			'https://mcp.example.test/mcp?token=abc&region=eu#frag',
			`https://mcp.example.test/mcp?token=${HIDDEN}&region=${HIDDEN}`
		],
		[
			'https://actions.example.test/mcp/sk9aZ3kq0Lm2Nb7Xc4Vd8Fe1/sse',
			`https://actions.example.test/mcp/${HIDDEN}/sse`
		]
	])('%s → %s', (url, shown) => {
		expect(shownUrl(url)).toBe(shown);
	});
});

describe('scrubText', () => {
	it('masks the server env and header values, URL secrets and secret arguments', () => {
		const config = stdio({
			args: ['server.js', '--api-key', 'arg-secret-42', '--password=pw-secret-43'],
			env: { API_TOKEN: 'tok-files-123456' }
		});
		const text = scrubText(
			'boom: token tok-files-123456 rejected; key arg-secret-42; pass pw-secret-43',
			config
		);
		expect(text).toBe(`boom: token ${HIDDEN} rejected; key ${HIDDEN}; pass ${HIDDEN}`);
	});

	it('masks the token of a Bearer header printed alone, and URLs in the text', () => {
		const config = http({ url: 'https://bob:hunter22@mcp.example.test/mcp?key=qk-998877' });
		const text = scrubText(
			'GET https://bob:hunter22@mcp.example.test/mcp?key=qk-998877 failed. Sent ghp_saved_token_0123, user bob:hunter22, key qk-998877.',
			config
		);
		expect(text).not.toMatch(/hunter22|qk-998877|ghp_saved_token_0123/);
		// The query value is masked, then the log's own rule names it `[redacted]`.
		expect(text).toContain('GET https://mcp.example.test/mcp?key=[redacted] failed.');
	});

	it('masks the end of a secret that the stderr tail cut off at its start', () => {
		expect(scrubText('es-123456 was refused', stdio())).toBe(`${HIDDEN} was refused`);
	});

	it('applies the log redaction (keys by shape)', () => {
		expect(scrubText('key sk-or-v1-abcdef0123456789 denied', stdio())).toBe(
			'key sk-or-v1-[redacted] denied'
		);
	});

	it('leaves short values and ordinary text alone', () => {
		expect(scrubText('mode fast is on', stdio({ env: { MODE: 'on' } }))).toBe('mode fast is on');
	});
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '$lib/server/config';
import { hostAllowlist, hostName } from '$lib/server/security';
import { outcome, requestEvent, runGuard } from './helpers';

const guard = (allowed: string[] = []) => hostAllowlist(() => allowed);
const withHost = (host: string, allowed?: string[]) =>
	runGuard(guard(allowed), requestEvent('/api/mcp/servers', { headers: { host } })).then(outcome);

describe('host allowlist', () => {
	it.each(['127.0.0.1:3000', 'localhost:3000', 'LOCALHOST', '[::1]:3000', '127.0.0.1'])(
		'answers a loopback name: %s',
		async (host) => {
			expect(await withHost(host)).toBe('passed');
		}
	);

	it.each([
		'attacker.example:3000',
		'attacker.example',
		'127.0.0.1.attacker.example:3000',
		'localhost.attacker.example',
		'127.0.0.2:3000',
		'evil.example@127.0.0.1',
		''
	])('refuses a DNS-rebound page naming %s with 421', async (host) => {
		expect(await withHost(host)).toBe('421 unknown_host');
	});

	it("lets a page's server-side load call the API (SvelteKit's sub-request has no Host)", async () => {
		const event = requestEvent('/api/sessions/x', { headers: { host: '' } });
		expect(await runGuard(guard(), event).then(outcome)).toBe('421 unknown_host');
		const subRequest = { ...event, isSubRequest: true } as typeof event;
		expect(await runGuard(guard(), subRequest).then(outcome)).toBe('passed');
	});

	it('says which names it answers to', async () => {
		const response = await runGuard(
			guard(['chat.example.com']),
			requestEvent('/', { headers: { host: 'attacker.example:3000' } })
		);
		const body = (await response.json()) as { error: { message: string } };
		expect(body.error.message).toContain('attacker.example:3000');
		expect(body.error.message).toContain('chat.example.com');
		expect(body.error.message).toContain('ALLOWED_HOSTS');
	});

	it("answers ORIGIN's host and ALLOWED_HOSTS, on any port", async () => {
		const { server } = loadConfig({
			ORIGIN: 'https://Chat.Example.com',
			APP_PASSWORD: 'hunter2', // required for a non-loopback ORIGIN
			ALLOWED_HOSTS: ' my-laptop.local , 192.168.1.20:3000,[fd00::1]'
		});
		expect(server.allowedHosts).toEqual([
			'chat.example.com',
			'my-laptop.local',
			'192.168.1.20',
			'[fd00::1]'
		]);
		for (const host of [
			'chat.example.com',
			'my-laptop.local:3000',
			'192.168.1.20:8080',
			'[fd00::1]:1'
		])
			expect(await withHost(host, server.allowedHosts), host).toBe('passed');
		expect(await withHost('other.example.com', server.allowedHosts)).toBe('421 unknown_host');
	});

	it('refuses an ALLOWED_HOSTS entry that is not a host name', () => {
		expect(() => loadConfig({ ALLOWED_HOSTS: 'https://chat.example.com/' })).toThrow(
			/ALLOWED_HOSTS/
		);
	});

	it('reads the name out of a Host header', () => {
		expect(hostName('[::1]:3000')).toBe('[::1]');
		expect(hostName('Example.COM:443')).toBe('example.com');
		expect(hostName('a b')).toBeUndefined();
		expect(hostName('x:99999999')).toBeUndefined();
	});
});

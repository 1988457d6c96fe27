import type { Handle } from '@sveltejs/kit';
import { refuse } from './request';

const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];
const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?$/;

/** The name in a Host header, lowercased and without its port; undefined for anything else. */
export function hostName(header: string): string | undefined {
	return HOST.exec(header.trim().toLowerCase())?.[1];
}

/**
 * Answers only requests whose `Host` names this app: loopback, or one of `allowedHosts` (ORIGIN's
 * and ALLOWED_HOSTS). This is the guard against DNS rebinding: a page on attacker.example whose
 * name is then pointed at 127.0.0.1 is same-origin with itself, so the browser lets it call the
 * API and read the answers, but its requests still say `Host: attacker.example`.
 */
export function hostAllowlist(allowedHosts: () => readonly string[]): Handle {
	return function hostAllowlist({ event, resolve }) {
		// SvelteKit's own fetch from a page's `load` during server rendering: a request made inside
		// one that already passed this guard, without a Host header of its own.
		if (event.isSubRequest) return resolve(event);
		const header = event.request.headers.get('host');
		const name = header === null ? undefined : hostName(header);
		if (name !== undefined && (LOOPBACK.includes(name) || allowedHosts().includes(name)))
			return resolve(event);
		const names = [...LOOPBACK, ...allowedHosts()].join(', ');
		return refuse(
			421,
			'unknown_host',
			header === null
				? `The request has no Host header; this Switchboard answers to ${names}.`
				: `This Switchboard does not answer to ${JSON.stringify(header.slice(0, 100))}, only to ${names}; ` +
						'add a name to ALLOWED_HOSTS to reach it under that name.'
		);
	};
}

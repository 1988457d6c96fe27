import { createHash } from 'node:crypto';

/** What OpenAI-style function names allow (and what OpenRouter passes on to every provider). */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX = 64;
const HASH_LENGTH = 8;

export interface ToolKey {
	serverId: string;
	tool: string;
}

const sanitize = (text: string) => text.replace(/[^a-zA-Z0-9_-]/g, '_');
const keyOf = ({ serverId, tool }: ToolKey) => `${serverId}\u0000${tool}`;

function hashed(base: string, key: ToolKey, salt: number): string {
	const hash = createHash('sha256')
		.update(`${keyOf(key)}\u0000${salt}`)
		.digest('hex')
		.slice(0, HASH_LENGTH);
	return `${base.slice(0, MAX - HASH_LENGTH - 1)}_${hash}`;
}

/**
 * Names every tool `{server_id}__{tool}`, sanitized to TOOL_NAME. A name that had to be cut, or
 * that two tools would share after sanitizing, gets a short hash of the original pair instead, so
 * the result depends only on the set of tools (not on connection order) and never collides.
 * A name that needed no change keeps it, even when a mangled name would have matched it.
 */
export function assignToolNames(keys: ToolKey[]): Map<string, string> {
	const groups = new Map<string, ToolKey[]>();
	for (const key of keys) {
		const base = `${sanitize(key.serverId)}__${sanitize(key.tool)}`;
		const group = groups.get(base);
		if (group) group.push(key);
		else groups.set(base, [key]);
	}

	const names = new Map<string, string>();
	const taken = new Set<string>();
	const needHash: [string, ToolKey][] = [];
	for (const [base, group] of groups) {
		const exact = group.filter((key) => `${key.serverId}__${key.tool}` === base);
		const keeper =
			base.length <= MAX && (group.length === 1 || exact.length === 1)
				? group.length === 1
					? group[0]
					: exact[0]
				: undefined;
		for (const key of group) {
			if (key === keeper) {
				names.set(keyOf(key), base);
				taken.add(base);
			} else {
				needHash.push([base, key]);
			}
		}
	}
	for (const [base, key] of needHash) {
		let salt = 0;
		let name = hashed(base, key, salt);
		while (taken.has(name)) name = hashed(base, key, ++salt);
		names.set(keyOf(key), name);
		taken.add(name);
	}
	return names;
}

export const toolKey = keyOf;

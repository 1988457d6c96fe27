import { isDeepStrictEqual } from 'node:util';
import { MCP_HIDDEN_VALUE, type McpServerConfig } from '$lib/api/mcp';
import { badRequest } from '../errors';
import { redactString } from '../log';

const SECRET_FIELDS = ['env', 'headers'] as const;

/** A config as the browser sees it: env and header values replaced by MCP_HIDDEN_VALUE. */
export function hideSecrets<T extends McpServerConfig>(config: T): T {
	const copy = { ...config };
	for (const field of SECRET_FIELDS) {
		const values = config[field];
		if (values)
			copy[field] = Object.fromEntries(Object.keys(values).map((key) => [key, MCP_HIDDEN_VALUE]));
	}
	return copy;
}

/**
 * Where a server's env and header values go: the process started (transport, command, args, cwd)
 * or the URL called. A saved value is only sent back to the same place.
 */
const DESTINATION = ['transport', 'command', 'args', 'cwd', 'url'] as const;

const LABELS: Record<(typeof DESTINATION)[number], string> = {
	transport: 'transport',
	command: 'command',
	args: 'args',
	cwd: 'working folder',
	url: 'URL'
};

function changedDestination(next: McpServerConfig, saved: McpServerConfig): string[] {
	return DESTINATION.filter((field) =>
		field === 'args'
			? !isDeepStrictEqual(next.args ?? [], saved.args ?? [])
			: (next[field] ?? null) !== (saved[field] ?? null)
	).map((field) => LABELS[field]);
}

/**
 * Puts the saved values back where a PUT sent MCP_HIDDEN_VALUE: only for the same server id whose
 * transport, command, args, working folder and URL did not change, so an edit cannot point a
 * server elsewhere and take its saved token along. A hidden value with nothing (or a server
 * pointed elsewhere) behind it is a 400 naming the field, never stored as is.
 */
export function restoreSecrets(
	next: McpServerConfig[],
	saved: McpServerConfig[]
): McpServerConfig[] {
	const byId = new Map(saved.map((config) => [config.id, config]));
	return next.map((config, index) => {
		let copy = config;
		for (const field of SECRET_FIELDS) {
			const values = config[field];
			if (!values || !Object.values(values).includes(MCP_HIDDEN_VALUE)) continue;
			const server = byId.get(config.id);
			const moved = server ? changedDestination(config, server) : [];
			const previous = server?.[field] ?? {};
			const restored: Record<string, string> = {};
			for (const [key, value] of Object.entries(values)) {
				if (value !== MCP_HIDDEN_VALUE) restored[key] = value;
				else if (moved.length)
					throw badRequest(
						`${index}.${field}.${key}: re-enter the value: the server's command/URL changed (${moved.join(', ')}), and a saved value only goes where it went before`,
						'invalid_request'
					);
				else if (Object.hasOwn(previous, key)) restored[key] = previous[key];
				else
					throw badRequest(
						`${index}.${field}.${key}: the value is hidden and server "${config.id}" has no saved ${key} to keep; type the value`,
						'invalid_request'
					);
			}
			copy = { ...copy, [field]: restored };
		}
		return copy;
	});
}

/*
 * Error text without secrets. Connection errors quote URLs and the server's stderr, and they reach
 * the log, GET /api/mcp/servers and (through tool results and app_status) the model.
 */

/** Shorter values are left alone: masking every "on" or "1" would garble messages, not hide keys. */
const MIN_SECRET_LENGTH = 4;
/** A path segment this long with letters and digits reads as a key (`/mcp/<key>/sse`). */
const KEY_SEGMENT = /^(?=[A-Za-z0-9_-]*[0-9])(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{24,}$/;
/** An argument naming a secret: its value (`--token=v`, or the next argument) is one. */
const SECRET_FLAG =
	/^--?[A-Za-z0-9_-]*(?:token|key|secret|password|passwd|auth|credential)[A-Za-z0-9_-]*(=|$)/i;
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>`]+/gi;

/**
 * A URL as error messages show it: no `user:pass@`, every query value masked, no fragment, and
 * path segments that look like keys masked. Text that does not parse loses its userinfo only.
 */
export function shownUrl(url: string): string {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/i, '$1');
	}
	const path = parsed.pathname
		.split('/')
		.map((segment) => (KEY_SEGMENT.test(segment) ? MCP_HIDDEN_VALUE : decoded(segment)))
		.join('/');
	const keys = [...new Set(parsed.searchParams.keys())];
	const query = keys.length ? `?${keys.map((key) => `${key}=${MCP_HIDDEN_VALUE}`).join('&')}` : '';
	return `${parsed.protocol}//${parsed.host}${path}${query}`;
}

function decoded(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

/** Every value of this server that must not appear in text: env, headers, URL parts, secret args. */
function secretsOf(config: McpServerConfig): string[] {
	const found: string[] = [];
	for (const field of SECRET_FIELDS) {
		for (const value of Object.values(config[field] ?? {})) {
			found.push(value);
			// `Bearer <token>`: stderr may print the token alone.
			const last = value.trim().split(/\s+/).pop();
			if (last && last !== value) found.push(last);
		}
	}
	if (config.url && URL.canParse(config.url)) {
		const url = new URL(config.url);
		found.push(url.username, decoded(url.username), url.password, decoded(url.password));
		for (const value of url.searchParams.values()) found.push(value, encodeURIComponent(value));
		for (const segment of url.pathname.split('/'))
			if (KEY_SEGMENT.test(segment)) found.push(segment);
	}
	const args = config.args ?? [];
	args.forEach((arg, index) => {
		const flag = SECRET_FLAG.exec(arg);
		if (!flag) return;
		if (flag[1] === '=') found.push(arg.slice(arg.indexOf('=') + 1));
		else if (index + 1 < args.length) found.push(args[index + 1]);
	});
	return [...new Set(found.filter((value) => value.length >= MIN_SECRET_LENGTH))].sort(
		(a, b) => b.length - a.length
	);
}

/**
 * Text that began inside a secret (a stderr tail cut at its size limit) starts with the end of it:
 * masks that part too.
 */
function maskCutStart(text: string, secrets: string[]): string {
	for (const secret of secrets) {
		for (let length = Math.min(secret.length - 1, text.length, 256); length >= 6; length--) {
			if (text.startsWith(secret.slice(-length))) return MCP_HIDDEN_VALUE + text.slice(length);
		}
	}
	return text;
}

/**
 * Error or stderr text of one server made safe to show and log: its env/header values (and the
 * secrets in its URL and arguments) replaced by MCP_HIDDEN_VALUE, URLs shown by `shownUrl`, then
 * the log's own redaction of keys by shape.
 */
export function scrubText(text: string, config: McpServerConfig): string {
	const secrets = secretsOf(config);
	let out = maskCutStart(text, secrets);
	for (const secret of secrets) out = out.split(secret).join(MCP_HIDDEN_VALUE);
	out = out.replace(URL_IN_TEXT, (url) => {
		// Sentence punctuation after a URL is not part of it.
		const trail = /[.,;:)\]]+$/.exec(url)?.[0] ?? '';
		return shownUrl(url.slice(0, url.length - trail.length)) + trail;
	});
	return redactString(out);
}

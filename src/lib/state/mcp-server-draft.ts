import { mcpServerConfig, type McpApproval, type McpServerConfig } from '$lib/api';

/** The add/edit form as the person types it: lists and maps as lines of text. */
export interface ServerDraft {
	id: string;
	transport: McpServerConfig['transport'];
	command: string;
	args: string;
	env: string;
	cwd: string;
	url: string;
	headers: string;
	approval: McpApproval;
	/** What the server's sampling requests get (default: ask the person). */
	sampling: McpApproval;
}

export type DraftErrors = Partial<Record<keyof ServerDraft, string>>;

export const emptyDraft = (): ServerDraft => ({
	id: '',
	transport: 'stdio',
	command: '',
	args: '',
	env: '',
	cwd: '',
	url: '',
	headers: '',
	approval: 'auto',
	sampling: 'ask'
});

export function draftOf(config: McpServerConfig): ServerDraft {
	return {
		id: config.id,
		transport: config.transport,
		command: config.command ?? '',
		args: (config.args ?? []).join('\n'),
		env: Object.entries(config.env ?? {})
			.map(([key, value]) => `${key}=${value}`)
			.join('\n'),
		cwd: config.cwd ?? '',
		url: config.url ?? '',
		headers: Object.entries(config.headers ?? {})
			.map(([key, value]) => `${key}: ${value}`)
			.join('\n'),
		approval: config.approval ?? 'auto',
		sampling: config.sampling ?? 'ask'
	};
}

const lines = (text: string) =>
	text
		.split('\n')
		.map((line) => line.trim())
		.filter(Boolean);

function pairs(
	text: string,
	separator: string,
	what: string
): { map?: Record<string, string>; error?: string } {
	const map: Record<string, string> = {};
	for (const [index, line] of lines(text).entries()) {
		const at = line.indexOf(separator);
		if (at <= 0) return { error: `Line ${index + 1}: write ${what}` };
		map[line.slice(0, at).trim()] = line.slice(at + separator.length).trim();
	}
	return { map: Object.keys(map).length ? map : undefined };
}

/**
 * Turns a draft into a config (keeping `base`'s enabled flag and disabled tools), or per-field
 * messages from the same schema the server checks with.
 */
export function configFromDraft(
	draft: ServerDraft,
	base: McpServerConfig | undefined,
	takenIds: string[]
): { config?: McpServerConfig; errors: DraftErrors } {
	const errors: DraftErrors = {};
	const env = pairs(draft.env, '=', 'NAME=value');
	const headers = pairs(draft.headers, ':', 'Header-Name: value');
	if (env.error) errors.env = env.error;
	if (headers.error) errors.headers = headers.error;
	if (takenIds.includes(draft.id.trim()))
		errors.id = `Another server is already called “${draft.id.trim()}”.`;

	const local = draft.transport === 'stdio';
	const remote = draft.transport === 'http' || draft.transport === 'sse';
	const candidate = {
		id: draft.id.trim(),
		enabled: base?.enabled ?? true,
		transport: draft.transport,
		...(local && draft.command.trim() ? { command: draft.command.trim() } : {}),
		...(local && lines(draft.args).length ? { args: lines(draft.args) } : {}),
		...(local && env.map ? { env: env.map } : {}),
		...(local && draft.cwd.trim() ? { cwd: draft.cwd.trim() } : {}),
		...(remote && draft.url.trim() ? { url: draft.url.trim() } : {}),
		...(remote && headers.map ? { headers: headers.map } : {}),
		...(base?.disabled_tools?.length ? { disabled_tools: base.disabled_tools } : {}),
		...(draft.approval !== 'auto' ? { approval: draft.approval } : {}),
		...(draft.sampling !== 'ask' ? { sampling: draft.sampling } : {})
	};
	const parsed = mcpServerConfig.safeParse(candidate);
	if (!parsed.success) {
		for (const issue of parsed.error.issues) {
			const field = String(issue.path[0] ?? 'id') as keyof ServerDraft;
			errors[field] ??= issue.message.replace(/ \(server "[^"]*"\)$/, '');
		}
	}
	if (Object.keys(errors).length || !parsed.success) return { errors };
	return { config: parsed.data, errors };
}

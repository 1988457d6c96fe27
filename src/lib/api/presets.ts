import { z } from 'zod';
import { mcpServerConfigList } from './mcp';
import {
	modelId,
	modelSettingsResponse,
	parameterOverrides,
	providerOverrides,
	systemPromptText
} from './settings';

/** Names the static routes under /api/presets/ already use. */
const RESERVED = new Set(['export', 'import']);

/** A preset name is a URL path segment and a label: no slashes, dots-only or control characters. */
export const presetName = z
	.string()
	.trim()
	.min(1, 'must not be empty')
	.max(80, 'is longer than 80 characters')
	.refine(
		(name) => !/[/\\\u0000-\u001f\u007f]/.test(name),
		'must not contain slashes or control characters'
	)
	// A lone surrogate cannot be percent-encoded, so the preset could never be addressed again.
	.refine((name) => !/[\ud800-\udfff]/u.test(name), 'must be well-formed Unicode text')
	.refine((name) => !/^\.+$/.test(name), 'must not be only dots')
	.refine((name) => !RESERVED.has(name.toLowerCase()), 'is reserved (export, import)');

export const presetDescription = z.string().trim().max(500, 'is longer than 500 characters');

/**
 * MCP server configs as stored in a preset. Loose on purpose: `presets.json` must keep loading
 * when the MCP config schema grows; what comes in through the API is checked in full
 * (`mcpServerConfigList`), and the MCP service checks again on apply.
 */
export const presetMcpServers = z
	.array(z.looseObject({ id: z.string().min(1, 'every MCP server needs an id') }))
	.max(100)
	.nullable();

export const preset = z.object({
	name: z.string(),
	description: z.string(),
	model_id: z.string(),
	provider_overrides: providerOverrides,
	parameter_overrides: parameterOverrides,
	system_prompt: z.string().nullable(),
	/** `null`: taken when no MCP service was available; applying it leaves the servers alone. */
	mcp_servers: presetMcpServers,
	/** The chat's Web search toggle (absent in presets saved before it existed: off). */
	web_search: z.boolean().optional(),
	created_at: z.string(),
	updated_at: z.string()
});
export type Preset = z.infer<typeof preset>;

export const presetList = z.object({ presets: z.array(preset) });
export type PresetList = z.infer<typeof presetList>;

/** `POST /api/presets`: snapshots the current setup under this name. */
export const createPresetRequest = z
	.object({
		name: presetName,
		description: presetDescription.optional(),
		/** The Web search toggle of the chat the preset is saved from. */
		web_search: z.boolean().optional()
	})
	.strict();
export type CreatePresetRequest = z.infer<typeof createPresetRequest>;

/** `PUT /api/presets/{name}`: edits the given fields (a new `name` renames). */
export const updatePresetRequest = z
	.object({
		name: presetName.optional(),
		description: presetDescription.optional(),
		model_id: modelId.optional(),
		provider_overrides: providerOverrides.optional(),
		parameter_overrides: parameterOverrides.optional(),
		system_prompt: systemPromptText.nullable().optional(),
		mcp_servers: mcpServerConfigList.nullable().optional(),
		web_search: z.boolean().optional()
	})
	.strict();
export type UpdatePresetRequest = z.infer<typeof updatePresetRequest>;

export const presetChange = z.enum([
	'model',
	'provider_overrides',
	'parameter_overrides',
	'system_prompt',
	'mcp_servers'
]);
export type PresetChange = z.infer<typeof presetChange>;

/** `POST /api/presets/{name}/apply`; `changed` lists what differs from the setup before. */
export const applyPresetResponse = z.object({
	model_settings: modelSettingsResponse,
	system_prompt: z.string().nullable(),
	mcp_servers: z.unknown(),
	/** The preset's Web search setting, for the chat to take. */
	web_search: z.boolean().optional(),
	changed: z.array(presetChange)
});
export type ApplyPresetResponse = z.infer<typeof applyPresetResponse>;

/** The file `GET /api/presets/export` hands out and `POST /api/presets/import` takes. */
export const presetExport = z.object({
	format: z.literal('switchboard.presets'),
	version: z.literal(1),
	exported_at: z.string(),
	presets: z.array(preset)
});
export type PresetExport = z.infer<typeof presetExport>;

/**
 * `GET /api/presets/export?include_secrets=true`: the file carries MCP env/header values only when
 * asked; otherwise they are `MCP_HIDDEN_VALUE` markers.
 */
export const presetExportQuery = z.object({
	include_secrets: z
		.enum(['true', 'false'], 'use true or false')
		.default('false')
		.transform((value) => value === 'true')
});

/** One preset in an import file: timestamps optional, everything else checked like an edit. */
export const importedPreset = z.object({
	name: presetName,
	description: presetDescription.default(''),
	model_id: modelId,
	provider_overrides: providerOverrides.default({}),
	parameter_overrides: parameterOverrides.default({}),
	system_prompt: systemPromptText.nullable().default(null),
	mcp_servers: mcpServerConfigList.nullable().default(null),
	web_search: z.boolean().optional(),
	created_at: z.string().optional(),
	updated_at: z.string().optional()
});
export type ImportedPreset = z.infer<typeof importedPreset>;

export const importPresetsRequest = z.object({
	format: z.literal('switchboard.presets').optional(),
	version: z.literal(1).optional(),
	exported_at: z.string().optional(),
	presets: z.array(importedPreset).max(500),
	/** What to do with a name that already exists: keep ours (default) or take theirs. */
	on_conflict: z.enum(['skip', 'replace']).default('skip')
});
export type ImportPresetsRequest = z.infer<typeof importPresetsRequest>;

export const importPresetsResponse = z.object({
	imported: z.array(z.string()),
	replaced: z.array(z.string()),
	skipped: z.array(z.string()),
	presets: z.array(preset)
});
export type ImportPresetsResponse = z.infer<typeof importPresetsResponse>;

import { z } from 'zod';

/**
 * `vendor/name` with an optional `:variant` (`meta-llama/llama-3.3-70b-instruct:free`), each part
 * letters, digits, `.`, `_`, `-`, starting with a letter or digit (OpenRouter's `~vendor/…` aliases
 * keep their `~`). No spaces, control characters, further slashes or `..`: the id is echoed in
 * messages and logs and sent upstream as is.
 */
const MODEL_ID =
	/^~?[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*(?::[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

/** OpenRouter model ids, plus the offline `switchboard/demo`. */
export const modelId = z
	.string()
	.trim()
	.min(1, 'must not be empty')
	.max(200, 'is longer than 200 characters')
	.regex(MODEL_ID, 'is not a model id such as openai/gpt-4o')
	.refine((id) => !id.includes('..'), 'must not contain ".."');

const providerSlugs = z.array(z.string().trim().min(1, 'must not be empty').max(100)).max(50);
const price = z.number().nonnegative('must be 0 or more');

/**
 * OpenRouter provider routing. Strict: the object goes
 * upstream as `provider`, and an unknown key there makes OpenRouter reject every chat.
 */
export const providerOverrides = z
	.object({
		order: providerSlugs.optional(),
		allow_fallbacks: z.boolean().optional(),
		require_parameters: z.boolean().optional(),
		data_collection: z.enum(['allow', 'deny']).optional(),
		zdr: z.boolean().optional(),
		enforce_distillable_text: z.boolean().optional(),
		only: providerSlugs.optional(),
		ignore: providerSlugs.optional(),
		quantizations: z
			.array(z.enum(['int4', 'int8', 'fp4', 'fp6', 'fp8', 'fp16', 'bf16', 'fp32', 'unknown']))
			.max(9)
			.optional(),
		sort: z.enum(['price', 'throughput', 'latency']).optional(),
		max_price: z
			.object({
				prompt: price.optional(),
				completion: price.optional(),
				request: price.optional(),
				image: price.optional()
			})
			.strict()
			.optional()
	})
	.strict();
export type ProviderOverrides = z.infer<typeof providerOverrides>;

/**
 * Sampling parameters spread into every chat request body. Strict so that nothing here can
 * replace `model`, `messages`, `tools` or `stream`.
 */
export const parameterOverrides = z
	.object({
		temperature: z
			.number()
			.min(0, 'must be between 0 and 2')
			.max(2, 'must be between 0 and 2')
			.optional(),
		top_p: z
			.number()
			.min(0, 'must be between 0 and 1')
			.max(1, 'must be between 0 and 1')
			.optional(),
		top_k: z.number().int('must be a whole number').min(0, 'must be 0 or more').optional(),
		min_p: z
			.number()
			.min(0, 'must be between 0 and 1')
			.max(1, 'must be between 0 and 1')
			.optional(),
		top_a: z
			.number()
			.min(0, 'must be between 0 and 1')
			.max(1, 'must be between 0 and 1')
			.optional(),
		max_tokens: z
			.number()
			.int('must be a whole number')
			.positive('must be a positive whole number')
			.optional(),
		frequency_penalty: z
			.number()
			.min(-2, 'must be between -2 and 2')
			.max(2, 'must be between -2 and 2')
			.optional(),
		presence_penalty: z
			.number()
			.min(-2, 'must be between -2 and 2')
			.max(2, 'must be between -2 and 2')
			.optional(),
		repetition_penalty: z
			.number()
			.min(0, 'must be between 0 and 2')
			.max(2, 'must be between 0 and 2')
			.optional(),
		seed: z.number().int('must be a whole number').optional(),
		stop: z
			.union([z.string().min(1), z.array(z.string().min(1)).max(4, 'at most 4 stop sequences')])
			.optional(),
		reasoning: z
			.object({
				effort: z.enum(['minimal', 'low', 'medium', 'high']).optional(),
				max_tokens: z.number().int().positive().optional(),
				exclude: z.boolean().optional(),
				enabled: z.boolean().optional()
			})
			.strict()
			.optional()
	})
	.strict();
export type ParameterOverrides = z.infer<typeof parameterOverrides>;

export const modelSettingsSource = z.enum(['settings_file', 'env', 'default']);
export type ModelSettingsSourceName = z.infer<typeof modelSettingsSource>;

/** Where the active model came from; `demo` = no OpenRouter key and no model chosen yet. */
export const activeModelSource = z.enum([...modelSettingsSource.options, 'demo']);
export type ActiveModelSource = z.infer<typeof activeModelSource>;

/** `GET|PUT /api/settings/model` answer. */
export const modelSettingsResponse = z.object({
	model_id: z.string(),
	provider_overrides: providerOverrides,
	parameter_overrides: parameterOverrides,
	source: activeModelSource
});
export type ModelSettingsResponse = z.infer<typeof modelSettingsResponse>;

/** `PUT /api/settings/model`: any subset; `model_id: null` forgets the choice (env/default again). */
export const modelSettingsUpdate = z
	.object({
		model_id: modelId.nullable().optional(),
		provider_overrides: providerOverrides.optional(),
		parameter_overrides: parameterOverrides.optional()
	})
	.strict();
export type ModelSettingsUpdate = z.infer<typeof modelSettingsUpdate>;

export const systemPromptText = z.string().max(100_000, 'is longer than 100000 characters');

/** `GET|PUT /api/settings/system-prompt`; `source` says where the prompt in use came from. */
export const systemPromptResponse = z.object({
	system_prompt: z.string().nullable(),
	source: modelSettingsSource
});
export type SystemPromptResponse = z.infer<typeof systemPromptResponse>;

/** `null` forgets the saved prompt (OPENROUTER_SYSTEM_PROMPT applies again); `""` means none. */
export const systemPromptUpdate = z.object({ system_prompt: systemPromptText.nullable() }).strict();
export type SystemPromptUpdate = z.infer<typeof systemPromptUpdate>;

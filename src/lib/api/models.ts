import { z } from 'zod';

/** The offline model: answers without OpenRouter, so a first run can chat at once. */
export const DEMO_MODEL_ID = 'switchboard/demo';

export const catalogueModel = z.object({
	id: z.string(),
	name: z.string(),
	context_length: z.number().nullable(),
	/** USD per token, as strings (OpenRouter's form). */
	pricing: z.record(z.string(), z.string()),
	input_modalities: z.array(z.string()),
	supported_parameters: z.array(z.string()).optional()
});
export type CatalogueModel = z.infer<typeof catalogueModel>;

/** `GET /api/models`: `error` is set when the last refresh failed and an older copy is shown. */
export const modelList = z.object({
	models: z.array(catalogueModel),
	fetched_at: z.string().nullable(),
	error: z.string().nullable()
});
export type ModelList = z.infer<typeof modelList>;

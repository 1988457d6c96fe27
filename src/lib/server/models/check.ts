import { DEMO_MODEL_ID } from '$lib/api/models';
import { modelId } from '$lib/api/settings';
import { badRequest } from '../errors';
import { formatZodError } from '../http';

/** What a model check needs of the catalogue: the ids of its last good fetch, if there was one. */
export interface KnownModels {
	knownIds(): ReadonlySet<string> | undefined;
}

/**
 * Refuses a model id that is not shaped like one (400 `invalid_request`), or that the catalogue
 * does not list when there is one (400 `unknown_model`; the demo model is always known). Without
 * a catalogue (never fetched, or OpenRouter unreachable from the start) any well-formed id passes:
 * OpenRouter itself answers for it then. Answers the id as checked (trimmed).
 */
export function checkModelId(
	id: string,
	models: KnownModels | undefined,
	field = 'model_id'
): string {
	const parsed = modelId.safeParse(id);
	if (!parsed.success)
		throw badRequest(`${field}: ${formatZodError(parsed.error)}`, 'invalid_request');
	const known = models?.knownIds();
	if (known && parsed.data !== DEMO_MODEL_ID && !known.has(parsed.data))
		throw badRequest(
			`${field}: "${parsed.data}" is not in the model catalogue; pick one from GET /api/models`,
			'unknown_model'
		);
	return parsed.data;
}

import {
	parameterOverrides,
	providerOverrides,
	type ParameterOverrides,
	type ProviderOverrides
} from '$lib/api';

/**
 * The settings screen edits overrides as text fields; these turn them into the wire objects and
 * back, with a message per field from the same zod schemas the server uses.
 */
export interface NumberField {
	key:
		| 'temperature'
		| 'top_p'
		| 'top_k'
		| 'min_p'
		| 'top_a'
		| 'max_tokens'
		| 'frequency_penalty'
		| 'presence_penalty'
		| 'repetition_penalty'
		| 'seed';
	label: string;
	hint: string;
	step: string;
}

export const PARAMETER_FIELDS: NumberField[] = [
	{ key: 'temperature', label: 'Temperature', hint: '0 to 2; higher is more varied', step: '0.1' },
	{ key: 'top_p', label: 'Top P', hint: '0 to 1; nucleus sampling', step: '0.05' },
	{ key: 'top_k', label: 'Top K', hint: 'whole number, 0 or more', step: '1' },
	{
		key: 'max_tokens',
		label: 'Max tokens',
		hint: 'positive whole number; caps the reply length',
		step: '1'
	},
	{ key: 'frequency_penalty', label: 'Frequency penalty', hint: '-2 to 2', step: '0.1' },
	{ key: 'presence_penalty', label: 'Presence penalty', hint: '-2 to 2', step: '0.1' },
	{ key: 'repetition_penalty', label: 'Repetition penalty', hint: '0 to 2', step: '0.05' },
	{ key: 'min_p', label: 'Min P', hint: '0 to 1', step: '0.05' },
	{ key: 'seed', label: 'Seed', hint: 'whole number, for repeatable sampling', step: '1' }
];

export interface ParameterDraft {
	numbers: Record<NumberField['key'], string>;
	/** One stop sequence per line. */
	stop: string;
	reasoningEffort: '' | 'minimal' | 'low' | 'medium' | 'high';
}

export type Tri = '' | 'yes' | 'no';

export interface ProviderDraft {
	order: string;
	only: string;
	ignore: string;
	allowFallbacks: Tri;
	requireParameters: Tri;
	zdr: Tri;
	dataCollection: '' | 'allow' | 'deny';
	sort: '' | 'price' | 'throughput' | 'latency';
	quantizations: string[];
	/** USD per million tokens. */
	maxPricePrompt: string;
	maxPriceCompletion: string;
}

export const QUANTIZATIONS = ['int4', 'int8', 'fp4', 'fp6', 'fp8', 'fp16', 'bf16', 'fp32'] as const;

export type FieldErrors = Record<string, string>;

const numberText = (value: number | undefined) => (value === undefined ? '' : String(value));
const triText = (value: boolean | undefined): Tri =>
	value === undefined ? '' : value ? 'yes' : 'no';
const listText = (value: string[] | undefined) => (value ?? []).join(', ');

export function parameterDraft(overrides: ParameterOverrides): ParameterDraft {
	const numbers = Object.fromEntries(
		PARAMETER_FIELDS.map((field) => [field.key, numberText(overrides[field.key])])
	) as ParameterDraft['numbers'];
	const stop =
		overrides.stop === undefined
			? ''
			: Array.isArray(overrides.stop)
				? overrides.stop.join('\n')
				: overrides.stop;
	const effort = overrides.reasoning?.effort ?? '';
	return { numbers, stop, reasoningEffort: effort };
}

export function providerDraft(overrides: ProviderOverrides): ProviderDraft {
	return {
		order: listText(overrides.order),
		only: listText(overrides.only),
		ignore: listText(overrides.ignore),
		allowFallbacks: triText(overrides.allow_fallbacks),
		requireParameters: triText(overrides.require_parameters),
		zdr: triText(overrides.zdr),
		dataCollection: overrides.data_collection ?? '',
		sort: overrides.sort ?? '',
		quantizations: [...(overrides.quantizations ?? [])],
		maxPricePrompt: numberText(overrides.max_price?.prompt),
		maxPriceCompletion: numberText(overrides.max_price?.completion)
	};
}

/** Empty text means "not set"; anything else must be a number. */
function readNumber(text: string, key: string, errors: FieldErrors): number | undefined {
	const trimmed = text.trim();
	if (!trimmed) return undefined;
	const value = Number(trimmed);
	if (!Number.isFinite(value)) {
		errors[key] = 'must be a number';
		return undefined;
	}
	return value;
}

const readList = (text: string) =>
	text
		.split(/[,\n]/)
		.map((item) => item.trim())
		.filter(Boolean);

const readTri = (value: Tri) => (value === '' ? undefined : value === 'yes');

function schemaErrors(
	issues: { path: PropertyKey[]; message: string }[],
	errors: FieldErrors
): void {
	for (const issue of issues) {
		const key = issue.path.map(String).join('.') || 'form';
		errors[key] ??= issue.message.replace(/^Unrecognized key.*/, 'is not a known setting');
	}
}

/** The overrides object to save, or the message for each field that is wrong. */
export function readParameters(draft: ParameterDraft): {
	value: ParameterOverrides | null;
	errors: FieldErrors;
} {
	const errors: FieldErrors = {};
	const raw: Record<string, unknown> = {};
	for (const field of PARAMETER_FIELDS) {
		const value = readNumber(draft.numbers[field.key], field.key, errors);
		if (value !== undefined) raw[field.key] = value;
	}
	const stops = draft.stop.split('\n').filter((line) => line.length > 0);
	if (stops.length) raw.stop = stops;
	if (draft.reasoningEffort) raw.reasoning = { effort: draft.reasoningEffort };
	const parsed = parameterOverrides.safeParse(raw);
	if (!parsed.success) schemaErrors(parsed.error.issues, errors);
	return Object.keys(errors).length ? { value: null, errors } : { value: parsed.data!, errors };
}

export function readProvider(draft: ProviderDraft): {
	value: ProviderOverrides | null;
	errors: FieldErrors;
} {
	const errors: FieldErrors = {};
	const raw: Record<string, unknown> = {};
	for (const key of ['order', 'only', 'ignore'] as const) {
		const list = readList(draft[key]);
		if (list.length) raw[key] = list;
	}
	const tri = {
		allow_fallbacks: draft.allowFallbacks,
		require_parameters: draft.requireParameters,
		zdr: draft.zdr
	};
	for (const [key, value] of Object.entries(tri)) {
		const flag = readTri(value);
		if (flag !== undefined) raw[key] = flag;
	}
	if (draft.dataCollection) raw.data_collection = draft.dataCollection;
	if (draft.sort) raw.sort = draft.sort;
	if (draft.quantizations.length) raw.quantizations = draft.quantizations;
	const prompt = readNumber(draft.maxPricePrompt, 'max_price.prompt', errors);
	const completion = readNumber(draft.maxPriceCompletion, 'max_price.completion', errors);
	if (prompt !== undefined || completion !== undefined) {
		raw.max_price = {
			...(prompt !== undefined ? { prompt } : {}),
			...(completion !== undefined ? { completion } : {})
		};
	}
	const parsed = providerOverrides.safeParse(raw);
	if (!parsed.success) schemaErrors(parsed.error.issues, errors);
	return Object.keys(errors).length ? { value: null, errors } : { value: parsed.data!, errors };
}

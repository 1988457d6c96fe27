import { describe, expect, it } from 'vitest';
import {
	parameterDraft,
	providerDraft,
	readParameters,
	readProvider
} from '$lib/state/overrides-draft';

describe('settings screen overrides form', () => {
	it('turns filled fields into parameter overrides and leaves empty ones out', () => {
		const draft = parameterDraft({});
		draft.numbers.temperature = '0.7';
		draft.numbers.max_tokens = ' 1024 ';
		draft.stop = 'END\n###';
		draft.reasoningEffort = 'high';
		expect(readParameters(draft)).toEqual({
			value: {
				temperature: 0.7,
				max_tokens: 1024,
				stop: ['END', '###'],
				reasoning: { effort: 'high' }
			},
			errors: {}
		});
	});

	it('names each field that is out of range or not a number', () => {
		const draft = parameterDraft({});
		draft.numbers.temperature = '3';
		draft.numbers.top_p = 'lots';
		draft.numbers.max_tokens = '-5';
		const { value, errors } = readParameters(draft);
		expect(value).toBeNull();
		expect(errors).toEqual({
			temperature: 'must be between 0 and 2',
			top_p: 'must be a number',
			max_tokens: 'must be a positive whole number'
		});
	});

	it('round-trips saved overrides through the draft', () => {
		const parameters = { temperature: 0.2, seed: 7, stop: ['x'] };
		expect(readParameters(parameterDraft(parameters)).value).toEqual(parameters);
		const provider = {
			order: ['anthropic', 'openai'],
			allow_fallbacks: false,
			data_collection: 'deny' as const,
			sort: 'price' as const,
			quantizations: ['fp8' as const],
			max_price: { prompt: 3 }
		};
		expect(readProvider(providerDraft(provider)).value).toEqual(provider);
	});

	it('rejects a negative max price', () => {
		const draft = providerDraft({});
		draft.maxPriceCompletion = '-1';
		expect(readProvider(draft).errors).toEqual({ 'max_price.completion': 'must be 0 or more' });
	});
});

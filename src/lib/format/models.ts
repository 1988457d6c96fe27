import type { CatalogueModel } from '$lib/api';
import { formatCount } from './numbers';

/** "128K", "1M", "8,191" → short context sizes for the picker. */
export function formatContext(tokens: number | null): string | null {
	if (!tokens) return null;
	if (tokens >= 1_000_000) return `${+(tokens / 1_000_000).toFixed(1)}M`;
	if (tokens >= 10_000) return `${Math.round(tokens / 1000)}K`;
	return formatCount(tokens);
}

/** OpenRouter prices are USD per token as strings; people compare them per million tokens. */
export function perMillion(price: string | undefined): string | null {
	if (price === undefined || price === '') return null;
	const value = Number(price);
	if (!Number.isFinite(value) || value < 0) return null;
	if (value === 0) return 'free';
	const million = value * 1_000_000;
	return `$${million >= 100 ? million.toFixed(0) : million >= 1 ? million.toFixed(2) : million.toPrecision(2)}`;
}

/** "$2.50 in · $10 out per M tokens", or "free". */
export function formatPricing(model: CatalogueModel): string | null {
	const input = perMillion(model.pricing.prompt);
	const output = perMillion(model.pricing.completion);
	if (!input && !output) return null;
	if (input === 'free' && output === 'free') return 'free';
	return `${input ?? '?'} in / ${output ?? '?'} out per 1M tokens`;
}

export const takesImages = (model: CatalogueModel) => model.input_modalities.includes('image');

/** Every word of the query appears in the model's name or id. */
export function matchesQuery(model: CatalogueModel, query: string): boolean {
	const haystack = `${model.name} ${model.id}`.toLowerCase();
	return query
		.toLowerCase()
		.split(/\s+/)
		.filter(Boolean)
		.every((word) => haystack.includes(word));
}

import type { Usage } from '$lib/api';

export function formatTokens(usage: Usage): string {
	return `${usage.prompt_tokens.toLocaleString('en-US')} in · ${usage.completion_tokens.toLocaleString('en-US')} out`;
}

/** Cost in US dollars, with enough digits that small replies don't show as $0.00. */
export function formatCost(cost: number): string {
	if (cost === 0) return '$0';
	if (cost < 0.0001) return '<$0.0001';
	if (cost < 0.01) return `$${cost.toFixed(4)}`;
	return `$${cost.toFixed(cost < 1 ? 3 : 2)}`;
}

export function formatDuration(ms: number): string {
	return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

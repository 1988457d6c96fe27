import type { Usage } from '$lib/api';

/**
 * A whole number as the app writes them all, "12,345", without Intl: a page's first
 * toLocaleString loads the locale data, some 50 ms on one task (at the end of the first reply).
 */
export function formatCount(count: number): string {
	if (!Number.isSafeInteger(count)) return count.toLocaleString('en-US');
	return String(count).replace(/\B(?=(\d{3})+$)/g, ',');
}

export function formatTokens(usage: Usage): string {
	return `${formatCount(usage.prompt_tokens)} in · ${formatCount(usage.completion_tokens)} out`;
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

/**
 * A file size for people: "512 B", "1 KB", "1.4 KB", "12 KB", "20.0 MB". The server's 413 and the
 * browser's check before an upload use it, so both name the limit the same way.
 */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	const kb = bytes / 1024;
	if (bytes < 1024 * 1024) return `${kb < 10 ? +kb.toFixed(1) : Math.round(kb)} KB`;
	return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

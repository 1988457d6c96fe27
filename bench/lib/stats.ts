/** Nearest-rank percentile of `values` (0 < p <= 100); NaN for no values. */
export function percentile(values: number[], p: number): number {
	if (values.length === 0) return NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.ceil((p / 100) * sorted.length);
	return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export interface Summary {
	n: number;
	p50: number;
	p99: number;
	max: number;
}

export function summarize(values: number[]): Summary {
	return {
		n: values.length,
		p50: percentile(values, 50),
		p99: percentile(values, 99),
		max: Math.max(...values)
	};
}

/** Times `fn` `runs` times after `warmup` untimed runs; milliseconds per run. */
export async function timeRuns(
	fn: () => Promise<unknown>,
	{ runs, warmup = 5 }: { runs: number; warmup?: number }
): Promise<number[]> {
	for (let i = 0; i < warmup; i++) await fn();
	const times: number[] = [];
	for (let i = 0; i < runs; i++) {
		const started = performance.now();
		await fn();
		times.push(performance.now() - started);
	}
	return times;
}

/** A small seeded PRNG (mulberry32), so seeded data and searches are the same on every run. */
export function rng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

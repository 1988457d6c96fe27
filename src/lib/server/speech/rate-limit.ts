/**
 * A sliding-window limit per client key (an IP address): at most `max` hits in `windowMs`.
 * In memory, so it is per server process; that is the whole deployment.
 */
export class RateLimiter {
	readonly #hits = new Map<string, number[]>();
	readonly #max: number;
	readonly #windowMs: number;
	readonly #now: () => number;

	constructor(options: { max: number; windowMs: number; now?: () => number }) {
		this.#max = options.max;
		this.#windowMs = options.windowMs;
		this.#now = options.now ?? Date.now;
	}

	/** Records a hit; returns 0 when allowed, else the milliseconds until the next one is. */
	take(key: string): number {
		const now = this.#now();
		const since = now - this.#windowMs;
		const recent = (this.#hits.get(key) ?? []).filter((time) => time > since);
		if (recent.length >= this.#max) {
			this.#hits.set(key, recent);
			return recent[0] - since;
		}
		recent.push(now);
		this.#hits.set(key, recent);
		if (this.#hits.size > 1000) this.#prune(since);
		return 0;
	}

	#prune(since: number) {
		for (const [key, times] of this.#hits) {
			if (times.every((time) => time <= since)) this.#hits.delete(key);
		}
	}
}

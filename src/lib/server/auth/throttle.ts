/**
 * Wrong passwords counted per client address in a sliding window: after `limit` failures within
 * `windowMs`, the address is refused until the oldest of them leaves the window. Refused attempts
 * are not checked and not counted, so the wait never grows past the window.
 */
export class LoginThrottle {
	readonly #failures = new Map<string, number[]>();
	readonly #limit: number;
	readonly #windowMs: number;
	readonly #maxAddresses: number;
	readonly #now: () => Date;

	constructor(
		options: { limit?: number; windowMs?: number; maxAddresses?: number; now?: () => Date } = {}
	) {
		this.#limit = options.limit ?? 5;
		this.#windowMs = options.windowMs ?? 60_000;
		// Bounds the memory a spray of addresses can take; the oldest address is forgotten first.
		this.#maxAddresses = options.maxAddresses ?? 10_000;
		this.#now = options.now ?? (() => new Date());
	}

	/** Seconds until `address` may try again (0: it may now). */
	retryAfter(address: string): number {
		const recent = this.#recent(address);
		if (recent.length < this.#limit) return 0;
		const freedAt = recent[recent.length - this.#limit] + this.#windowMs;
		return Math.max(1, Math.ceil((freedAt - this.#now().getTime()) / 1000));
	}

	/** Records a wrong password; answers the failures of `address` within the window. */
	fail(address: string): number {
		const recent = [...this.#recent(address), this.#now().getTime()];
		this.#failures.delete(address);
		this.#failures.set(address, recent);
		if (this.#failures.size > this.#maxAddresses)
			this.#failures.delete(this.#failures.keys().next().value!);
		return recent.length;
	}

	/** A right password clears the address's count. */
	forgive(address: string): void {
		this.#failures.delete(address);
	}

	#recent(address: string): number[] {
		const since = this.#now().getTime() - this.#windowMs;
		const recent = (this.#failures.get(address) ?? []).filter((at) => at > since);
		if (recent.length) this.#failures.set(address, recent);
		else this.#failures.delete(address);
		return recent;
	}
}

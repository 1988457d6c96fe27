import { describe, expect, it } from 'vitest';
import { RateLimiter } from '$lib/server/speech/rate-limit';

describe('rate limiter', () => {
	it('allows max hits per window per client and says how long to wait', () => {
		let now = 0;
		const limiter = new RateLimiter({ max: 2, windowMs: 60_000, now: () => now });
		expect(limiter.take('a')).toBe(0);
		now = 10_000;
		expect(limiter.take('a')).toBe(0);
		expect(limiter.take('a')).toBe(50_000);
		expect(limiter.take('b')).toBe(0);
		now = 60_001;
		expect(limiter.take('a')).toBe(0);
	});
});

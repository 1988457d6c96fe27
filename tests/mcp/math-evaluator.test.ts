import { afterEach, describe, expect, it, vi } from 'vitest';
import { MathEvaluator } from '$lib/server/mcp/builtin/math-evaluator';

const evaluators: MathEvaluator[] = [];
afterEach(async () => {
	await Promise.all(evaluators.splice(0).map((evaluator) => evaluator.close()));
});

describe('the calculator worker', () => {
	it('starts at the first call, not when it is made', async () => {
		const evaluator = new MathEvaluator();
		evaluators.push(evaluator);
		expect(evaluator.running).toBe(false);
		expect(await evaluator.evaluate('2 + 2')).toBe('4');
		expect(evaluator.running).toBe(true);
	});

	it('stops after a while without calls and starts again for the next one', async () => {
		const evaluator = new MathEvaluator({ idleStopMs: 50 });
		evaluators.push(evaluator);
		expect(await evaluator.evaluate('6 * 7')).toBe('42');
		await vi.waitFor(() => expect(evaluator.running).toBe(false), { timeout: 5_000 });
		expect(await evaluator.evaluate('sqrt(81)')).toBe('9');
		expect(evaluator.running).toBe(true);
	});
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculatorServer } from '$lib/server/mcp/builtin/calculator';
import { makeAggregator, type TestAggregator } from '../support/mcp/factory';

let setup: TestAggregator;
beforeAll(async () => {
	setup = await makeAggregator({
		configs: [{ id: 'calculator', enabled: true, transport: 'builtin' }],
		builtins: [calculatorServer({ timeoutMs: 3_000, memoryMb: 64 })]
	});
	await setup.aggregator.settled();
	// The worker loads mathjs at the first call; on a busy machine that alone can outlast one
	// call's timeout, so the tests below start from a warm calculator.
	for (let attempt = 0; attempt < 6 && (await evaluate('1+1')).isError; attempt++);
});
afterAll(() => setup.cleanup());

const evaluate = (expression: string) =>
	setup.aggregator.callTool('calculator__evaluate', { expression });

describe('calculator server', () => {
	it.each([
		['2+3*4', '14'],
		['(2+3)*4', '20'],
		['2^10', '1024'],
		['sqrt(16) + abs(-3)', '7'],
		['round(pi, 4)', '3.1416'],
		['0.1 + 0.2', '0.3'],
		['10!', '3628800'],
		['5 cm to inch', '1.9685039370079 inch'],
		['det([1, 2; 3, 4])', '-2'],
		['f(x) = x^2; f(12)', '144']
	])('evaluates %s = %s', async (expression, result) => {
		expect(await evaluate(expression)).toEqual({ content: result, isError: false });
	});

	it('explains a syntax error to the model', async () => {
		const outcome = await evaluate('2 +* 3');
		expect(outcome.isError).toBe(true);
		expect(outcome.content).toMatch(/^Could not evaluate "2 \+\* 3": /);
	});

	it.each([
		'import({x: 1}, {override: true})',
		'createUnit("parsec2", "3 lightyear")',
		'evaluate("1+1")',
		'parse("1+1")',
		'simplify("x + x")',
		'[].constructor',
		'cos.constructor("return process")()',
		'"".constructor.constructor("return process")()'
	])('refuses %s with an error result', async (expression) => {
		const outcome = await evaluate(expression);
		expect(outcome.isError).toBe(true);
		expect(outcome.content).toMatch(/Could not evaluate/);
	});

	it('stops an expression that needs too much memory and keeps working', async () => {
		const outcome = await evaluate('zeros(1e5, 1e5)');
		expect(outcome).toMatchObject({
			isError: true,
			content: expect.stringMatching(/more memory than the calculator allows|took longer/)
		});
		expect(await evaluate('1 + 1')).toEqual({ content: '2', isError: false });
	});

	it('stops an expression that runs too long and keeps working', async () => {
		const outcome = await evaluate('sum(1:1e9)');
		expect(outcome).toMatchObject({
			isError: true,
			content: expect.stringMatching(/took longer than 3000 ms|more memory/)
		});
		expect(await evaluate('6 * 7')).toEqual({ content: '42', isError: false });
	});

	it('keeps no variables between calls', async () => {
		expect((await evaluate('secret = 41')).content).toBe('41');
		expect(await evaluate('secret + 1')).toMatchObject({
			isError: true,
			content: expect.stringMatching(/Undefined symbol secret/)
		});
	});

	it('rejects a missing or wrong expression through the schema', async () => {
		expect((await setup.aggregator.callTool('calculator__evaluate', {})).content).toMatch(
			/missing "expression"/
		);
		expect(
			(await setup.aggregator.callTool('calculator__evaluate', { expression: 42 })).content
		).toMatch(/\/expression must be string/);
	});
});

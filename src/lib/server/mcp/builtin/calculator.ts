import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { MathEvaluator, type MathEvaluatorOptions } from './math-evaluator';
import type { BuiltinServer } from './registry';

/** An McpServer with one tool, `evaluate {expression}`, backed by `evaluator`. */
export function createCalculatorMcpServer(evaluator: MathEvaluator): McpServer {
	const server = new McpServer({ name: 'switchboard-calculator', version: '1.0.0' });
	server.registerTool(
		'evaluate',
		{
			title: 'Calculator',
			description:
				'Evaluates a math expression exactly and returns the result. Supports arithmetic, powers (^), parentheses, ' +
				'functions (sqrt, sin, log, round, ...), constants (pi, e), matrices, and units ("5 cm to inch").',
			inputSchema: {
				expression: z
					.string()
					.min(1)
					.max(2000)
					.describe('The expression, e.g. "2 + 3 * 4" or "sqrt(2) * 10 cm to inch"')
			},
			annotations: { readOnlyHint: true, openWorldHint: false }
		},
		async ({ expression }) => {
			try {
				return { content: [{ type: 'text', text: await evaluator.evaluate(expression) }] };
			} catch (error) {
				return {
					content: [
						{
							type: 'text',
							text: `Could not evaluate "${expression}": ${(error as Error).message}`
						}
					],
					isError: true
				};
			}
		}
	);
	return server;
}

/**
 * The built-in `calculator` server; one worker serves every connection. The worker (mathjs, about
 * 55 MB resident) starts at the first call and stops after a while without calls, so a server that
 * never calculates never pays for it.
 */
export function calculatorServer(options: MathEvaluatorOptions = {}): BuiltinServer {
	const evaluator = new MathEvaluator(options);
	return {
		id: 'calculator',
		create: () => createCalculatorMcpServer(evaluator),
		close: () => evaluator.close()
	};
}

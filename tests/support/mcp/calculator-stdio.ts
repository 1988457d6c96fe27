// The built-in calculator served over stdio, for `bench/mcp.ts` (run: node --import tsx <this file>).
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createCalculatorMcpServer } from '../../../src/lib/server/mcp/builtin/calculator';
import { MathEvaluator } from '../../../src/lib/server/mcp/builtin/math-evaluator';

await createCalculatorMcpServer(new MathEvaluator()).connect(new StdioServerTransport());

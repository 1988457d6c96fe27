// @ts-nocheck -- plain ESM run by node directly; the SDK types are checked in src/
// A process that reads MCP requests on stdin and never answers, not even `initialize`.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

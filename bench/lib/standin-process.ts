import { startOpenRouterStandin } from '../../tests/support/openrouter-standin';

/** The OpenRouter stand-in as a child process of the bench (port 0, tokens without delay). */
const standin = await startOpenRouterStandin({ tokenDelayMs: 0 });
console.log(`ready ${standin.url}`);

// The bench sends thousands of requests; the record of them is of no use here.
setInterval(() => (standin.requests.length = 0), 1_000).unref();

const stop = async () => {
	await standin.close();
	process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

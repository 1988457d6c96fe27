import { startOpenRouterStandin } from './openrouter-standin';
import { e2ePorts } from './ports';

/** Starts every stand-in the e2e suite needs, on the fixed e2e ports; runs until killed. */
const openrouter = await startOpenRouterStandin({ port: e2ePorts.openrouter, tokenDelayMs: 15 });
console.log(`stand-ins ready: openrouter ${openrouter.url}`);

const stop = async () => {
	await openrouter.close();
	process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

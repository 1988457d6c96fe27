import { startDeepgramStandin } from './deepgram-standin';
import { startOpenRouterStandin } from './openrouter-standin';
import { e2ePorts } from './ports';
import { startGoogleStandin } from './google-standin';

/** Starts every stand-in the e2e suite needs, on the fixed e2e ports; runs until killed. */
// Deepgram first: Playwright waits for the OpenRouter port, so everything before it is up too.
// Short audio (10 ms a character) so a spoken answer ends well before the recording's next words.
const deepgram = await startDeepgramStandin({ port: e2ePorts.deepgram, speakMsPerChar: 10 });
const google = await startGoogleStandin({
	port: e2ePorts.google,
	clientId: 'e2e-google-client.apps.googleusercontent.com',
	clientSecret: 'e2e-google-secret'
});
const openrouter = await startOpenRouterStandin({ port: e2ePorts.openrouter, tokenDelayMs: 15 });
console.log(
	`stand-ins ready: openrouter ${openrouter.url}, deepgram ${deepgram.url}, google ${google.url}`
);

const stop = async () => {
	await openrouter.close();
	await deepgram.close();
	await google.close();
	process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

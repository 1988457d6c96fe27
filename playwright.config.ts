import { defineConfig, devices } from '@playwright/test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findChromium } from './tests/support/chromium';
import { e2ePorts } from './tests/support/ports';

const stateDir = process.env.E2E_STATE_DIR ?? mkdtempSync(path.join(tmpdir(), 'switchboard-e2e-'));
process.env.E2E_STATE_DIR = stateDir;
const appUrl = `http://127.0.0.1:${e2ePorts.app}`;

/** The environment of the app under test: every external service points at a local stand-in. */
export const appEnv = {
	PORT: String(e2ePorts.app),
	HOST: '127.0.0.1',
	ORIGIN: appUrl,
	BODY_SIZE_LIMIT: '25M',
	DATA_DIR: path.join(stateDir, 'data'),
	LOG_DIR: path.join(stateDir, 'logs'),
	OPENROUTER_API_KEY: 'sk-or-v1-e2e-test-key',
	OPENROUTER_BASE_URL: `http://127.0.0.1:${e2ePorts.openrouter}/api/v1`,
	OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o',
	// the Deepgram stand-in's key (tests/support/deepgram-standin.ts)
	DEEPGRAM_API_KEY: 'dg-standin-api-key',
	DEEPGRAM_API_URL: `http://127.0.0.1:${e2ePorts.deepgram}`,
	// the Google stand-in's OAuth client (tests/support/serve-standins.ts)
	GOOGLE_CLIENT_ID: 'e2e-google-client.apps.googleusercontent.com',
	GOOGLE_CLIENT_SECRET: 'e2e-google-secret',
	GOOGLE_OAUTH_BASE_URL: `http://127.0.0.1:${e2ePorts.google}`,
	GOOGLE_API_ROOT_URL: `http://127.0.0.1:${e2ePorts.google}`
};

export default defineConfig({
	testDir: 'e2e',
	testMatch: '**/*.e2e.ts',
	fullyParallel: false,
	workers: 1,
	retries: 0,
	timeout: 30_000,
	expect: { timeout: 10_000 },
	reporter: [['list']],
	use: {
		baseURL: appUrl,
		trace: 'retain-on-failure',
		launchOptions: { executablePath: findChromium() }
	},
	projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
	webServer: [
		{
			command: 'npx tsx tests/support/serve-standins.ts',
			port: e2ePorts.openrouter,
			reuseExistingServer: false,
			stdout: 'pipe'
		},
		{
			command: `node ${process.env.SB_BUILD_DIR ?? 'build'}`,
			url: `${appUrl}/api/health`,
			env: appEnv,
			reuseExistingServer: false,
			timeout: 60_000
		}
	]
});

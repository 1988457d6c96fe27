import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

/**
 * The Chromium the browser tests drive: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`, else a
 * browser Playwright installed itself. Undefined when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
	const candidates = [env.CHROMIUM_PATH, '/usr/bin/chromium', playwrightChromium()];
	return candidates.find((file): file is string => !!file && existsSync(file));
}

function playwrightChromium(): string | undefined {
	try {
		return chromium.executablePath();
	} catch {
		return undefined;
	}
}

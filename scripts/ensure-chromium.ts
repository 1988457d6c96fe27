// Run first by `npm test`: makes sure the browser tests have a Chromium. Playwright cannot download
// its own browser on every machine, so as root on Debian this installs Debian's `chromium` package;
// elsewhere it stops with one line saying what to install.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from '../tests/support/chromium';

function install(): void {
	console.log('No Chromium found: installing Debian’s chromium package (apt-get)…');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
		stdio: ['ignore', 'ignore', 'inherit'],
		env
	});
}

if (!findChromium()) {
	const canInstall = process.getuid?.() === 0 && existsSync('/etc/debian_version');
	if (canInstall) install();
	if (!findChromium()) {
		console.error(
			'The browser tests need Chromium: install it (Debian/Ubuntu: `apt-get install chromium`) or set CHROMIUM_PATH to a Chromium binary.'
		);
		process.exit(1);
	}
}

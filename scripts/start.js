#!/usr/bin/env node
// `npm start`: builds the app when there is no build yet (or the sources are newer), then serves it
// with adapter-node. Defaults that `node build` alone would not pick: loopback HOST and an upload-
// sized BODY_SIZE_LIMIT (ATTACHMENTS_MAX_SIZE_BYTES, or the 64 MiB of a conversations import when
// larger, plus room for the multipart envelope). The app checks each route's own limit itself.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

if (existsSync('.env')) {
	const before = { ...process.env };
	process.loadEnvFile('.env');
	Object.assign(process.env, before);
}

function newestMtime(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const full = path.join(dir, entry.name);
		newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
	}
	return newest;
}

const entry = path.resolve('build/index.js');
const stale = !existsSync(entry) || newestMtime('src') > statSync(entry).mtimeMs;
if (stale) {
	console.log('Building Switchboard (first start or sources changed)…');
	execSync('npx vite build', { stdio: 'inherit' });
}

process.env.HOST ??= '127.0.0.1';
process.env.PORT ??= '3000';
const maxUpload = Number(process.env.ATTACHMENTS_MAX_SIZE_BYTES ?? 20 * 1024 * 1024);
const maxImport = 64 * 1024 * 1024;
process.env.BODY_SIZE_LIMIT ??= String(Math.max(maxUpload, maxImport) + 1024 * 1024);

const where = process.env.SOCKET_PATH
	? `socket ${process.env.SOCKET_PATH}`
	: `http://${process.env.HOST.includes(':') ? `[${process.env.HOST}]` : process.env.HOST}:${process.env.PORT}`;
console.log(`Switchboard serves on ${where}`);
console.log(
	process.env.OPENROUTER_API_KEY
		? 'OpenRouter key: set.'
		: 'OpenRouter key: not set (OPENROUTER_API_KEY); chats use the offline demo model until it is.'
);

await import(entry);

// `npm run restore -- DIR`: puts a folder made by `npm run backup` back into DATA_DIR. Refuses
// while the server runs or when the backup fails PRAGMA integrity_check; what it replaces stays
// beside it as *.before-restore.
import path from 'node:path';
import { loadDotEnv } from '../src/lib/server/config';
import { BackupError, restore } from '../src/lib/server/db/backup';

loadDotEnv();
process.umask(0o077);
const dataDir = path.resolve(process.env.DATA_DIR?.trim() || './data');
const from = process.argv[2];
if (!from) {
	console.error('Usage: npm run restore -- <backup folder>');
	process.exit(2);
}
try {
	const { restored, keptAside } = restore(dataDir, from);
	console.log(`Restored ${restored.join(', ')}.`);
	if (keptAside.length) console.log(`The replaced files are kept as ${keptAside.join(', ')}.`);
} catch (error) {
	if (!(error instanceof BackupError)) throw error;
	console.error(`Restore refused: ${error.message}`);
	process.exit(1);
}

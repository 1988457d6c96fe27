// `npm run backup [-- DIR]`: a consistent copy of the database and the JSON settings, safe while
// the server runs, into DIR or DATA_DIR/backups/<timestamp>/. Prints the folder.
import path from 'node:path';
import { loadDotEnv } from '../src/lib/server/config';
import { BackupError, backup } from '../src/lib/server/db/backup';

loadDotEnv();
process.umask(0o077);
const dataDir = path.resolve(process.env.DATA_DIR?.trim() || './data');
try {
	const { dir, files } = await backup(dataDir, process.argv[2]);
	console.error(`Backed up ${files.join(', ')}.`);
	console.log(dir);
} catch (error) {
	if (!(error instanceof BackupError)) throw error;
	console.error(`Backup failed: ${error.message}`);
	process.exit(1);
}

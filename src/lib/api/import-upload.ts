import { importResult, type ImportResult } from './transfer';
import { postFile } from './xhr-upload';

/**
 * POST /api/sessions/import with the file as the multipart field `file`, with progress:
 * `onProgress` gets 0..1; aborting the signal cancels it.
 */
export function importConversations(
	file: File,
	options: { onProgress?: (fraction: number) => void; signal?: AbortSignal } = {}
): Promise<ImportResult> {
	return postFile(
		'/api/sessions/import',
		file,
		{ okStatus: 200, schema: importResult, what: 'import' },
		options
	);
}

import type { drive_v3 } from '@googleapis/drive';
import { cutText } from './text';

export const MAX_FILES = 50;
export const MAX_DOC_CHARS = 50_000;
/** Larger plain files are not downloaded at all; export itself is capped at 10 MB by Google. */
export const MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024;

/** The file exists but cannot be turned into text for a model. */
export class UnreadableFileError extends Error {}

/** Workspace files cannot be downloaded, only exported (Drive answers 403 fileNotDownloadable). */
const EXPORTS: Record<string, string> = {
	'application/vnd.google-apps.document': 'text/plain',
	'application/vnd.google-apps.spreadsheet': 'text/csv',
	'application/vnd.google-apps.presentation': 'text/plain'
};

const TEXT_TYPES =
	/^(text\/|application\/(json|xml|javascript|x-yaml|yaml|csv|x-sh|sql|x-ndjson)\b)|\+(json|xml)$/;

/** Drive query literals escape `\` and `'` (google-apis.md §4). */
export function driveQuote(text: string): string {
	return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export async function searchFiles(api: drive_v3.Drive, query: string, maxResults = 10) {
	const { data } = await api.files.list({
		q: `fullText contains ${driveQuote(query)} and trashed = false`,
		pageSize: Math.min(maxResults, MAX_FILES),
		spaces: 'drive',
		fields:
			'nextPageToken, files(id, name, mimeType, modifiedTime, webViewLink, owners(displayName, emailAddress))'
	});
	return {
		files: (data.files ?? []).map((file) => ({
			id: file.id,
			name: file.name,
			mime_type: file.mimeType,
			modified_time: file.modifiedTime ?? undefined,
			owner: file.owners?.[0]?.displayName ?? file.owners?.[0]?.emailAddress ?? undefined,
			web_view_link: file.webViewLink ?? undefined
		})),
		more: Boolean(data.nextPageToken)
	};
}

export async function readFile(api: drive_v3.Drive, fileId: string) {
	const { data: meta } = await api.files.get({
		fileId,
		fields: 'id, name, mimeType, size, webViewLink'
	});
	const mimeType = meta.mimeType ?? 'application/octet-stream';
	const link = meta.webViewLink ?? undefined;
	let text: string;
	const exportType = EXPORTS[mimeType];
	if (exportType) {
		const { data } = await api.files.export(
			{ fileId, mimeType: exportType },
			{ responseType: 'text' }
		);
		text = String(data);
	} else if (mimeType.startsWith('application/vnd.google-apps.')) {
		throw new UnreadableFileError(
			`"${meta.name}" is a ${mimeType} file, which cannot be exported as text.`
		);
	} else if (TEXT_TYPES.test(mimeType)) {
		if (Number(meta.size ?? 0) > MAX_DOWNLOAD_BYTES) {
			throw new UnreadableFileError(
				`"${meta.name}" is ${meta.size} bytes, more than the ${MAX_DOWNLOAD_BYTES} bytes read as text.`
			);
		}
		const { data } = await api.files.get({ fileId, alt: 'media' }, { responseType: 'text' });
		text = String(data);
	} else {
		throw new UnreadableFileError(
			`"${meta.name}" is a ${mimeType} file; only Google Docs, Sheets, Slides and text files can be read${link ? ` (open it at ${link})` : ''}.`
		);
	}
	const { text: content, cut } = cutText(text, MAX_DOC_CHARS, link);
	return {
		id: meta.id,
		name: meta.name,
		mime_type: mimeType,
		web_view_link: link,
		truncated: cut,
		content
	};
}

import { attachmentInfo, type AttachmentInfo } from './attachments';
import { postFile } from './xhr-upload';

/** POST /api/uploads with progress: `onProgress` gets 0..1; aborting the signal cancels it. */
export function uploadFile(
	file: File,
	options: {
		sessionId?: string | null;
		onProgress?: (fraction: number) => void;
		signal?: AbortSignal;
	} = {}
): Promise<AttachmentInfo> {
	const { sessionId, ...progress } = options;
	return postFile(
		'/api/uploads',
		file,
		{
			okStatus: 201,
			schema: attachmentInfo,
			what: 'upload',
			fields: sessionId ? { session_id: sessionId } : {}
		},
		progress
	);
}

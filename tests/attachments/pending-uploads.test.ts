import { afterEach, describe, expect, it, vi } from 'vitest';
import { uploadLimits, type AttachmentInfo } from '$lib/api';
import { PendingUploads } from '$lib/state/attachments.svelte';
import { GET as LIMITS } from '../../src/routes/api/attachments/limits/+server';
import { appServices, attachmentEnv, call, cleanUp } from './helpers';

afterEach(cleanUp);

/** The limits as the browser reads them: from the real route of an app with a 1 KB limit. */
function limitsOfApp() {
	const services = appServices(
		attachmentEnv('local', undefined, { ATTACHMENTS_MAX_SIZE_BYTES: '1024' })
	);
	return async () =>
		uploadLimits.parse(await (await call(LIMITS, services, '/api/attachments/limits')).json());
}

/** Stands in for the XHR upload (there is no XMLHttpRequest in node); records what was sent. */
function recordingUploader() {
	const sent: string[] = [];
	const upload = async (file: File): Promise<AttachmentInfo> => {
		sent.push(file.name);
		return {
			attachment_id: '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b',
			file_name: file.name,
			mime_type: 'text/plain',
			size_bytes: file.size,
			signed_url: '/api/attachments/x/content?expires=1&signature=0',
			signed_url_expires_at: new Date(Date.now() + 60_000).toISOString(),
			sha256: '0'.repeat(64),
			created_at: new Date().toISOString()
		};
	};
	return { sent, upload };
}

const settled = (uploads: PendingUploads) => vi.waitFor(() => expect(uploads.busy).toBe(false));

describe('files attached in the browser', () => {
	it('are refused before sending when they are over the server limit, saying the limit', async () => {
		const { sent, upload } = recordingUploader();
		const uploads = new PendingUploads(upload, limitsOfApp());
		uploads.add([
			new File([new Uint8Array(2048)], 'big.txt', { type: 'text/plain' }),
			new File(['small'], 'small.txt', { type: 'text/plain' })
		]);
		await settled(uploads);

		expect(sent).toEqual(['small.txt']);
		const [big, small] = uploads.items;
		expect(big).toMatchObject({
			status: 'error',
			error: 'big.txt is larger than the 1 KB limit (2 KB).'
		});
		expect(small.status).toBe('done');
		expect(uploads.take().ids).toEqual([small.attachment!.attachment_id]);
	});

	it('are still sent when the limit cannot be read, leaving the check to the server', async () => {
		const { sent, upload } = recordingUploader();
		let asked = 0;
		const uploads = new PendingUploads(upload, async () => {
			asked++;
			throw new Error('offline');
		});
		uploads.add([new File(['a'], 'a.txt')]);
		await settled(uploads);
		uploads.add([new File(['b'], 'b.txt')]);
		await settled(uploads);
		expect(sent).toEqual(['a.txt', 'b.txt']);
		expect(asked).toBe(2); // a failed read is retried with the next file
	});
});

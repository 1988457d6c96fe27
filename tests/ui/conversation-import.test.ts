import { describe, expect, it, vi } from 'vitest';
import { ApiRequestError } from '$lib/api/client';
import { ConversationImport } from '$lib/state/conversation-import.svelte';

const file = () => new File(['[]'], 'conversations.json', { type: 'application/json' });

describe('ConversationImport', () => {
	it('reports the upload, then the import, then the result, and tells the sidebar', async () => {
		const phases: string[] = [];
		let finish!: () => void;
		const onImported = vi.fn();
		const job = new ConversationImport(onImported, (_, options) => {
			options?.onProgress?.(0.5);
			phases.push(`${job.phase} ${job.progress}`);
			options?.onProgress?.(1);
			phases.push(`${job.phase} ${job.progress}`);
			return new Promise((resolve) => {
				finish = () => resolve({ imported: 2, skipped: 1, session_ids: ['a', 'b'] });
			});
		});
		const running = job.import(file());
		expect(job.busy).toBe(true);
		expect(job.fileName).toBe('conversations.json');
		finish();
		await running;
		expect(phases).toEqual(['uploading 0.5', 'importing 1']);
		expect(job.phase).toBe('done');
		expect(job.result).toEqual({ imported: 2, skipped: 1, session_ids: ['a', 'b'] });
		expect(onImported).toHaveBeenCalledWith(job.result);
	});

	it("keeps the server's message when the file is refused, and the list untouched", async () => {
		const onImported = vi.fn();
		const job = new ConversationImport(onImported, async () => {
			throw new ApiRequestError(400, 'invalid_import_file', 'Conversation 2 ("X"): mapping: bad');
		});
		await job.import(file());
		expect(job.phase).toBe('failed');
		expect(job.error).toBe('Conversation 2 ("X"): mapping: bad');
		expect(onImported).not.toHaveBeenCalled();
	});
});

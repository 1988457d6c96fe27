import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AttachmentReaper } from '$lib/server/attachments/reaper';
import { AttachmentRepository } from '$lib/server/attachments/repository';
import type { BlobStorage } from '$lib/server/attachments/storage/storage';
import type { Logger } from '$lib/server/log';
import {
	attachmentEnv,
	cleanUp,
	DAY,
	FIXTURES,
	gcsFixture,
	harness,
	MODES,
	testClock,
	type Harness,
	type StorageMode
} from './helpers';

const clock = testClock();
let gcs: Awaited<ReturnType<typeof gcsFixture>>;
beforeAll(async () => {
	gcs = await gcsFixture(clock);
});
afterAll(() => gcs.close());
afterEach(cleanUp);

function recordingLogger() {
	const records: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
	const log: Logger = {
		debug: (msg, fields) => records.push({ level: 'debug', msg, fields }),
		info: (msg, fields) => records.push({ level: 'info', msg, fields }),
		warn: (msg, fields) => records.push({ level: 'warn', msg, fields }),
		error: (msg, fields) => records.push({ level: 'error', msg, fields }),
		child: () => log,
		conversation: () => {},
		close: async () => {}
	};
	return { log, records };
}

/** Storage whose deletes fail for the names in `failing` (a bucket outage for some objects). */
function flaky(storage: BlobStorage, failing: Set<string>): BlobStorage {
	return Object.assign(Object.create(storage), {
		delete: async (blob: string) => {
			if (failing.has(blob)) throw new Error('503 backend unavailable');
			return storage.delete(blob);
		}
	});
}

const ids = (h: Harness) =>
	(
		h.db.$client.prepare('select attachment_id from attachments order by attachment_id').all() as {
			attachment_id: string;
		}[]
	).map((r) => r.attachment_id);

describe('attachment reaper in production wiring', () => {
	it('runs on the real clock when none is injected', async () => {
		const h = harness(attachmentEnv('local'));
		await h.service.save({ data: Buffer.from('fresh'), fileName: 'a.txt' });
		expect(await h.reaper.run()).toEqual({ deleted: 0, failed: 0, orphans: 0 });
		expect(ids(h)).toHaveLength(1);
	});
});

describe('attachment reaper queries', () => {
	it('looks blobs up by name through an index, not a scan of every attachment', () => {
		const h = harness(attachmentEnv('local'));
		const plan = h.db.$client
			.prepare('explain query plan select gcs_blob from attachments where gcs_blob in (?, ?)')
			.all('a', 'b') as { detail: string }[];
		expect(plan.map((step) => step.detail).join('\n')).toContain('attachments_gcs_blob_idx');
	});
});

describe.each(MODES)('attachment reaper (%s)', (mode: StorageMode) => {
	const build = () => {
		gcs.standin.objects.clear();
		const recorder = recordingLogger();
		const h = harness(attachmentEnv(mode, gcs, { ATTACHMENTS_RETENTION_DAYS: '30' }), {
			now: clock.now,
			log: recorder.log
		});
		const reaper = (options: Partial<ConstructorParameters<typeof AttachmentReaper>[0]> = {}) =>
			new AttachmentReaper({
				repo: new AttachmentRepository(h.db),
				storage: h.storage,
				log: recorder.log,
				retentionDays: 30,
				now: clock.now,
				...options
			});
		const save = (name: string) =>
			h.service.save({ data: Buffer.from(`content of ${name}`), fileName: name });
		const blobExists = async (id: string) =>
			(await h.storage.get(h.storage.blobName(id))) !== undefined;
		return { h, reaper, save, blobExists, records: recorder.records };
	};

	it('deletes attachments unused for the retention period, blob and row, and keeps the rest', async () => {
		const { h, save, blobExists, records } = build();
		const old = await save('old.txt');
		clock.advance(20 * DAY);
		const recent = await save('recent.txt');
		clock.advance(11 * DAY);

		expect(await h.reaper.run()).toEqual({ deleted: 1, failed: 0, orphans: 0 });
		expect(ids(h)).toEqual([recent.attachment_id]);
		expect(await blobExists(old.attachment_id)).toBe(false);
		expect(await blobExists(recent.attachment_id)).toBe(true);
		expect(records).toContainEqual(
			expect.objectContaining({
				level: 'info',
				msg: 'attachments reaped',
				fields: expect.objectContaining({ deleted: 1, failed: 0, orphans: 0 })
			})
		);
	});

	it('keeps an old attachment that was used recently', async () => {
		const { h, save } = build();
		const old = await save('old.txt');
		clock.advance(29 * DAY);
		await h.service.info(old.attachment_id); // read again: used
		clock.advance(29 * DAY);
		expect((await h.reaper.run()).deleted).toBe(0);
		expect(ids(h)).toEqual([old.attachment_id]);
	});

	it('works through many attachments in batches', async () => {
		const { h, reaper, save } = build();
		for (let i = 0; i < 5; i++) await save(`file-${i}.txt`);
		clock.advance(31 * DAY);
		expect(await reaper({ batchSize: 2 }).run()).toEqual({ deleted: 5, failed: 0, orphans: 0 });
		expect(ids(h)).toEqual([]);
	});

	it('finishes the job after a crash between deleting blobs and deleting rows, and a second run finds nothing', async () => {
		const { h, save, reaper } = build();
		const a = await save('a.txt');
		const b = await save('b.txt');
		clock.advance(31 * DAY);
		await h.storage.delete(h.storage.blobName(a.attachment_id)); // the blob went, then the process died
		expect(await reaper().run()).toEqual({ deleted: 2, failed: 0, orphans: 0 });
		expect(ids(h)).toEqual([]);
		expect(await reaper().run()).toEqual({ deleted: 0, failed: 0, orphans: 0 });
		expect(b).toBeDefined();
	});

	it('keeps the row when its blob could not be deleted, and retries on the next run', async () => {
		const { h, save, reaper, records } = build();
		const stuck = await save('stuck.txt');
		const fine = await save('fine.txt');
		clock.advance(31 * DAY);
		const failing = new Set([h.storage.blobName(stuck.attachment_id)]);
		expect(await reaper({ storage: flaky(h.storage, failing) }).run()).toEqual({
			deleted: 1,
			failed: 1,
			orphans: 0
		});
		expect(ids(h)).toEqual([stuck.attachment_id]);
		expect(
			records.some(
				(record) => record.level === 'warn' && record.fields?.attachment_id === stuck.attachment_id
			)
		).toBe(true);

		failing.clear();
		expect((await reaper({ storage: flaky(h.storage, failing) }).run()).deleted).toBe(1);
		expect(ids(h)).toEqual([]);
		expect(fine).toBeDefined();
	});

	it('sweeps blobs whose row was never written, after a grace period, and leaves foreign objects alone', async () => {
		const { h, reaper } = build();
		const orphan = h.storage.blobName('11111111-2222-4333-8444-555555555555');
		await h.storage.put(orphan, Buffer.from('half an upload'), 'text/plain');
		if (mode === 'gcs')
			gcs.standin.objects.set('other-app/keep.txt', {
				...gcs.standin.objects.get(orphan)!,
				name: 'other-app/keep.txt'
			});
		else writeFileSync(path.join(h.config.dataDir, 'attachments', 'keep-me.txt'), 'not ours');

		// Blob times come from the bucket's clock (GCS stand-in: the test clock; local disk: the file's mtime).
		const storageNow = mode === 'gcs' ? clock.now : () => new Date();
		const hoursLater = (hours: number) => () =>
			new Date(storageNow().getTime() + hours * 60 * 60_000);
		expect((await reaper({ orphanGraceMs: 60 * 60_000, now: hoursLater(0.5) }).run()).orphans).toBe(
			0
		); // might still be uploading
		expect((await reaper({ orphanGraceMs: 60 * 60_000, now: hoursLater(2) }).run()).orphans).toBe(
			1
		);
		expect(await h.storage.get(orphan)).toBeUndefined();
		if (mode === 'gcs') expect(gcs.standin.objects.has('other-app/keep.txt')).toBe(true);
		else expect(existsSync(path.join(h.config.dataDir, 'attachments', 'keep-me.txt'))).toBe(true);
	});

	it('runs once at start and shares a pass already in progress', async () => {
		const { h, save } = build();
		await save('old.txt');
		clock.advance(31 * DAY);
		h.reaper.start();
		const [first, second] = await Promise.all([h.reaper.run(), h.reaper.run()]);
		expect(first).toBe(second);
		expect(first.deleted).toBe(1);
		await h.reaper.stop();
	});
});

describe.each(MODES)(
	'the reaper and a chat using the same attachment (%s)',
	(mode: StorageMode) => {
		/** A gate tests open by hand, and a promise that says when something reached it. */
		function gate() {
			let open!: () => void;
			let reached!: () => void;
			const opened = new Promise<void>((resolve) => (open = resolve));
			const arrived = new Promise<void>((resolve) => (reached = resolve));
			return { open, arrived, pass: () => (reached(), opened) };
		}
		const build = (modelInputs?: () => Promise<string[]>) => {
			gcs.standin.objects.clear();
			return harness(attachmentEnv(mode, gcs), { now: clock.now, modelInputs });
		};
		const unknown = { status: 400, code: 'unknown_attachment' };

		it('refuses to send a file while the reaper is deleting it, and leaves no row without its file', async () => {
			const h = build();
			const old = await h.service.save({ data: Buffer.from('old notes'), fileName: 'old.txt' });
			clock.advance(31 * DAY);
			const deleting = gate();
			const remove = h.storage.delete.bind(h.storage);
			h.storage.delete = async (blob) => {
				await deleting.pass();
				return remove(blob);
			};

			const run = h.reaper.run();
			await deleting.arrived;
			await expect(h.chat.validate([old.attachment_id], 'openai/gpt-4o')).rejects.toMatchObject(
				unknown
			);
			await expect(h.service.info(old.attachment_id)).rejects.toMatchObject({ status: 404 });
			deleting.open();
			expect((await run).deleted).toBe(1);
			expect(ids(h)).toEqual([]);
		});

		it('does not let a chat link a file the reaper deleted while the model was being looked up', async () => {
			const lookup = gate();
			const h = build(async () => {
				await lookup.pass();
				return ['text', 'image'];
			});
			const image = await h.service.save({ data: FIXTURES.png(), fileName: 'chart.png' });
			clock.advance(31 * DAY);

			const checking = h.chat.validate([image.attachment_id], 'openai/gpt-4o');
			await lookup.arrived;
			expect((await h.reaper.run()).deleted).toBe(1);
			lookup.open();
			await expect(checking).rejects.toMatchObject(unknown);
		});

		it('keeps an old file that a chat has just checked for sending', async () => {
			const h = build();
			const old = await h.service.save({ data: Buffer.from('old notes'), fileName: 'old.txt' });
			clock.advance(31 * DAY);
			await h.chat.validate([old.attachment_id], 'openai/gpt-4o');
			expect((await h.reaper.run()).deleted).toBe(0);
			expect(ids(h)).toEqual([old.attachment_id]);
		});
	}
);

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CRC32C } from '@google-cloud/storage';
import { crc32c } from '../support/gcs-standin';
import {
	attachmentEnv,
	cleanUp,
	fetchSigned,
	FIXTURES,
	gcsFixture,
	harness,
	MODES,
	testClock
} from './helpers';

const clock = testClock();
let gcs: Awaited<ReturnType<typeof gcsFixture>>;
beforeAll(async () => {
	gcs = await gcsFixture(clock);
});
afterAll(() => gcs.close());
afterEach(cleanUp);

describe.each(MODES)('attachment storage (%s)', (mode) => {
	const build = (extra: Record<string, string> = {}) =>
		harness(attachmentEnv(mode, gcs, extra), { now: clock.now });

	it('serves the stored bytes back through the signed URL, with the type decided at upload', async () => {
		const h = build();
		const png = FIXTURES.png();
		const saved = await h.service.save({
			data: png,
			fileName: 'chart.png',
			claimedType: 'application/octet-stream'
		});
		const response = await fetchSigned(h, saved.signed_url);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('image/png');
		expect(response.headers.get('content-disposition')).toContain('inline; filename="chart.png"');
		expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);
	});

	it('round-trips a 9 MB file intact', async () => {
		const h = build();
		const data = Buffer.alloc(9 * 1024 * 1024, 'lorem ipsum dolor sit amet\n');
		const saved = await h.service.save({ data, fileName: 'big.txt' });
		expect(saved.size_bytes).toBe(data.length);
		expect((await h.storage.get(h.storage.blobName(saved.attachment_id)))?.equals(data)).toBe(true);
	});

	it('treats reading or deleting a missing blob as "gone", not as an error', async () => {
		const h = build();
		const name = h.storage.blobName('00000000-0000-4000-8000-000000000000');
		expect(await h.storage.get(name)).toBeUndefined();
		await expect(h.storage.delete(name)).resolves.toBeUndefined();
	});

	it('lists its own blobs with their creation time', async () => {
		const h = build();
		const saved = await h.service.save({ data: Buffer.from('listed'), fileName: 'a.txt' });
		const listed = [];
		for await (const blob of h.storage.list()) listed.push(blob);
		const mine = listed.find((blob) => blob.name === h.storage.blobName(saved.attachment_id));
		expect(mine).toBeDefined();
		expect(mine!.createdAt).toBeInstanceOf(Date);
	});

	it('refuses a signed URL whose signature was tampered with', async () => {
		const h = build();
		const saved = await h.service.save({ data: Buffer.from('secret'), fileName: 'a.txt' });
		const forged = saved.signed_url.replace(
			/(signature=|X-Goog-Signature=)([0-9a-f])/i,
			(_, key, c) => key + (c === '0' ? '1' : '0')
		);
		expect(forged).not.toBe(saved.signed_url);
		expect((await fetchSigned(h, forged)).status).toBe(403);
	});

	it('refuses a signed URL once it has expired', async () => {
		const h = build({ ATTACHMENTS_SIGNED_URL_TTL_SECONDS: '3600' });
		const saved = await h.service.save({ data: Buffer.from('short-lived'), fileName: 'a.txt' });
		clock.advance(59 * 60 * 1000);
		expect((await fetchSigned(h, saved.signed_url)).status).toBe(200);
		clock.advance(2 * 60 * 1000);
		const expired = await fetchSigned(h, saved.signed_url);
		expect([400, 403]).toContain(expired.status);
	});

	it('signs URLs for at most the configured lifetime', async () => {
		const h = build({ ATTACHMENTS_SIGNED_URL_TTL_SECONDS: '600' });
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		expect(Date.parse(saved.signed_url_expires_at) - clock.now().getTime()).toBe(600_000);
	});
});

describe('GCS specifics', () => {
	it('the stand-in reports the same CRC32C the client library computes', () => {
		for (const data of [Buffer.from('hello world'), Buffer.alloc(0), FIXTURES.png()]) {
			const client = new CRC32C();
			client.update(data);
			expect(crc32c(data)).toBe(client.toString());
		}
		expect(crc32c(Buffer.from('hello world'))).toBe('yZRlqg==');
	});

	it('uploads small files in one multipart request and large ones resumably, both checksum-verified', async () => {
		const h = harness(attachmentEnv('gcs', gcs), { now: clock.now });
		gcs.standin.requests.length = 0;
		await h.service.save({ data: Buffer.from('small'), fileName: 'small.txt' });
		await h.service.save({ data: Buffer.alloc(9 * 1024 * 1024, 'b'), fileName: 'large.txt' });
		const uploads = gcs.standin.requests
			.filter((request) => request.uploadType)
			.map((request) => `${request.method} ${request.uploadType}`);
		expect(uploads).toEqual(['POST multipart', 'POST resumable', 'PUT resumable']);
	});

	it('keeps objects under the attachments/ prefix of the private bucket', async () => {
		const h = harness(attachmentEnv('gcs', gcs), { now: clock.now });
		const saved = await h.service.save({ data: Buffer.from('where'), fileName: 'a.txt' });
		expect(gcs.standin.objects.get(`attachments/${saved.attachment_id}`)?.contentType).toBe(
			'text/plain'
		);
		expect(
			saved.signed_url.startsWith(`${gcs.standin.url}/${gcs.standin.bucket}/attachments/`)
		).toBe(true);
	});
});

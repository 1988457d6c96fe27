import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import path from 'node:path';
import { URL_SECRET_FILE } from '$lib/server/attachments';
import {
	attachmentEnv,
	cleanUp,
	DAY,
	fetchSigned,
	FIXTURES,
	gcsFixture,
	harness,
	testClock
} from './helpers';

afterEach(cleanUp);

describe('local signed URLs', () => {
	it('creates the signing secret once, readable by the owner only, and keeps old links valid after a restart', async () => {
		const env = attachmentEnv('local');
		const first = harness(env);
		const saved = await first.service.save({ data: Buffer.from('kept'), fileName: 'a.txt' });
		const secret = path.join(first.config.dataDir, URL_SECRET_FILE);
		expect(statSync(secret).mode & 0o777).toBe(0o600);

		const restarted = harness(env);
		expect((await fetchSigned(restarted, saved.signed_url)).status).toBe(200);
	});

	it('serves text with its charset, the sanitized name, and nosniff', async () => {
		const h = harness(attachmentEnv('local'));
		const saved = await h.service.save({
			data: Buffer.from('<script>alert(1)</script>'),
			fileName: 'page.html'
		});
		const response = await fetchSigned(h, saved.signed_url);
		expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
		expect(response.headers.get('x-content-type-options')).toBe('nosniff');
		expect(response.headers.get('content-disposition')).toBe(
			`inline; filename="page.html"; filename*=UTF-8''page.html`
		);
		expect(await response.text()).toBe('<script>alert(1)</script>');
	});

	it('refuses a signature moved to another attachment', async () => {
		const h = harness(attachmentEnv('local'));
		const mine = await h.service.save({ data: Buffer.from('mine'), fileName: 'a.txt' });
		const theirs = await h.service.save({ data: Buffer.from('theirs'), fileName: 'b.txt' });
		const swapped = theirs.signed_url.replace(theirs.attachment_id, mine.attachment_id);
		const response = await fetchSigned(h, swapped);
		expect(response.status).toBe(403);
		expect((await response.json()).error.code).toBe('invalid_signature');
	});

	it('refuses a link whose expiry was pushed back by hand', async () => {
		const h = harness(attachmentEnv('local'));
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		const extended = saved.signed_url.replace(
			/expires=(\d+)/,
			(_, value) => `expires=${Number(value) + 86_400}`
		);
		expect((await fetchSigned(h, extended)).status).toBe(403);
	});

	it.each([
		['no signature', (url: string) => url.replace(/&signature=[0-9a-f]+/, '')],
		['a short signature', (url: string) => url.replace(/signature=([0-9a-f]+)/, 'signature=abc')],
		['no expiry', (url: string) => url.replace(/expires=\d+&/, '')]
	])('answers 403 for a link with %s', async (_, mangle) => {
		const h = harness(attachmentEnv('local'));
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		expect((await fetchSigned(h, mangle(saved.signed_url))).status).toBe(403);
	});

	it('says the link expired once its time is up', async () => {
		const clock = testClock();
		const h = harness(
			attachmentEnv('local', undefined, { ATTACHMENTS_SIGNED_URL_TTL_SECONDS: '60' }),
			{ now: clock.now }
		);
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		clock.advance(61_000);
		const response = await fetchSigned(h, saved.signed_url);
		expect(response.status).toBe(403);
		expect((await response.json()).error.code).toBe('signed_url_expired');
	});

	it('answers 404 when the file behind a valid link is gone', async () => {
		const h = harness(attachmentEnv('local'));
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		await h.storage.delete(h.storage.blobName(saved.attachment_id));
		expect((await fetchSigned(h, saved.signed_url)).status).toBe(404);
	});
});

describe('GCS signed URLs', () => {
	const clock = testClock();
	let gcs: Awaited<ReturnType<typeof gcsFixture>>;
	beforeAll(async () => {
		gcs = await gcsFixture(clock);
	});
	afterAll(() => gcs.close());

	it('point at the bucket with a v4 signature the bucket accepts, naming type and file', async () => {
		const h = harness(attachmentEnv('gcs', gcs), { now: clock.now });
		const saved = await h.service.save({ data: FIXTURES.pdf(), fileName: 'Paper — final.pdf' });
		const url = new URL(saved.signed_url);
		expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
		expect(url.searchParams.get('X-Goog-Expires')).toBe('604800');
		const response = await fetch(url);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-type')).toBe('application/pdf');
		expect(response.headers.get('content-disposition')).toContain(
			`filename*=UTF-8''Paper%20%E2%80%94%20final.pdf`
		);
	});

	it('are not served by the app itself (the local download route answers 404)', async () => {
		const h = harness(attachmentEnv('gcs', gcs), { now: clock.now });
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		const local = `/api/attachments/${saved.attachment_id}/content?expires=${Math.floor(clock.now().getTime() / 1000) + 60}&signature=${'0'.repeat(64)}`;
		expect((await fetchSigned(h, local)).status).toBe(404);
	});

	it('stop working after their lifetime (the bucket checks X-Goog-Date + X-Goog-Expires)', async () => {
		const h = harness(attachmentEnv('gcs', gcs), { now: clock.now });
		const saved = await h.service.save({ data: Buffer.from('x'), fileName: 'a.txt' });
		clock.advance(7 * DAY + 1000);
		expect((await fetch(saved.signed_url)).status).toBe(400);
	});
});

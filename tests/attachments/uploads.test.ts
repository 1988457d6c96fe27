import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { attachmentInfo } from '$lib/api';
import { POST as UPLOAD } from '../../src/routes/api/uploads/+server';
import { GET as LEGACY_UPLOAD } from '../../src/routes/api/uploads/[...rest]/+server';
import { GET as INFO } from '../../src/routes/api/attachments/[id]/+server';
import { GET as LEGACY_DOWNLOAD } from '../../src/routes/api/attachments/[id]/download/+server';
import type { Services } from '$lib/server/services';
import {
	appServices,
	attachmentEnv,
	call,
	cleanUp,
	errorOf,
	fetchSigned,
	FIXTURES,
	gcsFixture,
	MODES,
	uploadRequest,
	type StorageMode
} from './helpers';

let gcs: Awaited<ReturnType<typeof gcsFixture>>;
beforeAll(async () => {
	gcs = await gcsFixture();
});
afterAll(() => gcs.close());
afterEach(cleanUp);

const LIMIT = 256 * 1024;

function upload(
	s: Services,
	file: Parameters<typeof uploadRequest>[0],
	fields: Record<string, string> = {}
) {
	return call(UPLOAD, s, '/api/uploads', { request: uploadRequest(file, fields) });
}

const attachmentRows = (s: Services) =>
	s.db.$client.prepare('select count(*) as n from attachments').get() as { n: number };

async function storedBlobs(s: Services, mode: StorageMode): Promise<number> {
	if (mode === 'gcs')
		return [...gcs.standin.objects.keys()].filter((name) => name.startsWith('attachments/')).length;
	return readdirSync(path.join(s.config.dataDir, 'attachments')).length;
}

describe.each(MODES)('POST /api/uploads (%s)', (mode) => {
	const services = () => {
		gcs.standin.objects.clear();
		return appServices(attachmentEnv(mode, gcs, { ATTACHMENTS_MAX_SIZE_BYTES: String(LIMIT) }));
	};

	it('stores an image and answers 201 with its metadata, sha-256 and a working signed URL', async () => {
		const s = services();
		const png = FIXTURES.png();
		const response = await upload(s, { data: png, name: 'diagram.png', type: 'image/png' });
		expect(response.status).toBe(201);
		const body = attachmentInfo.parse(await response.json());
		expect(body).toMatchObject({
			file_name: 'diagram.png',
			mime_type: 'image/png',
			size_bytes: png.length,
			sha256: createHash('sha256').update(png).digest('hex')
		});
		const served = await fetchSigned({ service: s.attachments } as never, body.signed_url);
		expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);
	});

	it.each([
		['jpeg', 'photo.jpg', 'image/jpeg'],
		['gif', 'anim.gif', 'image/gif'],
		['webp', 'pic.webp', 'image/webp'],
		['pdf', 'paper.pdf', 'application/pdf']
	] as const)('accepts a %s', async (kind, name, mime) => {
		const response = await upload(services(), { data: FIXTURES[kind](), name });
		expect(response.status).toBe(201);
		expect((await response.json()).mime_type).toBe(mime);
	});

	it.each([
		['notes.txt', 'just words', 'text/plain'],
		['README.md', '# Title\n\nBody', 'text/markdown'],
		['table.csv', 'a,b\n1,2\n', 'text/csv'],
		['data.json', '{"ok":true}', 'application/json']
	])('accepts the text file %s', async (name, text, mime) => {
		const response = await upload(services(), { data: Buffer.from(text), name });
		expect(response.status).toBe(201);
		expect((await response.json()).mime_type).toBe(mime);
	});

	it('decides the type from the bytes, not from what the browser claims', async () => {
		const response = await upload(services(), {
			data: FIXTURES.png(),
			name: 'totally-a-document.pdf',
			type: 'application/pdf'
		});
		expect((await response.json()).mime_type).toBe('image/png');
	});

	it('answers 415 for an executable dressed up as an image, and stores nothing', async () => {
		const s = services();
		const response = await upload(s, {
			data: FIXTURES.exe(),
			name: 'cute-cat.png',
			type: 'image/png'
		});
		expect(await errorOf(response)).toMatchObject({ status: 415, code: 'unsupported_type' });
		expect(attachmentRows(s).n).toBe(0);
		expect(await storedBlobs(s, mode)).toBe(0);
	});

	it('answers 413 one byte over ATTACHMENTS_MAX_SIZE_BYTES and stores nothing', async () => {
		const s = services();
		const response = await upload(s, { data: Buffer.alloc(LIMIT + 1, 'a'), name: 'big.txt' });
		expect(await errorOf(response)).toMatchObject({ status: 413, code: 'file_too_large' });
		expect(attachmentRows(s).n).toBe(0);
		expect(await storedBlobs(s, mode)).toBe(0);
		expect((await upload(s, { data: Buffer.alloc(LIMIT, 'a'), name: 'exact.txt' })).status).toBe(
			201
		);
	});

	it('answers 400 for an empty file', async () => {
		expect(
			await errorOf(await upload(services(), { data: Buffer.alloc(0), name: 'empty.txt' }))
		).toMatchObject({ status: 400, code: 'empty_file' });
	});

	it.each([
		['../../../etc/passwd', 'passwd'],
		['C:\\Users\\me\\..\\secret.txt', 'secret.txt'],
		['report\u202Egnp.exe.txt', 'report_gnp.exe.txt'],
		['line\r\nbreak.txt', 'line__break.txt']
	])('sanitises the file name %j', async (name, safe) => {
		const s = services();
		const body = await (await upload(s, { data: Buffer.from('content'), name })).json();
		expect(body.file_name).toBe(safe);
		// Blobs are named by id: nothing the person typed reaches a path.
		const blob = (
			s.db.$client.prepare('select gcs_blob from attachments').get() as { gcs_blob: string }
		).gcs_blob;
		expect(blob).toMatch(new RegExp(`${body.attachment_id}$`));
	});

	it('names a pasted image without a name after its type', async () => {
		const body = await (await upload(services(), { data: FIXTURES.png(), name: '' })).json();
		expect(body.file_name).toBe('image.png');
	});

	it('links the upload to an existing conversation, and answers 404 for an unknown one', async () => {
		const s = services();
		s.repo.createConversation(
			'6f1c1a9e-1d6b-4a55-9a3a-0d1f7a0b1c2d',
			'Chat',
			new Date().toISOString()
		);
		expect(
			(
				await upload(
					s,
					{ data: Buffer.from('x'), name: 'a.txt' },
					{ session_id: '6f1c1a9e-1d6b-4a55-9a3a-0d1f7a0b1c2d' }
				)
			).status
		).toBe(201);
		const unknown = await upload(
			s,
			{ data: Buffer.from('x'), name: 'a.txt' },
			{ session_id: '00000000-0000-4000-8000-000000000000' }
		);
		expect(await errorOf(unknown)).toMatchObject({ status: 404, code: 'session_not_found' });
	});
});

describe('GET /api/attachments/{id}', () => {
	it('answers the metadata with a freshly signed URL and marks the attachment used', async () => {
		const s = appServices(attachmentEnv('local'));
		const uploaded = await (await upload(s, { data: Buffer.from('hello'), name: 'a.txt' })).json();
		s.db.$client
			.prepare(
				"update attachments set signed_url = null, last_used_at = '2000-01-01T00:00:00.000Z'"
			)
			.run();
		const response = await call(INFO, s, `/api/attachments/${uploaded.attachment_id}`, {
			params: { id: uploaded.attachment_id }
		});
		expect(response.status).toBe(200);
		const body = attachmentInfo.parse(await response.json());
		expect(body).toMatchObject({
			attachment_id: uploaded.attachment_id,
			file_name: 'a.txt',
			mime_type: 'text/plain',
			size_bytes: 5
		});
		expect(body.signed_url).toContain('signature=');
		const row = s.db.$client.prepare('select signed_url, last_used_at from attachments').get() as {
			signed_url: string;
			last_used_at: string;
		};
		expect(row.signed_url).toBe(body.signed_url);
		expect(row.last_used_at > '2020').toBe(true);
	});

	it.each(['00000000-0000-4000-8000-000000000000', 'not-an-id', '..%2F..%2Fetc'])(
		'answers 404 for %s',
		async (id) => {
			const s = appServices(attachmentEnv('local'));
			expect(
				await errorOf(await call(INFO, s, `/api/attachments/${id}`, { params: { id } }))
			).toMatchObject({ status: 404, code: 'attachment_not_found' });
		}
	);
});

describe('legacy routes', () => {
	it('answers 410 Gone for GET /api/uploads/{anything}', async () => {
		const s = appServices(attachmentEnv('local'));
		const response = await call(LEGACY_UPLOAD, s, '/api/uploads/2024/photo.png', {
			params: { rest: '2024/photo.png' }
		});
		expect(await errorOf(response)).toMatchObject({ status: 410, code: 'gone' });
	});

	it('answers 410 Gone for GET /api/attachments/{id}/download, even for a real attachment', async () => {
		const s = appServices(attachmentEnv('local'));
		const { attachment_id: id } = await (
			await upload(s, { data: Buffer.from('x'), name: 'a.txt' })
		).json();
		expect(
			await errorOf(
				await call(LEGACY_DOWNLOAD, s, `/api/attachments/${id}/download`, { params: { id } })
			)
		).toMatchObject({ status: 410, code: 'gone' });
	});
});

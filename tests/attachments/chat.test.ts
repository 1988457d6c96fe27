import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sessionDetail, type AttachmentInfo } from '$lib/api';
import type { Services } from '$lib/server/services';
import { POST as CHAT } from '../../src/routes/api/chat/+server';
import {
	DELETE as DELETE_SESSION,
	GET as GET_SESSION
} from '../../src/routes/api/sessions/[id]/+server';
import { startOpenRouterStandin, type OpenRouterStandin } from '../support/openrouter-standin';
import { collect, eventsNamed, fakeTools, fixedSettings } from '../support/factories';
import { ApprovalRegistry } from '$lib/server/chat/approvals';
import { ChatOrchestrator } from '$lib/server/chat/orchestrator';
import { silentLogger } from '$lib/server/log';
import {
	appServices,
	attachmentEnv,
	call,
	cleanUp,
	DAY,
	errorOf,
	fetchSigned,
	FIXTURES,
	gcsFixture,
	MODES,
	testClock
} from './helpers';

const clock = testClock();
let openrouter: OpenRouterStandin;
let gcs: Awaited<ReturnType<typeof gcsFixture>>;
beforeAll(async () => {
	openrouter = await startOpenRouterStandin({ tokenDelayMs: 0 });
	gcs = await gcsFixture(clock);
});
afterAll(async () => {
	await openrouter.close();
	await gcs.close();
});
afterEach(async () => {
	await cleanUp();
	openrouter.requests.length = 0;
});

const completions = () =>
	openrouter.requests.filter((request) => request.path.endsWith('/chat/completions'));

async function chat(
	s: Services,
	body: Record<string, unknown>
): Promise<{ status: number; text: string; sessionId?: string }> {
	const response = await call(CHAT, s, '/api/chat', { json: body });
	const text = await response.text();
	return { status: response.status, text, sessionId: text.match(/"session_id":"([^"]+)"/)?.[1] };
}

async function session(s: Services, id: string) {
	return sessionDetail.parse(
		await (await call(GET_SESSION, s, `/api/sessions/${id}`, { params: { id } })).json()
	);
}

const row = (s: Services, id: string) =>
	s.db.$client.prepare('select * from attachments where attachment_id = ?').get(id) as
		| {
				last_used_at: string;
				signed_url: string;
				signed_url_expires_at: string;
				session_id: string | null;
		  }
		| undefined;

describe.each(MODES)('attachments in a chat (%s)', (mode) => {
	const services = () =>
		appServices(
			attachmentEnv(mode, gcs, {
				OPENROUTER_API_KEY: 'sk-or-v1-test',
				OPENROUTER_BASE_URL: openrouter.url,
				OPENROUTER_DEFAULT_MODEL: 'openai/gpt-4o'
			}),
			{ now: clock.now }
		);
	const save = (s: Services, data: Buffer, fileName: string): Promise<AttachmentInfo> =>
		s.attachments.save({ data, fileName });

	it('sends an image to a vision model as an image_url part the provider can open', async () => {
		const s = services();
		const png = FIXTURES.png();
		const image = await save(s, png, 'chart.png');
		const turn = await chat(s, {
			message: 'What is in this chart?',
			attachment_ids: [image.attachment_id]
		});
		expect(turn.status).toBe(200);

		const content = completions()[0].body.messages.at(-1).content;
		expect(content[0]).toEqual({ type: 'text', text: 'What is in this chart?' });
		expect(content[1].type).toBe('image_url');
		const url: string = content[1].image_url.url;
		if (mode === 'local') {
			// The provider cannot reach this machine, so the image travels inline.
			expect(url).toBe(`data:image/png;base64,${png.toString('base64')}`);
		} else {
			expect(url.startsWith(`${gcs.standin.url}/${gcs.standin.bucket}/`)).toBe(true);
			expect(Buffer.from(await (await fetch(url)).arrayBuffer()).equals(png)).toBe(true);
		}
	});

	it('sends text files as text and PDFs as file parts', async () => {
		const s = services();
		const csv = await save(s, Buffer.from('city,temp\nOslo,3\n'), 'weather.csv');
		const pdf = await save(s, FIXTURES.pdf(), 'paper.pdf');
		await chat(s, { message: 'Summarise', attachment_ids: [csv.attachment_id, pdf.attachment_id] });
		const content = completions()[0].body.messages.at(-1).content;
		expect(content[1]).toEqual({
			type: 'text',
			text: '<attachment name="weather.csv" type="text/csv">\ncity,temp\nOslo,3\n\n</attachment>'
		});
		expect(content[2]).toEqual({
			type: 'file',
			file: {
				filename: 'paper.pdf',
				file_data: `data:application/pdf;base64,${FIXTURES.pdf().toString('base64')}`
			}
		});
	});

	it('refuses an image for a text-only model before calling it, and saves nothing', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'photo.png');
		const turn = await chat(s, {
			message: 'Look',
			attachment_ids: [image.attachment_id],
			model_id: 'openai/gpt-4'
		});
		expect(turn.status).toBe(400);
		expect(JSON.parse(turn.text).error).toEqual({
			code: 'model_cannot_read_images',
			message: expect.stringContaining('openai/gpt-4 cannot read images (photo.png)')
		});
		expect(completions()).toHaveLength(0);
		expect(s.repo.listSessions({ limit: 10 }).sessions).toHaveLength(0);
	});

	it('refuses images and PDFs for the offline demo model, but lets it read text files', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'photo.png');
		const pdf = await save(s, FIXTURES.pdf(), 'paper.pdf');
		const notes = await save(s, Buffer.from('remember the milk'), 'notes.txt');
		for (const [file, status] of [
			[image, 400],
			[pdf, 400],
			[notes, 200]
		] as const) {
			const answer = await chat(s, {
				message: 'x',
				attachment_ids: [file.attachment_id],
				model_id: 'switchboard/demo'
			});
			expect(answer.status, file.file_name).toBe(status);
		}
	});

	it('answers 400 for an attachment id that does not exist', async () => {
		const s = services();
		const turn = await chat(s, {
			message: 'x',
			attachment_ids: ['00000000-0000-4000-8000-000000000000']
		});
		expect(turn.status).toBe(400);
		expect(JSON.parse(turn.text).error.code).toBe('unknown_attachment');
	});

	it('shows the attachments in the history with working signed URLs and marks them used', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'chart.png');
		const { sessionId } = await chat(s, { message: 'See', attachment_ids: [image.attachment_id] });
		clock.advance(DAY);
		const detail = await session(s, sessionId!);
		const question = detail.messages.find((message) => message.role === 'user')!;
		expect(question.attachments).toEqual([
			expect.objectContaining({
				attachment_id: image.attachment_id,
				file_name: 'chart.png',
				mime_type: 'image/png',
				size_bytes: image.size_bytes
			})
		]);
		expect(row(s, image.attachment_id)).toMatchObject({
			last_used_at: clock.now().toISOString(),
			session_id: sessionId
		});
	});

	it('re-signs a cached URL only when it is about to expire', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'chart.png');
		const { sessionId } = await chat(s, { message: 'See', attachment_ids: [image.attachment_id] });
		const urlOf = async () => (await session(s, sessionId!)).messages[0].attachments[0];

		clock.advance(2 * DAY);
		expect((await urlOf()).signed_url).toBe(image.signed_url);

		clock.advance(4.5 * DAY); // 12 hours left of 7 days: inside the one-day margin
		const renewed = await urlOf();
		expect(renewed.signed_url).not.toBe(image.signed_url);
		expect(renewed.signed_url_expires_at).toBe(
			new Date(clock.now().getTime() + 7 * DAY).toISOString()
		);
		expect(row(s, image.attachment_id)!.signed_url).toBe(renewed.signed_url);
	});

	it('marks attachments used each time the conversation goes upstream', async () => {
		const s = services();
		const notes = await save(s, Buffer.from('notes'), 'notes.txt');
		const { sessionId } = await chat(s, { message: 'one', attachment_ids: [notes.attachment_id] });
		clock.advance(3 * DAY);
		await chat(s, { session_id: sessionId, message: 'two' });
		expect(row(s, notes.attachment_id)!.last_used_at).toBe(clock.now().toISOString());
		// The earlier question still carries its file upstream.
		expect(
			completions()[1].body.messages.find((m: { role: string }) => m.role === 'user').content[1]
				.text
		).toContain('notes');
	});

	it('deletes the files of a deleted conversation, blobs and rows', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'chart.png');
		const { sessionId } = await chat(s, { message: 'See', attachment_ids: [image.attachment_id] });
		const blob = s.db.$client.prepare('select gcs_blob from attachments').get() as {
			gcs_blob: string;
		};
		const response = await call(DELETE_SESSION, s, `/api/sessions/${sessionId}`, {
			method: 'DELETE',
			params: { id: sessionId! }
		});
		expect(response.status).toBe(204);
		expect(row(s, image.attachment_id)).toBeUndefined();
		if (mode === 'gcs') expect(gcs.standin.objects.has(blob.gcs_blob)).toBe(false);
		else expect(existsSync(path.join(s.config.dataDir, 'attachments', blob.gcs_blob))).toBe(false);
	});

	it('keeps a file also attached in another conversation when one of them is deleted', async () => {
		const s = services();
		const image = await save(s, FIXTURES.png(), 'chart.png');
		const first = await chat(s, { message: 'See', attachment_ids: [image.attachment_id] });
		const second = await chat(s, { message: 'Again', attachment_ids: [image.attachment_id] });
		const remove = (id: string) =>
			call(DELETE_SESSION, s, `/api/sessions/${id}`, { method: 'DELETE', params: { id } });
		const blobExists = () =>
			mode === 'gcs'
				? gcs.standin.objects.has(`attachments/${image.attachment_id}`)
				: existsSync(path.join(s.config.dataDir, 'attachments', image.attachment_id));

		expect((await remove(second.sessionId!)).status).toBe(204);
		expect(row(s, image.attachment_id)).toBeDefined();
		expect(blobExists()).toBe(true);
		const kept = (await session(s, first.sessionId!)).messages[0].attachments[0];
		expect(kept.attachment_id).toBe(image.attachment_id);
		expect((await fetchSigned({ service: s.attachments }, kept.signed_url)).status).toBe(200);

		expect((await remove(first.sessionId!)).status).toBe(204);
		expect(row(s, image.attachment_id)).toBeUndefined();
		expect(blobExists()).toBe(false);
	});
});

describe('files returned by tools', () => {
	it('are stored as attachments of the conversation, with a line per file for the model', async () => {
		const s = appServices(attachmentEnv('local'), { now: clock.now });
		const sessionId = '3b0f4f5e-7c5e-4d2a-8b8e-2f6f1c9d0a11';
		s.repo.createConversation(sessionId, 'Tools', clock.now().toISOString());
		const { lines } = await s.chatAttachments.storeToolFiles(sessionId, [
			{ mimeType: 'image/png', data: FIXTURES.png(), fileName: 'plot.png' },
			{ mimeType: 'application/x-msdownload', data: FIXTURES.exe(), fileName: 'tool.exe' }
		]);
		expect(lines[0]).toMatch(
			/^\[Saved plot\.png \(image\/png, \d\.\d KB\) as attachment [0-9a-f-]{36}: \/api\/attachments\/.+signature=/
		);
		expect(lines[1]).toMatch(/^\[tool\.exe was not kept: .*cannot be attached/);
		const stored = s.db.$client.prepare('select file_name, session_id from attachments').all();
		expect(stored).toEqual([{ file_name: 'plot.png', session_id: sessionId }]);
	});

	it('can be linked to the tool message, so the history shows them with the reply', async () => {
		const s = appServices(attachmentEnv('local'), { now: clock.now });
		const sessionId = '4c1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6';
		s.repo.createConversation(sessionId, 'Tools', clock.now().toISOString());
		const { attachments } = await s.chatAttachments.storeToolFiles(sessionId, [
			{ mimeType: 'image/png', data: FIXTURES.png(), fileName: 'plot.png' }
		]);
		const toolRow = s.repo.addMessage({
			sessionId,
			role: 'tool',
			content: 'done',
			toolCallId: 'call_1',
			createdAt: clock.now().toISOString()
		});
		s.attachments.link(
			toolRow.id,
			sessionId,
			attachments.map((file) => file.attachment_id)
		);
		const files = await s.attachments.forMessages([toolRow.id]);
		expect(files.get(toolRow.id)).toEqual([
			expect.objectContaining({ file_name: 'plot.png', mime_type: 'image/png' })
		]);
	});
});

describe('a chat whose tool returns an image', () => {
	it('streams the stored file with the tool result and shows it again in the history', async () => {
		const s = appServices(
			attachmentEnv('local', undefined, {
				OPENROUTER_API_KEY: 'sk-or-v1-test',
				OPENROUTER_BASE_URL: openrouter.url
			}),
			{ now: clock.now }
		);
		const tools = fakeTools({
			plots__draw: {
				run: () => ({
					content: 'Here is the plot.',
					isError: false,
					files: [{ mimeType: 'image/png', data: FIXTURES.png(), fileName: 'plot.png' }]
				})
			}
		});
		const orchestrator = new ChatOrchestrator({
			repo: s.repo,
			client: s.openrouter,
			settings: fixedSettings({ modelId: 'openai/gpt-4o' }),
			tools,
			attachments: s.chatAttachments,
			approvals: new ApprovalRegistry(),
			log: silentLogger
		});
		const turn = await orchestrator.start({ message: '[[tool:plots__draw {}]] draw it' });
		const events = await collect(turn.events());
		const result = eventsNamed(events, 'tool_result')[0].data;
		expect(result.content).toMatch(/Here is the plot\.\n\[Saved plot\.png \(image\/png/);
		expect(result.attachments).toEqual([
			expect.objectContaining({ file_name: 'plot.png', mime_type: 'image/png' })
		]);

		const history = await session(s, turn.sessionId);
		const toolMessage = history.messages.find((message) => message.role === 'tool');
		expect(toolMessage?.attachments).toEqual([
			expect.objectContaining({ attachment_id: result.attachments![0].attachment_id })
		]);
	});
});

describe('error shape', () => {
	it('keeps the API error envelope for attachment errors', async () => {
		const s = appServices(attachmentEnv('local'));
		const response = await call(CHAT, s, '/api/chat', {
			json: { message: 'x', attachment_ids: ['nope'] }
		});
		expect(await errorOf(response)).toMatchObject({ status: 400, code: 'unknown_attachment' });
	});
});

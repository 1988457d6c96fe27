import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultVoiceSettings, speakMessage, speakQuery } from '$lib/api';
import { startDeepgramStandin, type DeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose } from '../support/factories';

const MS_PER_CHAR = 20;
const RATE = 24_000;
/** Bytes of linear16 audio the stand-in makes for this text. */
const audioBytesFor = (text: string) => Math.round((RATE * text.length * MS_PER_CHAR) / 1000) * 2;

async function standin() {
	const dg = await startDeepgramStandin({ speakMsPerChar: MS_PER_CHAR });
	onDispose(() => dg.close());
	return dg;
}

async function token(dg: DeepgramStandin): Promise<string> {
	const response = await fetch(`${dg.url}/v1/auth/grant`, {
		method: 'POST',
		headers: { authorization: `Token ${dg.apiKey}` }
	});
	return ((await response.json()) as { access_token: string }).access_token;
}

interface Speaker {
	ws: WebSocket;
	messages: Array<Record<string, any>>;
	audio: Buffer[];
	audioBytes(): number;
	next(type: string): Promise<Record<string, any>>;
	closed: Promise<number>;
}

async function speak(
	dg: DeepgramStandin,
	protocols: string[],
	query = speakQuery(defaultVoiceSettings)
): Promise<Speaker> {
	const ws = new WebSocket(`ws://127.0.0.1:${dg.port}/v1/speak?${query}`, protocols);
	const messages: Array<Record<string, any>> = [];
	const audio: Buffer[] = [];
	const waiting: Array<{ type: string; resolve: (m: Record<string, any>) => void }> = [];
	ws.on('message', (data, isBinary) => {
		if (isBinary) return void audio.push(data as Buffer);
		const message = speakMessage.parse(JSON.parse(String(data)));
		messages.push(message);
		for (const waiter of waiting.filter((w) => w.type === message.type)) {
			waiting.splice(waiting.indexOf(waiter), 1);
			waiter.resolve(message);
		}
	});
	const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
		ws.once('error', reject);
	});
	onDispose(() => ws.terminate());
	return {
		ws,
		messages,
		audio,
		audioBytes: () => audio.reduce((sum, frame) => sum + frame.length, 0),
		next: (type) => new Promise((resolve) => waiting.push({ type, resolve })),
		closed
	};
}

const send = (speaker: Speaker, message: object) => speaker.ws.send(JSON.stringify(message));

afterEach(disposeAll);

describe('deepgram stand-in: /v1/speak', () => {
	it('takes the temporary token as the bearer subprotocol and starts with Metadata', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		expect(speaker.ws.protocol).toBe('bearer');
		await expect.poll(() => speaker.messages[0]).toMatchObject({ type: 'Metadata' });
		expect(dg.speak[0].query).toMatchObject({
			model: 'aura-2-thalia-en',
			encoding: 'linear16',
			sample_rate: '24000'
		});
	});

	it.each([
		['no credential', () => []],
		['a made-up token', () => ['bearer', 'eyJhbGciOi.eyJqdGkiOi.c2ln']],
		['the API key offered as a bearer token', (dg: DeepgramStandin) => ['bearer', dg.apiKey]]
	])('refuses the handshake with 401 for %s', async (_name, protocols) => {
		const dg = await standin();
		await expect(speak(dg, protocols(dg))).rejects.toThrow('HTTP 401');
		expect(dg.speak).toHaveLength(0);
	});

	it.each([
		['an encoding the socket has no', 'model=aura-2-thalia-en&encoding=mp3&sample_rate=24000'],
		['a sample rate it has no', 'model=aura-2-thalia-en&encoding=linear16&sample_rate=44100'],
		['a speaking rate out of range', 'model=aura-2-thalia-en&encoding=linear16&speed=3']
	])('refuses %s with 400', async (_name, query) => {
		const dg = await standin();
		await expect(
			speak(dg, ['bearer', await token(dg)], new URLSearchParams(query))
		).rejects.toThrow('HTTP 400');
	});

	it('answers Speak with linear16 audio as long as the text, then Flushed after it', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		const short = 'Hi.';
		const long = 'This sentence is a good deal longer than the first one.';
		send(speaker, { type: 'Speak', text: short });
		send(speaker, { type: 'Speak', text: long });
		send(speaker, { type: 'Flush' });
		expect(await speaker.next('Flushed')).toEqual({ type: 'Flushed', sequence_id: 0 });
		expect(speaker.audioBytes()).toBe(audioBytesFor(short) + audioBytesFor(long));
		// frames of at most 100 ms, whole 16-bit samples
		expect(speaker.audio[1].length).toBe(RATE * 0.1 * 2);
		expect(speaker.audio.every((frame) => frame.length % 2 === 0)).toBe(true);

		send(speaker, { type: 'Speak', text: short });
		send(speaker, { type: 'Flush' });
		expect(await speaker.next('Flushed')).toEqual({ type: 'Flushed', sequence_id: 1 });
		expect(dg.speak[0].received.map((m) => m.type)).toEqual([
			'Speak',
			'Speak',
			'Flush',
			'Speak',
			'Flush'
		]);
	});

	it('drops the audio not yet sent on Clear and answers Cleared', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		const text = 'A long reply. '.repeat(100);
		send(speaker, { type: 'Speak', text });
		await expect.poll(() => speaker.audio.length).toBeGreaterThan(0);
		send(speaker, { type: 'Clear' });
		expect(await speaker.next('Cleared')).toEqual({ type: 'Cleared', sequence_id: 0 });
		const afterClear = speaker.audioBytes();
		expect(afterClear).toBeLessThan(audioBytesFor(text.trim()));
		// Nothing more comes for the cleared text, and the socket goes on speaking.
		send(speaker, { type: 'Speak', text: 'Next.' });
		send(speaker, { type: 'Flush' });
		await speaker.next('Flushed');
		expect(speaker.audioBytes()).toBe(afterClear + audioBytesFor('Next.'));
	});

	it('sends what is left on Close, then closes with 1000', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		send(speaker, { type: 'Speak', text: 'Goodbye for now.' });
		send(speaker, { type: 'Close' });
		expect(await speaker.closed).toBe(1000);
		expect(speaker.audioBytes()).toBe(audioBytesFor('Goodbye for now.'));
	});

	it('refuses the 21st Flush within a minute with a Warning', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		for (let i = 0; i < 21; i++) send(speaker, { type: 'Flush' });
		const warning = await speaker.next('Warning');
		expect(warning).toMatchObject({ type: 'Warning', code: 'FLUSH_LIMIT_EXCEEDED' });
		expect(warning.description).toMatch(/20 Flush messages in 60 seconds/);
		await expect.poll(() => speaker.messages.filter((m) => m.type === 'Flushed').length).toBe(20);
	});

	it('warns about text over 2000 characters and unknown messages', async () => {
		const dg = await standin();
		const speaker = await speak(dg, ['bearer', await token(dg)]);
		send(speaker, { type: 'Speak', text: 'x'.repeat(2001) });
		expect(await speaker.next('Warning')).toMatchObject({ code: 'TEXT_TOO_LONG' });
		send(speaker, { type: 'Shout' });
		expect(await speaker.next('Warning')).toMatchObject({ code: 'INVALID_MESSAGE' });
		expect(speaker.audio).toHaveLength(0);
	});
});

import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { listenMessage, listenQuery, defaultSpeechSettings, type SpeechSettings } from '$lib/api';
import { startDeepgramStandin, type DeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose } from '../support/factories';

const RATE = 16_000;

/** Mono linear16 at 16 kHz: a 220 Hz tone (speech to the stand-in) or digital silence. */
function pcm(ms: number, amplitude = 0): Buffer {
	const samples = (RATE * ms) / 1000;
	const out = Buffer.alloc(samples * 2);
	for (let i = 0; i < samples; i++) {
		out.writeInt16LE(Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / RATE)), i * 2);
	}
	return out;
}
const speech = (ms: number) => pcm(ms, 8000);
const silence = (ms: number) => pcm(ms);

async function grant(dg: DeepgramStandin, key = dg.apiKey) {
	const response = await fetch(`${dg.url}/v1/auth/grant`, {
		method: 'POST',
		headers: { authorization: `Token ${key}`, 'content-type': 'application/json' },
		body: JSON.stringify({ ttl_seconds: 30 })
	});
	return { status: response.status, body: await response.json() };
}

interface Session {
	ws: WebSocket;
	messages: Array<Record<string, any>>;
	closed: Promise<{ code: number; reason: string }>;
}

async function listen(
	dg: DeepgramStandin,
	protocols: string[],
	settings: Partial<SpeechSettings> = {}
): Promise<Session> {
	const query = listenQuery({ ...defaultSpeechSettings, ...settings });
	const ws = new WebSocket(`ws://127.0.0.1:${dg.port}/v1/listen?${query}`, protocols);
	const messages: Array<Record<string, any>> = [];
	ws.on('message', (data) => messages.push(listenMessage.parse(JSON.parse(String(data)))));
	const closed = new Promise<{ code: number; reason: string }>((resolve) =>
		ws.on('close', (code, reason) => resolve({ code, reason: String(reason) }))
	);
	await new Promise<void>((resolve, reject) => {
		ws.once('open', () => resolve());
		ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
		ws.once('error', reject);
	});
	onDispose(() => ws.terminate());
	return { ws, messages, closed };
}

async function finish(session: Session) {
	session.ws.send(JSON.stringify({ type: 'CloseStream' }));
	return session.closed;
}

async function standin(utterances = ['hello there', 'how are you today']) {
	const dg = await startDeepgramStandin({ utterances });
	onDispose(() => dg.close());
	return dg;
}

afterEach(disposeAll);

describe('deepgram stand-in', () => {
	it('grants tokens only for the right API key', async () => {
		const dg = await standin();
		const ok = await grant(dg);
		expect(ok.status).toBe(200);
		expect(ok.body.access_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
		expect(ok.body.expires_in).toBe(30);
		const bad = await grant(dg, 'nope');
		expect(bad.status).toBe(401);
		expect(bad.body.err_code).toBe('INVALID_AUTH');
	});

	it('accepts the token as a bearer subprotocol and echoes one protocol', async () => {
		const dg = await standin();
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token]);
		expect(session.ws.protocol).toBe('bearer');
		expect(dg.connections[0].query).toMatchObject({ model: 'nova-3', encoding: 'linear16' });
	});

	it.each([
		['no credential', () => []],
		['a made-up token', () => ['bearer', 'eyJhbGciOi.eyJqdGkiOi.c2ln']],
		['the API key offered as a bearer token', (dg: DeepgramStandin) => ['bearer', dg.apiKey]],
		[
			'a token offered under the API-key scheme',
			(_dg: DeepgramStandin, token: string) => ['token', token]
		]
	])('refuses the handshake with 401 for %s', async (_name, protocols) => {
		const dg = await standin();
		const { body } = await grant(dg);
		await expect(listen(dg, protocols(dg, body.access_token))).rejects.toThrow('HTTP 401');
	});

	it('turns speech and silence into interim, final and utterance-end messages', async () => {
		const dg = await standin();
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token], {
			endpointing: 300,
			utterance_end_ms: 1000
		});
		session.ws.send(silence(500));
		session.ws.send(speech(800));
		session.ws.send(silence(1500));
		await finish(session);
		const types = session.messages.map((m) => m.type);
		expect(types[0]).toBe('SpeechStarted');
		const results = session.messages.filter((m) => m.type === 'Results');
		const interims = results
			.filter((m) => !m.is_final)
			.map((m) => m.channel.alternatives[0].transcript);
		expect(interims).toEqual(['hello']);
		const final = results.find((m) => m.is_final)!;
		expect(final).toMatchObject({ speech_final: true, start: 0.5 });
		expect(final.channel.alternatives[0].transcript).toBe('hello there');
		expect(types.indexOf('UtteranceEnd')).toBeGreaterThan(types.indexOf('Results'));
		expect(types.at(-1)).toBe('Metadata');
	});

	it('finalizes without speech_final when endpointing is off, and UtteranceEnd follows', async () => {
		const dg = await standin();
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token], {
			endpointing: 0,
			utterance_end_ms: 1000
		});
		session.ws.send(Buffer.concat([speech(600), silence(1200)]));
		await finish(session);
		const final = session.messages.find((m) => m.type === 'Results' && m.is_final)!;
		expect(final.speech_final).toBe(false);
		expect(session.messages.some((m) => m.type === 'UtteranceEnd')).toBe(true);
	});

	it('gives each speech segment the next scripted transcript', async () => {
		const dg = await standin();
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token], { endpointing: 300 });
		session.ws.send(Buffer.concat([speech(500), silence(500), speech(900), silence(500)]));
		await finish(session);
		const finals = session.messages
			.filter((m) => m.type === 'Results' && m.is_final)
			.map((m) => m.channel.alternatives[0].transcript);
		expect(finals).toEqual(['hello there', 'how are you today']);
		expect(session.messages.filter((m) => m.type === 'SpeechStarted')).toHaveLength(2);
	});

	it('flushes running speech, sends Metadata and closes with 1000 on CloseStream', async () => {
		const dg = await standin();
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token]);
		session.ws.send(speech(700));
		const { code } = await finish(session);
		expect(code).toBe(1000);
		const [final, metadata] = session.messages.slice(-2);
		expect(final).toMatchObject({ type: 'Results', is_final: true });
		expect(metadata).toMatchObject({ type: 'Metadata', duration: 0.7, channels: 1 });
		expect(dg.connections[0]).toMatchObject({ closeStream: true, closeCode: 1000 });
	});

	it('stays open on KeepAlive and closes with NET-0001 when nothing arrives', async () => {
		const dg = await startDeepgramStandin({ idleTimeoutMs: 300 });
		onDispose(() => dg.close());
		const { body } = await grant(dg);
		const session = await listen(dg, ['bearer', body.access_token]);
		for (let i = 0; i < 5; i++) {
			await new Promise((resolve) => setTimeout(resolve, 100));
			session.ws.send(JSON.stringify({ type: 'KeepAlive' }));
		}
		expect(session.ws.readyState).toBe(WebSocket.OPEN);
		const { code, reason } = await session.closed;
		expect(code).toBe(1011);
		expect(reason).toContain('NET-0001');
		expect(dg.connections[0].keepAlives).toBe(5);
	});
});

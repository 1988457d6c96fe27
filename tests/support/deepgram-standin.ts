import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local Deepgram that speaks the real wire format.
 *
 * REST: `POST /v1/auth/grant` with `Authorization: Token <api key>` → `{access_token, expires_in}`
 * (a JWT-shaped token valid for `ttl_seconds`, default 30); a wrong key → 401 with Deepgram's
 * `{err_code, err_msg, request_id}` body.
 *
 * Websocket `/v1/listen?...`: the credential comes as subprotocols (`bearer, <jwt>` from browsers,
 * `token, <api key>` for keys) or as an `Authorization` header (Node clients). A minted token under
 * `bearer` or the API key under `token` is accepted and exactly one subprotocol is echoed; anything
 * else (including a JWT offered under `token`, the v4 SDK bug) fails the upgrade with HTTP 401.
 *
 * It cannot recognise speech, so the words are scripted; only their timing comes from the audio.
 * It needs `encoding=linear16&sample_rate=N` (mono, or the first of interleaved channels) and
 * cuts the audio into 10 ms frames; a frame whose RMS exceeds `speechThreshold` is speech.
 * Timing is audio time (bytes received), not wall-clock time, so tests are deterministic.
 *   - the first speech frame of a segment → `SpeechStarted` (with `vad_events=true`);
 *   - every `msPerWord` of speech → an interim `Results` revealing one more word of the segment's
 *     scripted transcript (with `interim_results=true`);
 *   - silence of `endpointing` ms (default 10; `false` turns it off) → final `Results` with
 *     `is_final` and `speech_final` and the whole transcript; with endpointing off the segment is
 *     finalized after 500 ms of silence with `is_final` only;
 *   - silence of `utterance_end_ms` after the last word (with interim results) → `UtteranceEnd`;
 *   - `{"type":"Finalize"}` finalizes a running segment (`from_finalize: true`);
 *   - `{"type":"KeepAlive"}` only keeps the socket open; `idleTimeoutMs` (10 s like the real
 *     service) without audio or KeepAlive closes with 1011 and a NET-0001 reason;
 *   - `{"type":"CloseStream"}` finalizes, sends `Metadata`, then closes with 1000.
 * Segment N of a connection is given `utterances[N % utterances.length]`; `setUtterances()` or
 * `PUT /__standin/utterances {"utterances": [...]}` changes the script for new connections.
 *
 * Websocket `/v1/speak?model=…&encoding=linear16&sample_rate=24000` (TTS), same credentials:
 * `Metadata` first; each `{"type":"Speak","text"}` is synthesized as it comes into binary frames
 * of raw audio (a quiet tone) whose length follows the text: `speakMsPerChar` ms of audio per
 * character, at the asked sample rate (2 bytes a sample for linear16, 1 for mulaw/alaw), sent in
 * 100 ms frames one every `speakFrameIntervalMs` (faster than real time, like the service);
 * `Flush` → `Flushed {sequence_id}` once the audio for the text before it has been sent; `Clear`
 * drops the text and audio not yet sent → `Cleared {sequence_id}`; `Close` sends what is left and
 * closes with 1000. More than 20 Flushes in 60 s are refused with a `Warning` (Deepgram's
 * documented limit); text over 2000 characters, an unknown message or bad JSON get a `Warning`
 * too. Encodings other than linear16/mulaw/alaw or an unsupported sample rate fail the upgrade
 * with 400.
 * `GET /__standin/connections` lists what every connection did (for e2e assertions): listen
 * sockets under `connections`, speak sockets under `speak` (each message with its arrival time).
 */

export interface DeepgramStandinOptions {
	port?: number;
	apiKey?: string;
	utterances?: string[];
	speechThreshold?: number;
	msPerWord?: number;
	idleTimeoutMs?: number;
	/** ms of synthesized audio per character of text (default 20) */
	speakMsPerChar?: number;
	/** ms between two 100 ms audio frames of the speak socket (default 5) */
	speakFrameIntervalMs?: number;
}

export interface SpeakRecord {
	query: Record<string, string>;
	protocol: string;
	/** what the client sent, in order, with arrival time (ms since epoch) */
	received: Array<{ type: string; text?: string; at: number }>;
	/** the JSON messages sent back (audio frames are counted in audioBytes) */
	sent: Array<Record<string, unknown>>;
	audioBytes: number;
	/** when the first audio frame went out (ms since epoch) */
	firstAudioAt?: number;
	closeCode?: number;
}

export interface ListenRecord {
	query: Record<string, string>;
	protocol: string;
	audioBytes: number;
	keepAlives: number;
	closeStream: boolean;
	closeCode?: number;
	sent: Array<Record<string, unknown>>;
}

export interface DeepgramStandin {
	url: string;
	port: number;
	apiKey: string;
	grants: number;
	connections: ListenRecord[];
	speak: SpeakRecord[];
	setUtterances(utterances: string[]): void;
	close(): Promise<void>;
}

const FRAME_MS = 10;
const FINALIZE_WITHOUT_ENDPOINTING_MS = 500;

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export async function startDeepgramStandin(
	options: DeepgramStandinOptions = {}
): Promise<DeepgramStandin> {
	const apiKey = options.apiKey ?? 'dg-standin-api-key';
	const secret = randomBytes(32);
	const tokens = new Map<string, number>(); // token → expiry (ms since epoch)
	let utterances = options.utterances ?? ['hello from the deepgram stand-in'];

	const standin: DeepgramStandin = {
		url: '',
		port: 0,
		apiKey,
		grants: 0,
		connections: [],
		speak: [],
		setUtterances(list) {
			utterances = list.length ? [...list] : utterances;
		},
		close: async () => {}
	};

	function mintToken(ttlSeconds: number): string {
		const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
		const payload = b64url(
			JSON.stringify({ jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + ttlSeconds })
		);
		const signature = createHmac('sha256', secret)
			.update(`${header}.${payload}`)
			.digest('base64url');
		const token = `${header}.${payload}.${signature}`;
		tokens.set(token, Date.now() + ttlSeconds * 1000);
		return token;
	}

	function sendJson(res: ServerResponse, status: number, body: unknown) {
		res.writeHead(status, { 'content-type': 'application/json' });
		res.end(JSON.stringify(body));
	}

	async function readBody(req: IncomingMessage): Promise<string> {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		return Buffer.concat(chunks).toString('utf8');
	}

	async function handleHttp(req: IncomingMessage, res: ServerResponse) {
		const url = new URL(req.url ?? '/', 'http://standin');
		if (req.method === 'POST' && url.pathname === '/v1/auth/grant') {
			if (req.headers.authorization !== `Token ${apiKey}`) {
				return sendJson(res, 401, {
					err_code: 'INVALID_AUTH',
					err_msg: 'Invalid credentials.',
					request_id: randomUUID()
				});
			}
			const raw = await readBody(req);
			let ttl = 30;
			if (raw) {
				const body = JSON.parse(raw) as { ttl_seconds?: number };
				if (body.ttl_seconds !== undefined) ttl = body.ttl_seconds;
			}
			if (!Number.isInteger(ttl) || ttl < 1 || ttl > 3600) {
				return sendJson(res, 400, {
					err_code: 'Bad Request',
					err_msg: 'ttl_seconds must be between 1 and 3600.',
					request_id: randomUUID()
				});
			}
			standin.grants += 1;
			return sendJson(res, 200, { access_token: mintToken(ttl), expires_in: ttl });
		}
		if (req.method === 'PUT' && url.pathname === '/__standin/utterances') {
			const body = JSON.parse(await readBody(req)) as { utterances?: string[] };
			standin.setUtterances(body.utterances ?? []);
			return sendJson(res, 200, { utterances });
		}
		if (req.method === 'GET' && url.pathname === '/__standin/connections') {
			return sendJson(res, 200, {
				grants: standin.grants,
				connections: standin.connections,
				speak: standin.speak
			});
		}
		sendJson(res, 404, {
			err_code: 'NOT_FOUND',
			err_msg: `No route ${req.method} ${url.pathname}`
		});
	}

	/** Which credential the handshake carries, and which subprotocol to echo. */
	function authorize(req: IncomingMessage): { ok: true; protocol: string } | { ok: false } {
		const offered = String(req.headers['sec-websocket-protocol'] ?? '')
			.split(',')
			.map((item) => item.trim())
			.filter(Boolean);
		const validToken = (token: string | undefined) =>
			token !== undefined && (tokens.get(token) ?? 0) > Date.now();
		for (const scheme of ['bearer', 'token'] as const) {
			const index = offered.indexOf(scheme);
			if (index < 0) continue;
			const credential = offered[index + 1];
			const ok = scheme === 'bearer' ? validToken(credential) : credential === apiKey;
			return ok ? { ok: true, protocol: scheme } : { ok: false };
		}
		const header = req.headers.authorization ?? '';
		if (header.startsWith('Bearer ') && validToken(header.slice(7)))
			return { ok: true, protocol: '' };
		if (header === `Token ${apiKey}`) return { ok: true, protocol: '' };
		return { ok: false };
	}

	const wss = new WebSocketServer({
		noServer: true,
		handleProtocols: (protocols) =>
			protocols.has('bearer') ? 'bearer' : protocols.has('token') ? 'token' : false
	});

	const server: Server = createServer((req, res) => {
		handleHttp(req, res).catch((error: unknown) =>
			sendJson(res, 400, { err_code: 'Bad Request', err_msg: String(error) })
		);
	});

	server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
		const url = new URL(req.url ?? '/', 'http://standin');
		const reject = (status: number, text: string) => {
			socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
		};
		if (url.pathname !== '/v1/listen' && url.pathname !== '/v1/speak') {
			return reject(404, 'Not Found');
		}
		const auth = authorize(req);
		if (!auth.ok) return reject(401, 'Unauthorized');
		const query = Object.fromEntries(url.searchParams);
		if (url.pathname === '/v1/speak') {
			const format = speakFormat(query);
			if (!format) return reject(400, 'Bad Request');
			return wss.handleUpgrade(req, socket, head, (ws) => {
				const record: SpeakRecord = {
					query,
					protocol: ws.protocol,
					received: [],
					sent: [],
					audioBytes: 0
				};
				standin.speak.push(record);
				runSpeakSession(ws, record, {
					...format,
					msPerChar: options.speakMsPerChar ?? 20,
					frameIntervalMs: options.speakFrameIntervalMs ?? 5
				});
			});
		}
		if (query.encoding !== 'linear16' || !Number(query.sample_rate)) {
			return reject(400, 'Bad Request');
		}
		wss.handleUpgrade(req, socket, head, (ws) => {
			const record: ListenRecord = {
				query,
				protocol: ws.protocol,
				audioBytes: 0,
				keepAlives: 0,
				closeStream: false,
				sent: []
			};
			standin.connections.push(record);
			runListenSession(ws, record, {
				utterances: [...utterances],
				speechThreshold: options.speechThreshold ?? 500,
				msPerWord: options.msPerWord ?? 200,
				idleTimeoutMs: options.idleTimeoutMs ?? 10_000
			});
		});
	});

	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const port = (server.address() as AddressInfo).port;
	standin.port = port;
	standin.url = `http://127.0.0.1:${port}`;
	standin.close = () =>
		new Promise<void>((resolve) => {
			for (const client of wss.clients) client.terminate();
			wss.close();
			server.closeAllConnections();
			server.close(() => resolve());
		});
	return standin;
}

interface SessionOptions {
	utterances: string[];
	speechThreshold: number;
	msPerWord: number;
	idleTimeoutMs: number;
}

function runListenSession(ws: WebSocket, record: ListenRecord, options: SessionOptions) {
	const q = record.query;
	const sampleRate = Number(q.sample_rate);
	const channels = Math.max(1, Number(q.channels ?? 1));
	const interim = q.interim_results === 'true';
	const endpointingMs =
		q.endpointing === 'false' ? null : q.endpointing ? Number(q.endpointing) : 10;
	const utteranceEndMs = interim && q.utterance_end_ms ? Number(q.utterance_end_ms) : null;
	const vadEvents = q.vad_events === 'true';
	const requestId = randomUUID();
	const frameBytes = (sampleRate / 1000) * FRAME_MS * 2 * channels;

	let pending: Buffer = Buffer.alloc(0);
	let audioMs = 0;
	let segmentIndex = 0;
	let segment: { startMs: number; speechMs: number; silenceMs: number; shown: number } | null =
		null;
	let lastWordEndMs: number | null = null;
	let closed = false;

	const send = (message: Record<string, unknown>) => {
		if (closed) return;
		record.sent.push(message);
		ws.send(JSON.stringify(message));
	};

	const words = () =>
		options.utterances[segmentIndex % options.utterances.length].split(/\s+/).filter(Boolean);

	function results(count: number, isFinal: boolean, speechFinal: boolean, fromFinalize = false) {
		if (!segment) return;
		const all = words().slice(0, count);
		const endMs = audioMs - segment.silenceMs;
		const step = all.length ? (endMs - segment.startMs) / all.length : 0;
		send({
			type: 'Results',
			channel_index: [0, 1],
			duration: (audioMs - segment.startMs) / 1000,
			start: segment.startMs / 1000,
			is_final: isFinal,
			speech_final: speechFinal,
			from_finalize: fromFinalize,
			channel: {
				alternatives: [
					{
						transcript: all.join(' '),
						confidence: all.length ? 0.98 : 0,
						words: all.map((word, i) => ({
							word: word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, ''),
							start: (segment!.startMs + i * step) / 1000,
							end: (segment!.startMs + (i + 1) * step) / 1000,
							confidence: 0.98,
							punctuated_word: word
						}))
					}
				]
			},
			metadata: {
				request_id: requestId,
				model_info: { name: q.model ?? 'nova-3', version: 'standin', arch: q.model ?? 'nova-3' },
				model_uuid: '00000000-0000-0000-0000-000000000000'
			}
		});
	}

	function finalizeSegment(speechFinal: boolean, fromFinalize = false) {
		if (!segment) return;
		results(words().length, true, speechFinal, fromFinalize);
		lastWordEndMs = audioMs - segment.silenceMs;
		segment = null;
		segmentIndex += 1;
	}

	function onFrame(speech: boolean) {
		audioMs += FRAME_MS;
		if (speech) {
			if (!segment) {
				segment = { startMs: audioMs - FRAME_MS, speechMs: 0, silenceMs: 0, shown: 0 };
				if (vadEvents)
					send({ type: 'SpeechStarted', channel: [0], timestamp: segment.startMs / 1000 });
			}
			segment.speechMs += FRAME_MS;
			segment.silenceMs = 0;
			lastWordEndMs = null;
			const due = Math.min(
				words().length - 1,
				Math.floor(segment.speechMs / options.msPerWord) + 1
			);
			if (interim && due > segment.shown) {
				segment.shown = due;
				results(due, false, false);
			}
			return;
		}
		if (segment) {
			segment.silenceMs += FRAME_MS;
			if (endpointingMs !== null && segment.silenceMs >= endpointingMs) finalizeSegment(true);
			else if (endpointingMs === null && segment.silenceMs >= FINALIZE_WITHOUT_ENDPOINTING_MS) {
				finalizeSegment(false);
			}
		}
		if (!segment && lastWordEndMs !== null && utteranceEndMs !== null) {
			if (audioMs - lastWordEndMs >= utteranceEndMs) {
				send({ type: 'UtteranceEnd', channel: [0, 1], last_word_end: lastWordEndMs / 1000 });
				lastWordEndMs = null;
			}
		}
	}

	function onAudio(chunk: Buffer) {
		record.audioBytes += chunk.length;
		pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
		let offset = 0;
		for (; offset + frameBytes <= pending.length; offset += frameBytes) {
			let sum = 0;
			const samples = frameBytes / 2 / channels;
			for (let i = 0; i < samples; i++) {
				const sample = pending.readInt16LE(offset + i * 2 * channels);
				sum += sample * sample;
			}
			onFrame(Math.sqrt(sum / samples) > options.speechThreshold);
		}
		pending = pending.subarray(offset);
	}

	let idle: NodeJS.Timeout;
	const touch = () => {
		clearTimeout(idle);
		idle = setTimeout(() => {
			send({
				type: 'Error',
				variant: 'Timeout',
				description: 'NET-0001: no audio received within the timeout window.'
			});
			closeWith(1011, 'NET-0001 (no audio received)');
		}, options.idleTimeoutMs);
	};

	function closeWith(code: number, reason: string) {
		if (closed) return;
		closed = true;
		clearTimeout(idle);
		record.closeCode = code;
		ws.close(code, reason);
	}

	touch();
	ws.on('message', (data, isBinary) => {
		touch();
		if (isBinary) return onAudio(Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer));
		let message: { type?: string };
		try {
			message = JSON.parse(String(data));
		} catch {
			return;
		}
		if (message.type === 'KeepAlive') record.keepAlives += 1;
		else if (message.type === 'Finalize') finalizeSegment(false, true);
		else if (message.type === 'CloseStream') {
			record.closeStream = true;
			finalizeSegment(false);
			send({
				type: 'Metadata',
				transaction_key: 'deprecated',
				request_id: requestId,
				sha256: '0'.repeat(64),
				created: new Date().toISOString(),
				duration: audioMs / 1000,
				channels
			});
			closeWith(1000, '');
		}
	});
	ws.on('close', (code) => {
		closed = true;
		clearTimeout(idle);
		record.closeCode ??= code;
	});
}

const SPEAK_RATES: Record<string, number[]> = {
	linear16: [8000, 16000, 24000, 32000, 48000],
	mulaw: [8000, 16000],
	alaw: [8000, 16000]
};
const FLUSH_LIMIT = 20;
const FLUSH_WINDOW_MS = 60_000;
const SPEAK_MAX_CHARS = 2000;
const SPEAK_FRAME_MS = 100;

/** The audio format a speak socket asks for (the socket's defaults: linear16 at 24 kHz). */
function speakFormat(
	query: Record<string, string>
): { encoding: string; sampleRate: number } | null {
	const encoding = query.encoding ?? 'linear16';
	const sampleRate = Number(query.sample_rate ?? 24000);
	if (!SPEAK_RATES[encoding]?.includes(sampleRate)) return null;
	if (query.speed !== undefined) {
		const speed = Number(query.speed);
		if (!(speed >= 0.7 && speed <= 1.5)) return null;
	}
	return { encoding, sampleRate };
}

interface SpeakOptions {
	encoding: string;
	sampleRate: number;
	msPerChar: number;
	frameIntervalMs: number;
}

function runSpeakSession(ws: WebSocket, record: SpeakRecord, options: SpeakOptions) {
	const bytesPerSample = options.encoding === 'linear16' ? 2 : 1;
	const frameBytes = ((options.sampleRate * SPEAK_FRAME_MS) / 1000) * bytesPerSample;
	/** audio frames and Flushed markers, in the order they go out */
	const queue: Array<{ audio: Buffer } | { flushed: number }> = [];
	const flushTimes: number[] = [];
	let flushes = 0;
	let clears = 0;
	let samplesMade = 0;
	let timer: NodeJS.Timeout | null = null;
	let closing = false;
	let closed = false;

	const sendJson = (message: Record<string, unknown>) => {
		if (closed) return;
		record.sent.push(message);
		ws.send(JSON.stringify(message));
	};
	const warn = (code: string, description: string) =>
		sendJson({ type: 'Warning', code, description });

	/** `ms` of a quiet 220 Hz tone, continuing the phase of what came before. */
	function synthesize(ms: number): Buffer[] {
		const samples = Math.round((options.sampleRate * ms) / 1000);
		const audio = Buffer.alloc(samples * bytesPerSample);
		for (let i = 0; i < samples; i++) {
			const value = Math.sin((2 * Math.PI * 220 * (samplesMade + i)) / options.sampleRate);
			if (bytesPerSample === 2) audio.writeInt16LE(Math.round(value * 2000), i * 2);
			else audio[i] = 0x7f + Math.round(value * 8); // near the mulaw/alaw zero, quiet
		}
		samplesMade += samples;
		const frames: Buffer[] = [];
		for (let offset = 0; offset < audio.length; offset += frameBytes) {
			frames.push(audio.subarray(offset, offset + frameBytes));
		}
		return frames;
	}

	function pump() {
		timer = null;
		if (closed) return;
		const next = queue.shift();
		if (next && 'audio' in next) {
			record.audioBytes += next.audio.length;
			record.firstAudioAt ??= Date.now();
			ws.send(next.audio);
		} else if (next) {
			sendJson({ type: 'Flushed', sequence_id: next.flushed });
		}
		if (queue.length)
			timer = setTimeout(pump, next && 'audio' in next ? options.frameIntervalMs : 0);
		else if (closing) finish();
	}
	const schedule = () => {
		if (!timer && queue.length) timer = setTimeout(pump, 0);
	};

	function finish() {
		if (closed) return;
		closed = true;
		record.closeCode = 1000;
		ws.close(1000, '');
	}

	sendJson({
		type: 'Metadata',
		request_id: randomUUID(),
		model_name: record.query.model ?? 'aura-2-thalia-en',
		model_version: 'standin',
		model_uuid: '00000000-0000-0000-0000-000000000000'
	});

	ws.on('message', (data, isBinary) => {
		if (closing || closed) return;
		if (isBinary) return warn('INVALID_MESSAGE', 'Binary messages are not supported.');
		let message: { type?: unknown; text?: unknown };
		try {
			message = JSON.parse(String(data));
		} catch {
			return warn('INVALID_MESSAGE', 'Could not parse the message as JSON.');
		}
		const type = String(message.type);
		const now = Date.now();
		record.received.push(
			typeof message.text === 'string' ? { type, text: message.text, at: now } : { type, at: now }
		);
		switch (type) {
			case 'Speak': {
				if (typeof message.text !== 'string') {
					return warn('INVALID_MESSAGE', 'Speak needs a text string.');
				}
				if (message.text.length > SPEAK_MAX_CHARS) {
					return warn('TEXT_TOO_LONG', `Text exceeds ${SPEAK_MAX_CHARS} characters.`);
				}
				const spoken = message.text.trim().length;
				if (spoken)
					queue.push(...synthesize(spoken * options.msPerChar).map((audio) => ({ audio })));
				return schedule();
			}
			case 'Flush': {
				while (flushTimes.length && now - flushTimes[0] >= FLUSH_WINDOW_MS) flushTimes.shift();
				if (flushTimes.length >= FLUSH_LIMIT) {
					return warn(
						'FLUSH_LIMIT_EXCEEDED',
						`Cannot process more than ${FLUSH_LIMIT} Flush messages in ${FLUSH_WINDOW_MS / 1000} seconds; wait for the window to pass.`
					);
				}
				flushTimes.push(now);
				queue.push({ flushed: flushes++ });
				return schedule();
			}
			case 'Clear': {
				// The text and audio not yet sent go, and with them a Flush still waiting for its audio.
				queue.length = 0;
				if (timer) clearTimeout(timer);
				timer = null;
				return sendJson({ type: 'Cleared', sequence_id: clears++ });
			}
			case 'Close':
				closing = true;
				if (!queue.length && !timer) finish();
				return;
			default:
				return warn('INVALID_MESSAGE', `Unknown message type: ${type}.`);
		}
	});
	ws.on('close', (code) => {
		closed = true;
		if (timer) clearTimeout(timer);
		record.closeCode ??= code;
	});
}

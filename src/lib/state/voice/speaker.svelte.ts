import { speakMessage, speakQuery, SPEAK_AUDIO, type VoiceSettings } from '$lib/api/voice';
import type { SpeechTokenResponse } from '$lib/api/speech';
import { browserDeps as dictationDeps } from '$lib/state/speech/dictation.svelte';
import { realTimers, type Timers } from '$lib/state/speech/auto-submit';
import { AudioDeviceError, openPlayer, type Player } from './player';

/** The browser parts, replaceable in tests (a `ws` WebSocket, a player that only counts). */
export interface SpeakerDeps {
	fetchToken(): Promise<SpeechTokenResponse>;
	openSocket(url: string, protocols: string[]): WebSocket;
	openPlayer(sampleRate: number): Player;
	timers: Timers;
	/** a performance mark (the bench measures between them) */
	mark(name: string): void;
}

export const browserSpeakerDeps: SpeakerDeps = {
	fetchToken: dictationDeps.fetchToken,
	openSocket: (url, protocols) => new WebSocket(url, protocols),
	openPlayer,
	timers: realTimers,
	mark: (name) => performance.mark(name)
};

/** WebSocket.OPEN / CONNECTING, spelled out: Node 20 (the tests) has no global WebSocket. */
const OPEN = 1;
const CONNECTING = 0;
/** An unused speak socket is closed after this long (a new one costs a token). */
const IDLE_CLOSE_MS = 60_000;
/** No Flushed this long after the last audio of a finished reading: it is over anyway. */
const FLUSH_TIMEOUT_MS = 8000;

export interface Reading {
	/** what is read (a reply's key) */
	key: string;
	onStart?(): void;
	/** all its audio has been played (Flushed came and the player went idle) */
	onDone?(): void;
	/** stopped before its end (Stop reading, barge-in, another reading) */
	onStopped?(): void;
	onError?(message: string): void;
}

interface Current extends Reading {
	/** Flush sent: its index, which Deepgram's `sequence_id` of the Flushed answer echoes */
	flushIndex: number | null;
	flushed: boolean;
	started: boolean;
}

/**
 * Reads text aloud through Deepgram's streaming TTS websocket (`/v1/speak`), with a temporary
 * token from the server as the `bearer` subprotocol. One socket is kept open across readings
 * (a voice conversation speaks every reply on it); `Speak` goes out per sentence, one `Flush`
 * per reading, the binary frames play gap-free; `stop()` sends `Clear` and silences the player at
 * once, and audio still on its way for the cleared text is dropped until `Cleared` comes back.
 */
export class Speaker {
	/** the reading being spoken (a reply's key), or null */
	reading = $state<string | null>(null);
	/** audio is coming out right now */
	playing = $state(false);
	error = $state<string | null>(null);

	#socket: WebSocket | null = null;
	#opening: Promise<WebSocket | null> | null = null;
	#player: Player | null = null;
	#current: Current | null = null;
	/** text frames waiting for the socket to open */
	#outbox: string[] = [];
	#flushesSent = 0;
	/** Clears sent whose Cleared has not come back: their audio is dropped */
	#clearing = 0;
	#idleTimer: unknown = null;
	#flushTimer: unknown = null;
	#settings: VoiceSettings | null = null;
	readonly #deps: SpeakerDeps;

	constructor(deps: SpeakerDeps = browserSpeakerDeps) {
		this.#deps = deps;
	}

	/** All the audio of the reading has come (Flushed); what is left is playing it. */
	get allAudioReceived(): boolean {
		return this.#current?.flushed ?? false;
	}

	/** Opens the socket ahead of the first sentence (voice mode, a reply starting). */
	warm(settings: VoiceSettings): Promise<boolean> {
		this.#ensurePlayer();
		if (!this.#player) return Promise.resolve(false);
		return this.#open(settings).then((socket) => socket !== null);
	}

	/** Starts a reading; one already going is cleared first. */
	begin(settings: VoiceSettings, reading: Reading): void {
		if (this.#current) this.stop();
		this.error = null;
		this.#current = { ...reading, flushIndex: null, flushed: false, started: false };
		this.reading = reading.key;
		this.#ensurePlayer();
		void this.#open(settings);
	}

	/** One or a few sentences of the current reading. */
	say(text: string): void {
		if (!this.#current || this.#current.flushIndex !== null || !text.trim()) return;
		this.#send(JSON.stringify({ type: 'Speak', text }));
	}

	/** The reading's text is complete: Flush, so Deepgram speaks what it still holds. */
	finish(): void {
		const current = this.#current;
		if (!current || current.flushIndex !== null) return;
		current.flushIndex = this.#flushesSent++;
		this.#send(JSON.stringify({ type: 'Flush' }));
		this.#armFlushTimeout();
	}

	/** Stops at once: Clear, playback silenced, the reading dropped. */
	stop(): void {
		const current = this.#current;
		this.#current = null;
		this.reading = null;
		this.playing = false;
		this.#player?.stop();
		this.#clearFlushTimeout();
		// Nothing sent yet for it: the queued text just goes.
		this.#outbox = this.#outbox.filter((frame) => !/"type":"(Speak|Flush)"/.test(frame));
		if (current && this.#socket?.readyState === OPEN) {
			this.#clearing += 1;
			this.#socket.send(JSON.stringify({ type: 'Clear' }));
		}
		this.#armIdleClose();
		current?.onStopped?.();
	}

	/** Ends everything: the reading, the socket (`Close`), the audio output. */
	close(): void {
		this.stop();
		this.#closeSocket();
		this.#player?.close();
		this.#player = null;
	}

	reset(): void {
		this.close();
		this.error = null;
	}

	#ensurePlayer() {
		if (this.#player) return;
		try {
			const player = this.#deps.openPlayer(SPEAK_AUDIO.sample_rate);
			player.onStart = () => {
				this.playing = true;
				const current = this.#current;
				if (current && !current.started) {
					current.started = true;
					this.#deps.mark('voice:first-audio');
					current.onStart?.();
				}
			};
			player.onIdle = () => {
				this.playing = false;
				this.#maybeDone();
			};
			this.#player = player;
		} catch (error) {
			this.#fail(
				error instanceof AudioDeviceError ? error.message : 'The speaker could not be started.'
			);
		}
	}

	#open(settings: VoiceSettings): Promise<WebSocket | null> {
		this.#clearIdleClose();
		const sameSettings = JSON.stringify(settings) === JSON.stringify(this.#settings);
		if (this.#socket && sameSettings && this.#socket.readyState <= OPEN) {
			return Promise.resolve(this.#socket);
		}
		if (this.#opening && sameSettings) return this.#opening;
		if (this.#socket) this.#closeSocket();
		this.#settings = settings;
		const opening = this.#connect(settings);
		this.#opening = opening;
		void opening.finally(() => {
			if (this.#opening === opening) this.#opening = null;
		});
		return opening;
	}

	async #connect(settings: VoiceSettings): Promise<WebSocket | null> {
		let token: SpeechTokenResponse;
		try {
			token = await this.#deps.fetchToken();
		} catch (error) {
			this.#fail(error instanceof Error ? error.message : String(error));
			return null;
		}
		if (this.#settings !== settings) return null;
		const socket = this.#deps.openSocket(`${token.url}/v1/speak?${speakQuery(settings)}`, [
			'bearer',
			token.access_token
		]);
		socket.binaryType = 'arraybuffer';
		this.#socket = socket;
		return new Promise((resolve) => {
			let opened = false;
			socket.onopen = () => {
				opened = true;
				for (const frame of this.#outbox.splice(0)) socket.send(frame);
				if (!this.#current) this.#armIdleClose();
				resolve(socket);
			};
			socket.onmessage = (event: MessageEvent) => {
				if (this.#socket !== socket) return;
				if (typeof event.data === 'string') this.#receive(event.data);
				else if (this.#clearing === 0 && this.#current) {
					this.#player?.play(event.data as ArrayBuffer);
					this.#armFlushTimeout();
				}
			};
			// A failed handshake or a broken socket is always followed by `close`, which decides.
			socket.onerror = () => {};
			socket.onclose = (event: CloseEvent) => {
				if (this.#socket !== socket) return resolve(null);
				this.#socket = null;
				this.#clearing = 0;
				this.#flushesSent = 0;
				resolve(null);
				if (!opened) {
					this.#fail(
						'Could not connect to the speech service (Deepgram) to read aloud. Check the network connection and try again.'
					);
				} else if (this.#current && !this.#current.flushed) {
					this.#fail(
						`The connection to the speech service was lost while reading aloud (${event.reason || `code ${event.code}`}).`
					);
				}
			};
		});
	}

	#receive(data: string) {
		let parsed;
		try {
			parsed = speakMessage.safeParse(JSON.parse(data));
		} catch {
			return;
		}
		if (!parsed.success) return;
		const message = parsed.data;
		const current = this.#current;
		switch (message.type) {
			case 'Cleared':
				this.#clearing = Math.max(0, this.#clearing - 1);
				break;
			case 'Flushed':
				if (current && current.flushIndex !== null && message.sequence_id >= current.flushIndex) {
					current.flushed = true;
					this.#maybeDone();
				}
				break;
			case 'Warning':
				// Past Deepgram's 20 Flushes a minute the Flush is refused: what played is all there is.
				if (current && current.flushIndex !== null && /flush/i.test(message.code ?? '')) {
					current.flushed = true;
					this.#maybeDone();
				}
				break;
			case 'Error':
				this.#fail(
					`The speech service could not read aloud: ${message.description ?? message.message ?? 'error'}.`
				);
				break;
		}
	}

	#maybeDone() {
		const current = this.#current;
		if (!current || !current.flushed || !(this.#player?.idle ?? true)) return;
		this.#current = null;
		this.reading = null;
		this.playing = false;
		this.#clearFlushTimeout();
		this.#armIdleClose();
		current.onDone?.();
	}

	#send(frame: string) {
		if (this.#socket?.readyState === OPEN) this.#socket.send(frame);
		else this.#outbox.push(frame);
	}

	#fail(message: string) {
		const current = this.#current;
		this.#current = null;
		this.reading = null;
		this.playing = false;
		this.#outbox = [];
		this.#player?.stop();
		this.#clearFlushTimeout();
		this.#closeSocket();
		this.error = message;
		current?.onError?.(message);
	}

	#closeSocket() {
		this.#clearIdleClose();
		const socket = this.#socket;
		this.#socket = null;
		this.#settings = null;
		this.#outbox = [];
		this.#clearing = 0;
		this.#flushesSent = 0;
		if (!socket) return;
		if (socket.readyState === OPEN) {
			socket.send(JSON.stringify({ type: 'Close' }));
			this.#deps.timers.setTimeout(() => socket.close(1000), 2000);
		} else if (socket.readyState === CONNECTING) {
			socket.onopen = () => socket.close(1000);
		}
	}

	#armFlushTimeout() {
		this.#clearFlushTimeout();
		if (!this.#current || this.#current.flushIndex === null) return;
		this.#flushTimer = this.#deps.timers.setTimeout(() => {
			this.#flushTimer = null;
			const current = this.#current;
			if (!current || current.flushed) return;
			current.flushed = true;
			this.#maybeDone();
		}, FLUSH_TIMEOUT_MS);
	}

	#clearFlushTimeout() {
		if (this.#flushTimer !== null) this.#deps.timers.clearTimeout(this.#flushTimer);
		this.#flushTimer = null;
	}

	#armIdleClose() {
		this.#clearIdleClose();
		if (!this.#socket) return;
		this.#idleTimer = this.#deps.timers.setTimeout(() => {
			this.#idleTimer = null;
			if (!this.#current) this.#closeSocket();
		}, IDLE_CLOSE_MS);
	}

	#clearIdleClose() {
		if (this.#idleTimer !== null) this.#deps.timers.clearTimeout(this.#idleTimer);
		this.#idleTimer = null;
	}
}

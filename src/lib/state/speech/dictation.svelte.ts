import {
	listenMessage,
	listenQuery,
	speechTokenResponse,
	type SpeechSettings,
	type SpeechTokenResponse
} from '$lib/api/speech';
import { api, ApiRequestError } from '$lib/api/client';
import { AutoSubmit, realTimers, type Timers } from './auto-submit';
import type { MicrophoneCapture } from './microphone';
import type { SpeechSettingsState } from './settings.svelte';

export type DictationStatus = 'idle' | 'connecting' | 'listening' | 'waiting' | 'error';

/** Where dictated words go: the composer draft, and its Enter path. */
export interface DictationTarget {
	text: string;
	submit(): void;
	/** the composer cannot send right now (a reply is streaming) */
	readonly busy?: boolean;
	/** calls back once it can send again */
	whenReady?(callback: () => void): void;
}

/** The browser parts, replaceable in tests (a `ws` WebSocket, PCM from a buffer, fake timers). */
export interface DictationDeps {
	fetchToken(): Promise<SpeechTokenResponse>;
	openSocket(url: string, protocols: string[]): WebSocket;
	openMicrophone(onAudio: (chunk: ArrayBuffer) => void): Promise<MicrophoneCapture>;
	timers: Timers;
}

/** Deepgram closes a silent socket after 10 s (NET-0001); its docs ask for a KeepAlive every 3–5 s. */
const KEEPALIVE_MS = 4000;
const MAX_RECONNECTS = 3;
const CLOSE_TIMEOUT_MS = 3000;
/** Audio kept while (re)connecting: 10 s of 16 kHz 16-bit mono. */
const MAX_QUEUED_BYTES = 320_000;
/** WebSocket.OPEN, spelled out: Node 20 (the tests) has no global WebSocket. */
const OPEN = 1;

async function fetchToken(): Promise<SpeechTokenResponse> {
	try {
		return await api('/api/stt/deepgram/token', speechTokenResponse, { method: 'POST' });
	} catch (error) {
		if (error instanceof ApiRequestError && error.code === 'network_error') {
			throw new Error('Could not reach the Switchboard server to start dictation.');
		}
		throw error;
	}
}

export const browserDeps: DictationDeps = {
	fetchToken,
	openSocket: (url, protocols) => new WebSocket(url, protocols),
	// Loaded with the first dictation: the page's first load does without it (and its worklet).
	openMicrophone: async (onAudio) => (await import('./microphone')).openMicrophone(onAudio),
	timers: realTimers
};

class Session {
	socket: WebSocket | null = null;
	mic: MicrophoneCapture | null = null;
	queue: ArrayBuffer[] = [];
	queuedBytes = 0;
	stopping = false;
	/** an auto-submit came while the composer was busy: it sends once the composer is ready */
	held = false;
	reconnects = 0;
	lastSentAt = 0;
	keepAlive: unknown = null;
	serverError: string | null = null;
	/** the draft before dictation added to it, and what dictation last wrote there */
	prefix: string;
	lastWritten: string;

	constructor(
		public target: DictationTarget,
		readonly settings: SpeechSettings,
		readonly machine: AutoSubmit
	) {
		this.prefix = target.text;
		this.lastWritten = target.text;
	}
}

/**
 * Live dictation: asks the server for a temporary token, opens Deepgram's websocket
 * with it as the `bearer` subprotocol, streams the microphone, and feeds what comes back through
 * the auto-submit rules into the composer.
 */
export class Dictation {
	status = $state<DictationStatus>('idle');
	error = $state<string | null>(null);
	/** the settings were invalid when starting: the message points at the settings panel */
	settingsProblem = $state(false);
	/** when the pending auto-submit fires (ms since epoch), or null */
	deadline = $state<number | null>(null);
	/** new speech cancelled a pending submit */
	cancelled = $state(false);
	/** the words are due to send, once the reply that is streaming has finished */
	held = $state(false);
	/** The person speaks (SpeechStarted, or words): voice mode interrupts a reply read aloud. */
	onHeard: (() => void) | null = null;

	#session: Session | null = null;
	readonly #attached: DictationTarget[] = [];
	readonly #deps: DictationDeps;
	readonly #settings: SpeechSettingsState;

	constructor(settings: SpeechSettingsState, deps: DictationDeps = browserDeps) {
		this.#settings = settings;
		this.#deps = deps;
	}

	get active(): boolean {
		return this.status === 'connecting' || this.status === 'listening' || this.status === 'waiting';
	}

	/**
	 * A mounted composer offers itself as the target. Moving from `/` to `/c/{id}` remounts the
	 * composer; dictation carries on into the new one and stops only when none is left.
	 */
	attach(target: DictationTarget): () => void {
		this.#attached.push(target);
		if (this.#session) this.#session.target = target;
		return () => {
			this.#attached.splice(this.#attached.indexOf(target), 1);
			const latest = this.#attached.at(-1);
			if (this.#session?.target === target && latest) this.#session.target = latest;
			if (!latest) {
				this.#deps.timers.setTimeout(() => {
					if (this.#attached.length === 0 && this.active) void this.stop();
				}, 0);
			}
		};
	}

	toggle(target: DictationTarget): Promise<void> {
		return this.active ? this.stop() : this.start(target);
	}

	async start(target: DictationTarget): Promise<void> {
		if (this.active) return;
		this.error = null;
		this.settingsProblem = false;
		this.cancelled = false;
		this.deadline = null;
		this.held = false;
		const settings = this.#settings.valid;
		if (!settings) {
			const [field, message] = Object.entries(this.#settings.errors)[0] ?? ['settings', 'invalid'];
			this.settingsProblem = true;
			this.#showError(`Check the speech settings first: ${field.replaceAll('_', ' ')}: ${message}`);
			return;
		}
		this.status = 'connecting';
		const session: Session = new Session(
			target,
			settings,
			new AutoSubmit({
				enabled: settings.auto_submit,
				delayMs: settings.auto_submit_delay_ms,
				timers: this.#deps.timers,
				onChange: (state) => {
					if (this.#session !== session) return;
					this.#write(session, state.transcript);
					this.deadline = state.deadline;
					this.cancelled = state.cancelled;
					if (this.status === 'listening' || this.status === 'waiting') {
						this.status = state.deadline === null ? 'listening' : 'waiting';
					}
				},
				onSubmit: () => this.#submit(session)
			})
		);
		this.#session = session;
		try {
			session.mic = await this.#deps.openMicrophone((chunk) => this.#audio(session, chunk));
		} catch (error) {
			this.#fail(session, error instanceof Error ? error.message : String(error));
			return;
		}
		if (this.#session !== session) return session.mic.stop();
		await this.#connect(session);
	}

	/** Stops listening. Words already heard stay in the composer; a pending submit is dropped. */
	async stop(): Promise<void> {
		const session = this.#session;
		this.status = 'idle';
		this.error = null;
		this.deadline = null;
		this.cancelled = false;
		this.held = false;
		if (!session) return;
		session.stopping = true;
		session.machine.dispose();
		session.mic?.stop();
		this.#stopKeepAlive(session);
		const socket = session.socket;
		if (socket?.readyState === OPEN) {
			// Deepgram flushes the last words, sends Metadata and closes with 1000.
			socket.send(JSON.stringify({ type: 'CloseStream' }));
			this.#deps.timers.setTimeout(() => socket.close(1000), CLOSE_TIMEOUT_MS);
		} else {
			socket?.close(1000);
			this.#end(session);
		}
	}

	async #connect(session: Session): Promise<void> {
		let token: SpeechTokenResponse;
		try {
			token = await this.#deps.fetchToken();
		} catch (error) {
			this.#fail(session, error instanceof Error ? error.message : String(error));
			return;
		}
		if (this.#session !== session || session.stopping) return;
		const url = `${token.url}/v1/listen?${listenQuery(session.settings)}`;
		const socket = this.#deps.openSocket(url, ['bearer', token.access_token]);
		socket.binaryType = 'arraybuffer';
		session.socket = socket;
		let opened = false;

		socket.onopen = () => {
			if (session.socket !== socket) return;
			opened = true;
			if (!session.stopping) this.status = this.deadline === null ? 'listening' : 'waiting';
			for (const chunk of session.queue.splice(0)) this.#send(session, chunk);
			session.queuedBytes = 0;
			this.#startKeepAlive(session);
		};
		socket.onmessage = (event: MessageEvent) => {
			if (session.socket !== socket || typeof event.data !== 'string') return;
			this.#receive(session, event.data);
		};
		// A failed handshake or a broken socket is always followed by `close`, which decides.
		socket.onerror = () => {};
		socket.onclose = (event: CloseEvent) => {
			if (session.socket !== socket) return;
			session.socket = null;
			this.#stopKeepAlive(session);
			if (session.stopping || this.#session !== session) return this.#end(session);
			if (opened && session.reconnects < MAX_RECONNECTS) {
				// A dropped socket needs a new token: the old one may have expired since.
				session.reconnects += 1;
				this.status = 'connecting';
				this.#deps.timers.setTimeout(() => void this.#connect(session), 250 * session.reconnects);
				return;
			}
			this.#fail(session, closeMessage(opened, event, session.serverError));
		};
	}

	#receive(session: Session, data: string) {
		let parsed;
		try {
			parsed = listenMessage.safeParse(JSON.parse(data));
		} catch {
			return;
		}
		if (!parsed.success) return;
		const message = parsed.data;
		if (session.target.text !== session.lastWritten) {
			// The person typed or sent the draft: their text is the new starting point.
			session.prefix = session.target.text;
			session.lastWritten = session.target.text;
			session.held = this.held = false;
			session.machine.clear();
		}
		switch (message.type) {
			case 'Results':
				session.reconnects = 0;
				if (message.channel.alternatives[0]?.transcript.trim()) this.onHeard?.();
				session.machine.results({
					transcript: message.channel.alternatives[0]?.transcript ?? '',
					isFinal: message.is_final,
					speechFinal: message.speech_final
				});
				break;
			case 'UtteranceEnd':
				session.machine.utteranceEnd();
				break;
			case 'SpeechStarted':
				this.onHeard?.();
				session.machine.speechStarted();
				break;
			case 'Error':
				session.serverError = message.description ?? message.message ?? null;
				break;
		}
	}

	#write(session: Session, transcript: string) {
		const prefix = session.prefix;
		const text = transcript ? (prefix.trim() ? `${prefix.trimEnd()} ` : '') + transcript : prefix;
		if (session.target.text !== text) session.target.text = text;
		session.lastWritten = text;
	}

	#submit(session: Session) {
		if (this.#session !== session || session.stopping) return;
		// Edited during the countdown: the person has taken over, so nothing is sent for them.
		if (session.target.text !== session.lastWritten) return;
		const target = session.target;
		if (target.busy && target.whenReady) {
			// The words stay in the draft (the next ones join them) and go once the reply ends.
			session.prefix = target.text;
			if (!session.held) target.whenReady(() => this.#release(session));
			session.held = this.held = true;
			return;
		}
		session.held = this.held = false;
		target.submit();
		session.prefix = session.target.text;
		session.lastWritten = session.target.text;
	}

	#release(session: Session) {
		if (!session.held || this.#session !== session) return;
		session.held = this.held = false;
		// Mid-sentence: that sentence's own auto-submit sends everything when it ends.
		if (session.machine.state.transcript) return;
		this.#submit(session);
	}

	#audio(session: Session, chunk: ArrayBuffer) {
		if (session.stopping) return;
		if (session.socket?.readyState === OPEN) return this.#send(session, chunk);
		session.queue.push(chunk);
		session.queuedBytes += chunk.byteLength;
		while (session.queuedBytes > MAX_QUEUED_BYTES) {
			session.queuedBytes -= session.queue.shift()!.byteLength;
		}
	}

	#send(session: Session, data: ArrayBuffer | string) {
		session.socket?.send(data);
		session.lastSentAt = this.#deps.timers.now();
	}

	#startKeepAlive(session: Session) {
		this.#stopKeepAlive(session);
		const tick = () => {
			if (session.socket?.readyState !== OPEN || session.stopping) return;
			// Only when the audio has paused (a suspended tab, a muted device): audio keeps it alive.
			if (this.#deps.timers.now() - session.lastSentAt >= KEEPALIVE_MS - 500) {
				this.#send(session, JSON.stringify({ type: 'KeepAlive' }));
			}
			session.keepAlive = this.#deps.timers.setTimeout(tick, KEEPALIVE_MS);
		};
		session.keepAlive = this.#deps.timers.setTimeout(tick, KEEPALIVE_MS);
	}

	#stopKeepAlive(session: Session) {
		if (session.keepAlive !== null) this.#deps.timers.clearTimeout(session.keepAlive);
		session.keepAlive = null;
	}

	#fail(session: Session, message: string) {
		session.stopping = true;
		session.machine.dispose();
		session.mic?.stop();
		this.#stopKeepAlive(session);
		session.socket?.close(1000);
		session.socket = null;
		if (this.#session !== session) return;
		this.#session = null;
		this.deadline = null;
		this.cancelled = false;
		this.held = false;
		this.#showError(message);
	}

	#end(session: Session) {
		if (this.#session === session) this.#session = null;
	}

	#showError(message: string) {
		this.error = message;
		this.status = 'error';
	}

	/** Back to idle without touching the composer (tests, page changes). */
	reset(): void {
		const session = this.#session;
		if (session) {
			session.stopping = true;
			session.machine.dispose();
			session.mic?.stop();
			this.#stopKeepAlive(session);
			session.socket?.close(1000);
		}
		this.#session = null;
		this.status = 'idle';
		this.error = null;
		this.settingsProblem = false;
		this.deadline = null;
		this.cancelled = false;
		this.held = false;
	}
}

function closeMessage(opened: boolean, event: CloseEvent, serverError: string | null): string {
	if (!opened) {
		return 'Could not connect to the speech service (Deepgram). Check the network connection and press Dictate to try again.';
	}
	const why = serverError ?? (event.reason || `code ${event.code}`);
	return `The connection to the speech service was lost (${why}). Press Dictate to start again.`;
}

/**
 * The end-of-utterance rules, free of sockets and DOM so they can be tested with
 * fake timers: finals accumulate, interims show live; `speech_final` ends an utterance, and
 * `UtteranceEnd` does when no `speech_final` came; both wait `delayMs`; new speech during the
 * wait cancels it; an utterance is submitted once, and its words are forgotten afterwards so they
 * never reappear in the composer.
 */

export interface Timers {
	setTimeout(callback: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
	now(): number;
}

export const realTimers: Timers = {
	setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
	clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
	now: () => Date.now()
};

export interface HeardResult {
	transcript: string;
	isFinal: boolean;
	speechFinal: boolean;
}

export interface AutoSubmitState {
	/** finals then the live interim: what the composer shows */
	transcript: string;
	/** when the pending submit fires (timer clock), or null when none is pending */
	deadline: number | null;
	/** new speech cancelled a pending submit; cleared when the next one is scheduled */
	cancelled: boolean;
}

export interface AutoSubmitOptions {
	enabled: boolean;
	delayMs: number;
	timers?: Timers;
	onChange?(state: AutoSubmitState): void;
	onSubmit(transcript: string): void;
}

export class AutoSubmit {
	#finals: string[] = [];
	#interim = '';
	#timer: unknown = null;
	#deadline: number | null = null;
	#cancelled = false;
	#disposed = false;
	readonly #options: AutoSubmitOptions;
	readonly #timers: Timers;

	constructor(options: AutoSubmitOptions) {
		this.#options = options;
		this.#timers = options.timers ?? realTimers;
	}

	get state(): AutoSubmitState {
		const transcript = [...this.#finals, this.#interim].filter(Boolean).join(' ');
		return { transcript, deadline: this.#deadline, cancelled: this.#cancelled };
	}

	/** A `Results` message. */
	results({ transcript, isFinal, speechFinal }: HeardResult): void {
		const text = transcript.trim();
		if (text) this.#cancel();
		if (isFinal) {
			if (text) this.#finals.push(text);
			this.#interim = '';
		} else if (text) {
			this.#interim = text;
		}
		// An empty speech_final after words still marks the pause that ends them.
		if (speechFinal) this.#schedule();
		this.#changed();
	}

	/** `UtteranceEnd`: the fallback when endpointing did not produce a `speech_final`. */
	utteranceEnd(): void {
		this.#schedule();
		this.#changed();
	}

	/** `SpeechStarted` (VAD): the earliest sign of new speech. */
	speechStarted(): void {
		if (this.#cancel()) this.#changed();
	}

	/** Forget the words heard so far (the person edited or sent the draft themselves). */
	clear(): void {
		this.#stopTimer();
		this.#finals = [];
		this.#interim = '';
		this.#cancelled = false;
		this.#changed();
	}

	/** No submit from now on; words still arrive (the last ones after CloseStream) and show. */
	dispose(): void {
		this.#disposed = true;
		this.#stopTimer();
	}

	#schedule() {
		if (!this.#options.enabled || this.#disposed || this.#timer !== null) return;
		// Interim-only speech never submits: Deepgram always finalizes words it is sure of.
		if (this.#finals.length === 0 || this.#interim) return;
		this.#cancelled = false;
		this.#deadline = this.#timers.now() + this.#options.delayMs;
		this.#timer = this.#timers.setTimeout(() => this.#fire(), this.#options.delayMs);
	}

	#fire() {
		const transcript = this.#finals.join(' ');
		this.#timer = null;
		this.#deadline = null;
		this.#finals = [];
		this.#interim = '';
		this.#options.onSubmit(transcript);
		this.#changed();
	}

	#cancel(): boolean {
		if (this.#timer === null) return false;
		this.#stopTimer();
		this.#cancelled = true;
		return true;
	}

	#stopTimer() {
		if (this.#timer !== null) this.#timers.clearTimeout(this.#timer);
		this.#timer = null;
		this.#deadline = null;
	}

	#changed() {
		this.#options.onChange?.(this.state);
	}
}

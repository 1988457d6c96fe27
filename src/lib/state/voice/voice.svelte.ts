import type {
	Dictation,
	DictationStatus,
	DictationTarget
} from '$lib/state/speech/dictation.svelte';
import type { SpeechSettingsState } from '$lib/state/speech/settings.svelte';
import {
	voiceAnnouncement,
	voiceOff,
	voiceStep,
	type VoiceEffect,
	type VoiceEvent,
	type VoiceState
} from './machine';
import { SentenceSplitter } from './sentences';
import type { VoiceSettingsState } from './settings.svelte';
import { Speaker } from './speaker.svelte';

/** What the voice needs to know of the reply streaming now. */
export interface ReplySnapshot {
	key: string;
	content: string;
	streaming: boolean;
}

/** The reply being followed as it streams. */
interface Follow {
	key: string;
	/** characters of its content already given to the splitter */
	consumed: number;
	splitter: SentenceSplitter;
	/** its sentences go to the speaker */
	reading: boolean;
	ended: boolean;
	sentences: number;
}

/**
 * Speech out and the hands-free conversation: "Read aloud" on a reply, reading new replies as
 * they stream ("Read replies aloud"), and voice mode, which keeps dictation listening (one listen
 * socket across turns), reads each reply sentence by sentence while it streams and lets the
 * person talk over it (barge-in). The rules of voice mode are the pure machine in ./machine.ts;
 * this class runs its effects on the dictation and the speaker.
 */
export class Voice {
	state = $state<VoiceState>(voiceOff);
	/** a reading outside voice mode failed (shown by the composer) */
	readError = $state<string | null>(null);
	/** the voice settings were invalid: the message points at the settings */
	settingsProblem = $state(false);
	readonly speaker: Speaker;

	#follow: Follow | null = null;
	#target: DictationTarget | null = null;
	/** composers showing the voice controls (the page moving to /c/{id} remounts the composer) */
	#attached = 0;
	readonly #settings: VoiceSettingsState;
	readonly #speechSettings: SpeechSettingsState;
	readonly #dictation: Dictation;
	readonly #mark: (name: string) => void;

	constructor(
		settings: VoiceSettingsState,
		speechSettings: SpeechSettingsState,
		dictation: Dictation,
		speaker = new Speaker(),
		mark: (name: string) => void = (name) => globalThis.performance?.mark(name)
	) {
		this.#settings = settings;
		this.#speechSettings = speechSettings;
		this.#dictation = dictation;
		this.speaker = speaker;
		this.#mark = mark;
		dictation.onHeard = () => {
			if (this.active) this.#dispatch({ type: 'heard' });
		};
	}

	get active(): boolean {
		return this.state.phase !== 'off';
	}

	/** Replies may be read as they stream: voice mode, or "Read replies aloud". */
	get listensToReplies(): boolean {
		return this.active || Boolean(this.#settings.valid?.read_replies);
	}

	get announcement(): string {
		return voiceAnnouncement(this.state.phase);
	}

	get error(): string | null {
		return this.state.error ?? this.readError ?? null;
	}

	/** A composer shows the controls; when the last one goes (another page), voice mode ends. */
	attach(): () => void {
		this.#attached += 1;
		return () => {
			this.#attached -= 1;
			setTimeout(() => {
				if (this.#attached === 0 && this.active) this.stop();
			}, 0);
		};
	}

	toggle(target: DictationTarget): void {
		if (this.active) this.stop();
		else this.start(target);
	}

	start(target: DictationTarget): void {
		if (this.active) return;
		this.readError = null;
		this.settingsProblem = false;
		const settings = this.#settings.valid;
		if (!settings) {
			this.settingsProblem = true;
			this.state = {
				...voiceOff,
				error: `Check the speech settings first: ${this.#settings.problem}`
			};
			return;
		}
		const speech = this.#speechSettings.valid;
		if (speech && !speech.auto_submit) {
			this.settingsProblem = true;
			this.state = {
				...voiceOff,
				error:
					'Voice mode sends what you say by itself: turn on Auto-submit in the speech settings.'
			};
			return;
		}
		this.#target = target;
		this.#dispatch({ type: 'start' });
	}

	/** Ends voice mode: playback stops, both sockets close; a reply streaming goes on. */
	stop(): void {
		this.#dispatch({ type: 'stop' });
	}

	/** Esc: ends voice mode, or else stops reading. True when it did something. */
	escape(): boolean {
		if (this.active) {
			this.stop();
			return true;
		}
		if (this.speaker.reading !== null) {
			this.stopReading();
			return true;
		}
		return false;
	}

	/** Dictation's status changed (its socket opened, failed, or the mic was switched off). */
	dictationChanged(status: DictationStatus): void {
		if (!this.active) return;
		if (status === 'error') {
			this.#dispatch({
				type: 'fail',
				message: `Voice mode ended: ${this.#dictation.error ?? 'the microphone stopped.'}`
			});
		} else if (status === 'listening' || status === 'waiting') {
			this.#dispatch({ type: 'ready' });
		} else if (status === 'idle' && this.state.phase !== 'starting') {
			this.stop();
		}
	}

	/** The reply streaming now, or null: called on every change while the chat page shows. */
	observe(reply: ReplySnapshot | null): void {
		const follow = this.#follow;
		if (!reply) {
			if (follow && !follow.ended) this.#endReply(follow);
			return;
		}
		if (follow?.key !== reply.key) {
			if (follow && !follow.ended) this.#endReply(follow);
			this.#follow = {
				key: reply.key,
				consumed: 0,
				splitter: new SentenceSplitter(),
				reading: false,
				ended: false,
				sentences: 0
			};
			if (this.active) this.#dispatch({ type: 'replyStarted' });
			else if (this.#settings.valid?.read_replies) this.#beginReading(this.#follow);
		}
		const current = this.#follow!;
		if (current.ended) return;
		const text = reply.content.slice(current.consumed);
		current.consumed = reply.content.length;
		if (current.reading && text) {
			for (const sentence of current.splitter.push(text)) this.#say(current, sentence);
		}
		if (!reply.streaming) this.#endReply(current);
	}

	/** "Read aloud" on a finished reply; pressed again on the same reply ("Stop reading"), stops. */
	readAloud(reply: { key: string; content: string }): void {
		if (this.speaker.reading === reply.key) return this.stopReading();
		this.readError = null;
		const settings = this.#settings.valid;
		if (!settings) {
			this.settingsProblem = true;
			this.readError = `Check the speech settings first: ${this.#settings.problem}`;
			return;
		}
		if (this.#follow) this.#follow.reading = false;
		this.speaker.begin(settings, {
			key: reply.key,
			onError: (message) => (this.readError = message)
		});
		const splitter = new SentenceSplitter();
		for (const sentence of [...splitter.push(reply.content), ...splitter.end()]) {
			this.speaker.say(sentence);
		}
		this.speaker.finish();
	}

	stopReading(): void {
		if (this.#follow) this.#follow.reading = false;
		this.speaker.stop();
	}

	dismissError(): void {
		this.readError = null;
		this.settingsProblem = false;
		if (!this.active) this.state = voiceOff;
	}

	reset(): void {
		this.#follow = null;
		this.#target = null;
		this.speaker.reset();
		this.state = voiceOff;
		this.readError = null;
		this.settingsProblem = false;
	}

	#dispatch(event: VoiceEvent) {
		const { state, effects } = voiceStep(this.state, event);
		this.state = state;
		for (const effect of effects) this.#run(effect);
	}

	#run(effect: VoiceEffect) {
		switch (effect) {
			case 'open': {
				const target = this.#target;
				if (target && !this.#dictation.active) void this.#dictation.start(target);
				else if (this.#dictation.active) this.#dispatch({ type: 'ready' });
				const settings = this.#settings.valid;
				if (settings) {
					void this.speaker.warm(settings).then((ok) => {
						if (!ok && this.active) {
							this.#dispatch({
								type: 'fail',
								message: `Voice mode ended: ${this.speaker.error ?? 'the speech service could not be reached.'}`
							});
						}
					});
				}
				// A reply already streaming is read from its start.
				if (this.#follow && !this.#follow.ended) this.#dispatch({ type: 'replyStarted' });
				break;
			}
			case 'read-reply':
				if (this.#follow && !this.#follow.ended) this.#beginReading(this.#follow);
				break;
			case 'clear-playback':
				if (this.#follow) this.#follow.reading = false;
				this.speaker.stop();
				break;
			case 'close':
				if (this.#follow) this.#follow.reading = false;
				this.speaker.close();
				if (this.#dictation.active) void this.#dictation.stop();
				this.#target = null;
				break;
		}
	}

	#beginReading(follow: Follow) {
		const settings = this.#settings.valid;
		if (!settings) return;
		follow.reading = true;
		follow.consumed = 0;
		follow.splitter = new SentenceSplitter();
		// Only the reply followed now moves voice mode on (an older reading may end late).
		const tell = (event: VoiceEvent) => {
			if (this.active && this.#follow === follow) this.#dispatch(event);
		};
		this.speaker.begin(settings, {
			key: follow.key,
			onStart: () => tell({ type: 'audioStarted' }),
			onDone: () => tell({ type: 'spoken' }),
			onStopped: () => tell({ type: 'spoken' }),
			onError: (message) => {
				if (this.active) this.#dispatch({ type: 'fail', message: `Voice mode ended: ${message}` });
				else this.readError = message;
			}
		});
	}

	#say(follow: Follow, sentence: string) {
		if (follow.sentences++ === 0) this.#mark('voice:first-sentence');
		this.speaker.say(sentence);
	}

	#endReply(follow: Follow) {
		follow.ended = true;
		if (follow.reading) {
			for (const sentence of follow.splitter.end()) this.#say(follow, sentence);
			this.speaker.finish();
		}
		if (this.active) this.#dispatch({ type: 'replyEnded' });
	}
}

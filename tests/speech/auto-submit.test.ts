import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoSubmit, type AutoSubmitState, type Timers } from '$lib/state/speech/auto-submit';

const interim = (transcript: string) => ({ transcript, isFinal: false, speechFinal: false });
const final = (transcript: string, speechFinal = false) => ({
	transcript,
	isFinal: true,
	speechFinal
});

function setup(options: { enabled?: boolean; delayMs?: number } = {}) {
	const timers: Timers = {
		setTimeout: (callback, ms) => setTimeout(callback, ms),
		clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
		now: () => Date.now()
	};
	const submitted: string[] = [];
	const states: AutoSubmitState[] = [];
	const machine = new AutoSubmit({
		enabled: options.enabled ?? true,
		delayMs: options.delayMs ?? 1500,
		timers,
		onChange: (state) => states.push(state),
		onSubmit: (transcript) => submitted.push(transcript)
	});
	const composer = () => states.at(-1)?.transcript ?? '';
	return { machine, submitted, composer, state: () => machine.state };
}

describe('auto-submit', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('shows interim words live and accumulates finals', () => {
		const { machine, composer } = setup();
		machine.results(interim('what is'));
		expect(composer()).toBe('what is');
		machine.results(final('what is the weather'));
		machine.results(interim('in paris'));
		expect(composer()).toBe('what is the weather in paris');
		machine.results(final('in paris today'));
		expect(composer()).toBe('what is the weather in paris today');
	});

	it('submits after the delay once speech_final ends the utterance', () => {
		const { machine, submitted, state } = setup({ delayMs: 1500 });
		machine.results(interim('hello'));
		machine.results(final('hello there', true));
		expect(state().deadline).toBe(Date.now() + 1500);
		vi.advanceTimersByTime(1499);
		expect(submitted).toEqual([]);
		vi.advanceTimersByTime(1);
		expect(submitted).toEqual(['hello there']);
		expect(state()).toEqual({ transcript: '', deadline: null, cancelled: false });
	});

	it('falls back to UtteranceEnd when no speech_final arrives', () => {
		const { machine, submitted } = setup({ delayMs: 1000 });
		machine.results(final('turn on the lights'));
		vi.advanceTimersByTime(5000);
		expect(submitted).toEqual([]);
		machine.utteranceEnd();
		vi.advanceTimersByTime(1000);
		expect(submitted).toEqual(['turn on the lights']);
	});

	it('cancels a pending submit when new speech starts, then submits everything once', () => {
		const { machine, submitted, state } = setup({ delayMs: 2000 });
		machine.results(final('hello there', true));
		vi.advanceTimersByTime(1000);
		machine.speechStarted();
		expect(state()).toMatchObject({ deadline: null, cancelled: true });
		machine.results(interim('how are'));
		vi.advanceTimersByTime(5000);
		expect(submitted).toEqual([]);
		machine.results(final('how are you', true));
		expect(state().cancelled).toBe(false);
		vi.advanceTimersByTime(2000);
		expect(submitted).toEqual(['hello there how are you']);
	});

	it('cancels on interim words even without a SpeechStarted event', () => {
		const { machine, submitted, state } = setup({ delayMs: 2000 });
		machine.results(final('first part', true));
		machine.results(interim('and more'));
		expect(state().cancelled).toBe(true);
		vi.advanceTimersByTime(10_000);
		expect(submitted).toEqual([]);
	});

	it('submits an utterance exactly once even when speech_final and UtteranceEnd both arrive', () => {
		const { machine, submitted } = setup({ delayMs: 500 });
		machine.results(final('book a table', true));
		machine.results(final('', true));
		machine.utteranceEnd();
		vi.advanceTimersByTime(500);
		machine.utteranceEnd();
		machine.results(final('', true));
		vi.advanceTimersByTime(5000);
		expect(submitted).toEqual(['book a table']);
	});

	it('never submits interim-only speech', () => {
		const { machine, submitted, composer } = setup({ delayMs: 100 });
		machine.results(interim('maybe something'));
		machine.results(interim(''));
		machine.utteranceEnd();
		machine.results({ transcript: '', isFinal: false, speechFinal: true });
		vi.advanceTimersByTime(10_000);
		expect(submitted).toEqual([]);
		expect(composer()).toBe('maybe something');
	});

	it('starts the next utterance from an empty transcript after a submit', () => {
		const { machine, submitted, composer } = setup({ delayMs: 100 });
		machine.results(final('first message', true));
		vi.advanceTimersByTime(100);
		expect(composer()).toBe('');
		machine.results(interim('second'));
		expect(composer()).toBe('second');
		machine.results(final('second message', true));
		vi.advanceTimersByTime(100);
		expect(submitted).toEqual(['first message', 'second message']);
	});

	it('only dictates when auto-submit is off', () => {
		const { machine, submitted, composer, state } = setup({ enabled: false });
		machine.results(final('just dictating', true));
		machine.utteranceEnd();
		expect(state().deadline).toBeNull();
		vi.advanceTimersByTime(60_000);
		expect(submitted).toEqual([]);
		expect(composer()).toBe('just dictating');
	});

	it('forgets the words and the pending submit when cleared', () => {
		const { machine, submitted, composer } = setup({ delayMs: 100 });
		machine.results(final('sent by hand', true));
		machine.clear();
		vi.advanceTimersByTime(1000);
		expect(submitted).toEqual([]);
		expect(composer()).toBe('');
	});
});

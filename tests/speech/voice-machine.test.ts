import { describe, expect, it } from 'vitest';
import {
	voiceAnnouncement,
	voiceOff,
	voiceStep,
	type VoiceEffect,
	type VoiceEvent,
	type VoiceState
} from '$lib/state/voice/machine';

/** Runs events from `state` and collects every effect on the way. */
function run(state: VoiceState, ...events: VoiceEvent['type'][]) {
	const effects: VoiceEffect[] = [];
	for (const type of events) {
		const step = voiceStep(
			state,
			type === 'fail'
				? { type, message: 'The microphone was unplugged.' }
				: ({ type } as VoiceEvent)
		);
		state = step.state;
		effects.push(...step.effects);
	}
	return { state, effects };
}

const listening = run(voiceOff, 'start', 'ready').state;

describe('voice mode state machine', () => {
	it('opens the sockets on start and listens once the microphone is ready', () => {
		const started = run(voiceOff, 'start');
		expect(started.state.phase).toBe('starting');
		expect(started.effects).toEqual(['open']);
		expect(run(started.state, 'ready').state.phase).toBe('listening');
	});

	it('thinks while the reply starts, speaks with its first audio, listens again when read', () => {
		const thinking = run(listening, 'replyStarted');
		expect(thinking.state.phase).toBe('thinking');
		expect(thinking.effects).toEqual(['read-reply']);
		const speaking = run(thinking.state, 'audioStarted');
		expect(speaking.state.phase).toBe('speaking');
		// The reply ending does not end the speaking: the audio still plays.
		const ended = run(speaking.state, 'replyEnded');
		expect(ended.state).toMatchObject({ phase: 'speaking', streaming: false });
		expect(run(ended.state, 'spoken').state.phase).toBe('listening');
	});

	it('goes back to listening for a reply with nothing to read', () => {
		expect(run(listening, 'replyStarted', 'replyEnded', 'spoken').state.phase).toBe('listening');
	});

	it('barge-in: speech over the reply clears playback and listens, the reply still streaming', () => {
		const speaking = run(listening, 'replyStarted', 'audioStarted').state;
		const heard = run(speaking, 'heard');
		expect(heard.effects).toEqual(['clear-playback']);
		expect(heard.state).toMatchObject({ phase: 'listening', streaming: true, interrupted: true });
		// Audio of the interrupted reply that was already on its way does not make it speak again.
		expect(run(heard.state, 'audioStarted', 'spoken').state.phase).toBe('listening');
		// The words, sent once the reply ended, start the next turn, which is read.
		const next = run(heard.state, 'replyEnded', 'replyStarted');
		expect(next.state).toMatchObject({ phase: 'thinking', interrupted: false });
		expect(next.effects).toEqual(['read-reply']);
	});

	it('barge-in while still thinking stops the reading before any audio', () => {
		const heard = run(listening, 'replyStarted', 'heard');
		expect(heard.state.phase).toBe('listening');
		expect(heard.effects).toEqual(['read-reply', 'clear-playback']);
	});

	it('speech while listening changes nothing (that is the next question)', () => {
		expect(run(listening, 'heard')).toEqual({ state: listening, effects: [] });
	});

	it('a new reply while one is read clears the old one and reads the new', () => {
		const speaking = run(listening, 'replyStarted', 'audioStarted').state;
		expect(run(speaking, 'replyStarted').effects).toEqual(['clear-playback', 'read-reply']);
	});

	it.each(['listening', 'thinking', 'speaking', 'starting'] as const)(
		'stop ends it from %s and closes both sockets',
		(phase) => {
			const { state, effects } = run({ ...listening, phase }, 'stop');
			expect(state).toEqual(voiceOff);
			expect(effects).toEqual(['close']);
		}
	);

	it('a failure (token, socket, audio device) ends it with its message', () => {
		const { state, effects } = run(listening, 'replyStarted', 'fail');
		expect(state).toEqual({ ...voiceOff, error: 'The microphone was unplugged.' });
		expect(effects).toEqual(['read-reply', 'close']);
	});

	it('ignores everything but start while off, and a second start while on', () => {
		for (const type of ['ready', 'heard', 'replyStarted', 'spoken', 'stop'] as const) {
			expect(run(voiceOff, type)).toEqual({ state: voiceOff, effects: [] });
		}
		expect(run(listening, 'start')).toEqual({ state: listening, effects: [] });
	});

	it('announces each phase with its word', () => {
		expect(voiceAnnouncement('listening')).toMatch(/listening/);
		expect(voiceAnnouncement('thinking')).toMatch(/thinking/);
		expect(voiceAnnouncement('speaking')).toMatch(/speaking/);
		expect(voiceAnnouncement('off')).toBe('');
	});
});

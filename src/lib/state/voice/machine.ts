/**
 * Voice mode as a pure state machine: events in, the next state and the effects to run out, so
 * the rules can be tested without sockets, audio or timers.
 *
 *   off ──start──▶ starting ──ready──▶ listening ──replyStarted──▶ thinking ──audioStarted──▶ speaking
 *                                          ▲                          │                          │
 *                                          └───── spoken / heard ─────┴──────────────────────────┘
 *
 * `heard` (the listen socket's SpeechStarted, or words) while a reply is thought about or read is
 * a barge-in: playback is cleared, the rest of that reply is not read (its text keeps streaming),
 * and the words go on to become the next message (dictation holds them until the reply ends).
 * `stop` (Esc, the toggle) and `fail` end it from anywhere, closing both sockets.
 */

export type VoicePhase = 'off' | 'starting' | 'listening' | 'thinking' | 'speaking';

export type VoiceEvent =
	| { type: 'start' }
	/** the microphone and the listen socket are open */
	| { type: 'ready' }
	/** a reply began streaming */
	| { type: 'replyStarted' }
	/** the first audio of the reply is playing */
	| { type: 'audioStarted' }
	/** the reply finished streaming (saved whole, read or not) */
	| { type: 'replyEnded' }
	/** everything read of the reply has been played */
	| { type: 'spoken' }
	/** the person speaks */
	| { type: 'heard' }
	| { type: 'stop' }
	| { type: 'fail'; message: string };

export type VoiceEffect =
	/** open the microphone with the listen socket, and the speak socket */
	| 'open'
	/** read the reply that started, sentence by sentence as it streams */
	| 'read-reply'
	/** Clear: stop playback at once and read no more of this reply */
	| 'clear-playback'
	/** stop playback, close both sockets */
	| 'close';

export interface VoiceState {
	phase: VoicePhase;
	/** a reply is streaming */
	streaming: boolean;
	/** the reply streaming now was interrupted: it is not read any further */
	interrupted: boolean;
	error: string | null;
}

export const voiceOff: VoiceState = {
	phase: 'off',
	streaming: false,
	interrupted: false,
	error: null
};

export interface VoiceStep {
	state: VoiceState;
	effects: VoiceEffect[];
}

export function voiceStep(state: VoiceState, event: VoiceEvent): VoiceStep {
	const stay = { state, effects: [] };
	const to = (patch: Partial<VoiceState>, effects: VoiceEffect[] = []): VoiceStep => ({
		state: { ...state, ...patch },
		effects
	});

	if (state.phase === 'off') {
		if (event.type === 'start') return to({ ...voiceOff, phase: 'starting' }, ['open']);
		return stay;
	}
	switch (event.type) {
		case 'start':
			return stay;
		case 'stop':
			return { state: voiceOff, effects: ['close'] };
		case 'fail':
			return { state: { ...voiceOff, error: event.message }, effects: ['close'] };
		case 'ready':
			return state.phase === 'starting' ? to({ phase: 'listening' }) : stay;
		case 'replyStarted':
			// A new reply while one is still read (typed, or sent after a barge-in): read the new one.
			return to(
				{
					phase: state.phase === 'starting' ? 'starting' : 'thinking',
					streaming: true,
					interrupted: false
				},
				state.phase === 'speaking' || state.phase === 'thinking'
					? ['clear-playback', 'read-reply']
					: ['read-reply']
			);
		case 'audioStarted':
			return state.phase === 'thinking' && !state.interrupted ? to({ phase: 'speaking' }) : stay;
		case 'replyEnded':
			return to({ streaming: false, interrupted: false });
		case 'spoken':
			return state.phase === 'speaking' || state.phase === 'thinking'
				? to({ phase: 'listening' })
				: stay;
		case 'heard':
			if (state.phase === 'speaking' || state.phase === 'thinking') {
				return to({ phase: 'listening', interrupted: state.streaming }, ['clear-playback']);
			}
			return stay;
	}
}

/** The words announced in the live region, one per phase. */
export function voiceAnnouncement(phase: VoicePhase): string {
	switch (phase) {
		case 'off':
			return '';
		case 'starting':
			return 'Voice mode: starting';
		case 'listening':
			return 'Voice mode: listening';
		case 'thinking':
			return 'Voice mode: thinking';
		case 'speaking':
			return 'Voice mode: speaking';
	}
}

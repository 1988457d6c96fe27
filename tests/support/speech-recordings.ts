import path from 'node:path';
import type { SpeechPart } from './speech-wav';

/** The recordings the dictation e2e plays into Chromium's fake microphone, committed as WAVs. */
export const SPEECH_FIXTURES_DIR = path.resolve('tests/fixtures/speech');

export const FIRST_SENTENCE = 'Remind me to buy milk';
export const SECOND_SENTENCE = 'and also some bread';

export const speechRecordings: Record<string, SpeechPart[]> = {
	// Two sentences with a 1.8 s pause: longer or shorter than the auto-submit wait, by setting.
	'two-sentences.wav': [
		{ silenceMs: 1200 },
		{ say: FIRST_SENTENCE },
		{ silenceMs: 1800 },
		{ say: SECOND_SENTENCE },
		{ silenceMs: 500 }
	],
	// A question, then 5 s of quiet (time for the spoken answer), then the next one.
	'two-questions.wav': [
		{ silenceMs: 1000 },
		{ say: FIRST_SENTENCE },
		{ silenceMs: 5000 },
		{ say: SECOND_SENTENCE },
		{ silenceMs: 500 }
	]
};

export const speechFixture = (name: keyof typeof speechRecordings) =>
	path.join(SPEECH_FIXTURES_DIR, name);

import { describe, expect, it } from 'vitest';
import { defaultSpeechSettings, listenQuery, speechSettings } from '$lib/api';
import {
	SPEECH_SETTINGS_STORAGE_KEY,
	SpeechSettingsState
} from '$lib/state/speech/settings.svelte';

function memoryStorage(initial: Record<string, string> = {}) {
	const items = new Map(Object.entries(initial));
	return {
		items,
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

describe('speech settings', () => {
	it('defaults to nova-3 with auto-submit on, and they are valid', () => {
		expect(speechSettings.parse(defaultSpeechSettings)).toEqual(defaultSpeechSettings);
		expect(defaultSpeechSettings).toMatchObject({ model: 'nova-3', auto_submit: true });
	});

	it.each([
		[{ model: 'Nova 3!' }, 'model', 'A Deepgram model name'],
		[{ language: 'english please' }, 'language', 'A language code'],
		[{ endpointing: 5 }, 'endpointing', 'Use 0 (off) or at least 10 ms.'],
		[{ endpointing: null }, 'endpointing', 'Enter a number of milliseconds.'],
		[{ endpointing: 12.5 }, 'endpointing', 'whole number'],
		[{ utterance_end_ms: 500 }, 'utterance_end_ms', 'at least 1000 ms'],
		[{ interim_results: false }, 'utterance_end_ms', 'Needs interim results'],
		[{ auto_submit_delay_ms: -1 }, 'auto_submit_delay_ms', 'At least 0 ms.'],
		[{ auto_submit_delay_ms: 60_000 }, 'auto_submit_delay_ms', 'At most 30000 ms.'],
		[{ endpointing: 0, utterance_end_ms: 0 }, 'auto_submit', 'notice when you stop talking']
	])('shows a problem with %j next to %s', (patch, field, message) => {
		const state = new SpeechSettingsState(() => memoryStorage());
		state.update(patch);
		expect(state.valid).toBeNull();
		expect(state.errors[field as keyof typeof state.errors]).toContain(message);
	});

	it('allows dictation without auto-submit and without end-of-speech detection', () => {
		const state = new SpeechSettingsState(() => memoryStorage());
		state.update({ auto_submit: false, endpointing: 0, utterance_end_ms: 0 });
		expect(state.errors).toEqual({});
		expect(state.valid).toMatchObject({ auto_submit: false });
	});

	it('is remembered per browser, invalid values included', () => {
		const storage = memoryStorage();
		new SpeechSettingsState(() => storage).update({ language: 'de', endpointing: 3 });
		const again = new SpeechSettingsState(() => storage);
		expect(again.values).toMatchObject({ language: 'de', endpointing: 3 });
		expect(again.errors.endpointing).toBeDefined();
		again.reset();
		expect(storage.items.has(SPEECH_SETTINGS_STORAGE_KEY)).toBe(false);
		expect(again.values).toEqual(defaultSpeechSettings);
	});

	it('falls back to the defaults for a corrupt or foreign stored value', () => {
		const storage = memoryStorage({
			[SPEECH_SETTINGS_STORAGE_KEY]: JSON.stringify({ model: 42, smart_format: false, extra: 1 })
		});
		expect(new SpeechSettingsState(() => storage).values).toEqual({
			...defaultSpeechSettings,
			smart_format: false
		});
		storage.items.set(SPEECH_SETTINGS_STORAGE_KEY, '{not json');
		expect(new SpeechSettingsState(() => storage).values).toEqual(defaultSpeechSettings);
	});

	it('puts the settings on the listen URL the way Deepgram reads them', () => {
		const query = listenQuery({ ...defaultSpeechSettings, endpointing: 0, utterance_end_ms: 0 });
		expect(Object.fromEntries(query)).toEqual({
			model: 'nova-3',
			language: 'en',
			interim_results: 'true',
			endpointing: 'false',
			vad_events: 'true',
			smart_format: 'true',
			encoding: 'linear16',
			sample_rate: '16000',
			channels: '1'
		});
		expect(listenQuery(defaultSpeechSettings).get('utterance_end_ms')).toBe('1000');
	});
});

import { describe, expect, it } from 'vitest';
import { defaultVoiceSettings, speakQuery, voiceSettings } from '$lib/api';
import { VOICE_SETTINGS_STORAGE_KEY, VoiceSettingsState } from '$lib/state/voice/settings.svelte';

function memoryStorage(initial: Record<string, string> = {}) {
	const items = new Map(Object.entries(initial));
	return {
		items,
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

describe('voice settings', () => {
	it('accepts Aura and Aura-2 voices and refuses anything else', () => {
		for (const voice of ['aura-2-thalia-en', 'aura-asteria-en', 'aura-2-julius-de']) {
			expect(voiceSettings.safeParse({ ...defaultVoiceSettings, voice }).success).toBe(true);
		}
		for (const voice of ['nova-3', 'aura-2-thalia', 'aura-2-thalia-en&encoding=mp3', '', 'AURA']) {
			expect(voiceSettings.safeParse({ ...defaultVoiceSettings, voice }).success).toBe(false);
		}
	});

	it('takes a speaking rate from 0.7 to 1.5 in steps of 0.05, for Aura-2 voices only', () => {
		const parse = (speed: number, voice = 'aura-2-thalia-en') =>
			voiceSettings.safeParse({ ...defaultVoiceSettings, voice, speed });
		expect(parse(0.7).success).toBe(true);
		expect(parse(1.25).success).toBe(true);
		expect(parse(0.5).success).toBe(false);
		expect(parse(1.6).success).toBe(false);
		expect(parse(1.13).success).toBe(false);
		const aura1 = parse(1.2, 'aura-asteria-en');
		expect(aura1.success).toBe(false);
		expect(aura1.error?.issues[0]).toMatchObject({ path: ['speed'] });
		expect(parse(1, 'aura-asteria-en').success).toBe(true);
	});

	it('asks the speak socket for linear16 at 24 kHz, with the rate only when it is not 1', () => {
		expect(Object.fromEntries(speakQuery(defaultVoiceSettings))).toEqual({
			model: 'aura-2-thalia-en',
			encoding: 'linear16',
			sample_rate: '24000'
		});
		expect(speakQuery({ ...defaultVoiceSettings, speed: 1.2 }).get('speed')).toBe('1.2');
	});

	it('is remembered per browser, keeps an invalid value with its error, and resets', () => {
		const storage = memoryStorage();
		const state = new VoiceSettingsState(() => storage);
		state.update({ voice: 'nova-3', read_replies: true });
		expect(JSON.parse(storage.items.get(VOICE_SETTINGS_STORAGE_KEY)!)).toMatchObject({
			voice: 'nova-3',
			read_replies: true
		});
		const again = new VoiceSettingsState(() => storage);
		expect(again.values).toMatchObject({ voice: 'nova-3', read_replies: true });
		expect(again.valid).toBeNull();
		expect(again.errors.voice).toMatch(/Aura voice/);
		expect(again.problem).toMatch(/^voice: /);
		again.reset();
		expect(again.valid).toEqual(defaultVoiceSettings);
		expect(storage.items.has(VOICE_SETTINGS_STORAGE_KEY)).toBe(false);
	});

	it('ignores stored values of the wrong type', () => {
		const storage = memoryStorage({
			[VOICE_SETTINGS_STORAGE_KEY]: JSON.stringify({ voice: 42, read_replies: 'yes', speed: 1.1 })
		});
		const state = new VoiceSettingsState(() => storage);
		expect(state.values).toEqual({ ...defaultVoiceSettings, speed: 1.1 });
	});
});

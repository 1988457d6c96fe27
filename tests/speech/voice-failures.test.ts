import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { SpeechTokenResponse } from '$lib/api';
import { realTimers } from '$lib/state/speech/auto-submit';
import { Dictation, type DictationTarget } from '$lib/state/speech/dictation.svelte';
import type { MicrophoneCapture } from '$lib/state/speech/microphone';
import { SpeechSettingsState } from '$lib/state/speech/settings.svelte';
import { AudioDeviceError, type Player } from '$lib/state/voice/player';
import { VoiceSettingsState } from '$lib/state/voice/settings.svelte';
import { Speaker } from '$lib/state/voice/speaker.svelte';
import { Voice } from '$lib/state/voice/voice.svelte';
import { startDeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose, testServices } from '../support/factories';

function memoryStorage() {
	const items = new Map<string, string>();
	return {
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

const quietPlayer = (): Player => ({
	play() {},
	stop() {},
	idle: true,
	onIdle: null,
	onStart: null,
	close() {}
});

/** Voice mode over the real dictation and speaker, each part replaceable by a failing one. */
async function setup(
	fail: { listenToken?: boolean; speakToken?: boolean; speaker?: boolean; mic?: boolean } = {}
) {
	const dg = await startDeepgramStandin();
	onDispose(() => dg.close());
	const services = testServices({ DEEPGRAM_API_KEY: dg.apiKey, DEEPGRAM_API_URL: dg.url });
	const token = (failing?: boolean) => (): Promise<SpeechTokenResponse> =>
		failing
			? Promise.reject(new Error('Could not reach the Switchboard server to start dictation.'))
			: services.speech.mint('127.0.0.1');
	const openSocket = (url: string, protocols: string[]) => {
		const socket = new WebSocket(url, protocols);
		onDispose(() => socket.terminate());
		return socket as unknown as globalThis.WebSocket;
	};
	const speechSettings = new SpeechSettingsState(() => memoryStorage());
	const dictation = new Dictation(speechSettings, {
		fetchToken: token(fail.listenToken),
		openSocket,
		openMicrophone: async (): Promise<MicrophoneCapture> => {
			if (fail.mic)
				throw new Error('No microphone was found. Connect one and press Dictate again.');
			return { stop() {} };
		},
		timers: realTimers
	});
	const speaker = new Speaker({
		fetchToken: token(fail.speakToken),
		openSocket,
		openPlayer: () => {
			if (fail.speaker) throw new AudioDeviceError('The speaker could not be started (no device).');
			return quietPlayer();
		},
		timers: realTimers,
		mark: () => {}
	});
	const voice = new Voice(
		new VoiceSettingsState(() => memoryStorage()),
		speechSettings,
		dictation,
		speaker,
		() => {}
	);
	onDispose(() => {
		voice.reset();
		dictation.reset();
	});
	const target: DictationTarget = { text: '', submit() {} };
	/** What the composer's effect does: tell the voice each change of the dictation's status. */
	const follow = setInterval(() => voice.dictationChanged(dictation.status), 10);
	onDispose(() => clearInterval(follow));
	return { dg, voice, dictation, target };
}

afterEach(disposeAll);

describe('voice mode failures end it with a message, never a hang', () => {
	it('starts listening with one listen and one speak socket when all is well', async () => {
		const { dg, voice, target } = await setup();
		voice.start(target);
		await vi.waitFor(() => expect(voice.state.phase).toBe('listening'));
		await vi.waitFor(() => expect(dg.speak).toHaveLength(1));
		expect(dg.connections).toHaveLength(1);
		voice.stop();
		expect(voice.state.phase).toBe('off');
		await vi.waitFor(() => expect(dg.speak[0].closeCode).toBe(1000));
		await vi.waitFor(() => expect(dg.connections[0].closeCode).toBe(1000));
	});

	it.each([
		[
			'the listen token',
			{ listenToken: true },
			/Voice mode ended: Could not reach the Switchboard/
		],
		['the speak token', { speakToken: true }, /Voice mode ended: Could not reach the Switchboard/],
		['the audio output', { speaker: true }, /Voice mode ended: The speaker could not be started/],
		['the microphone', { mic: true }, /Voice mode ended: No microphone was found/]
	])('a failing %s', async (_name, fail, message) => {
		const { voice, dictation, target } = await setup(fail);
		voice.start(target);
		await vi.waitFor(() => expect(voice.state.phase).toBe('off'));
		expect(voice.error).toMatch(message);
		await vi.waitFor(() => expect(dictation.active).toBe(false));
	});
});

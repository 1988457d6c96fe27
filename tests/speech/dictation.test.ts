import { afterEach, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { realTimers } from '$lib/state/speech/auto-submit';
import { openMicrophone, type MicrophoneCapture } from '$lib/state/speech/microphone';
import {
	Dictation,
	type DictationDeps,
	type DictationTarget
} from '$lib/state/speech/dictation.svelte';
import { SpeechSettingsState, type SpeechSettingsForm } from '$lib/state/speech/settings.svelte';
import { startDeepgramStandin, type DeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose, testServices } from '../support/factories';

const RATE = 16_000;
const tone = (ms: number, amplitude: number) => {
	const samples = new Int16Array((RATE * ms) / 1000);
	for (let i = 0; i < samples.length; i++) {
		samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * 220 * i) / RATE));
	}
	return samples;
};

/** A microphone the test speaks into: 100 ms PCM chunks, like the AudioWorklet sends. */
function fakeMicrophone() {
	let listener: ((chunk: ArrayBuffer) => void) | null = null;
	const mic = {
		stopped: false,
		open: async (onAudio: (chunk: ArrayBuffer) => void): Promise<MicrophoneCapture> => {
			listener = onAudio;
			mic.stopped = false;
			return { stop: () => (mic.stopped = true) };
		},
		play(samples: Int16Array) {
			for (let offset = 0; offset < samples.length; offset += RATE / 10) {
				listener?.(samples.slice(offset, offset + RATE / 10).buffer);
			}
		},
		speak: (ms: number) => mic.play(tone(ms, 8000)),
		pause: (ms: number) => mic.play(tone(ms, 0))
	};
	return mic;
}

function memoryStorage() {
	const items = new Map<string, string>();
	return {
		getItem: (key: string) => items.get(key) ?? null,
		setItem: (key: string, value: string) => void items.set(key, value),
		removeItem: (key: string) => void items.delete(key)
	};
}

function composer(): DictationTarget & { sent: string[] } {
	const target = {
		text: '',
		sent: [] as string[],
		submit() {
			target.sent.push(target.text);
			target.text = '';
		}
	};
	return target;
}

async function setup(settings: Partial<SpeechSettingsForm> = {}, standin?: DeepgramStandin) {
	const dg =
		standin ?? (await startDeepgramStandin({ utterances: ['hello there', 'how are you'] }));
	onDispose(() => dg.close());
	const services = testServices({ DEEPGRAM_API_KEY: dg.apiKey, DEEPGRAM_API_URL: dg.url });
	const storage = memoryStorage();
	const speechSettings = new SpeechSettingsState(() => storage);
	speechSettings.update({ auto_submit_delay_ms: 300, endpointing: 300, ...settings });
	const mic = fakeMicrophone();
	const deps: DictationDeps = {
		fetchToken: () => services.speech.mint('127.0.0.1'),
		openSocket: (url, protocols) =>
			new WebSocket(url, protocols) as unknown as globalThis.WebSocket,
		openMicrophone: mic.open,
		timers: realTimers
	};
	const dictation = new Dictation(speechSettings, deps);
	onDispose(() => dictation.reset());
	return { dg, dictation, mic, target: composer(), speechSettings };
}

afterEach(disposeAll);

describe('dictation against the Deepgram stand-in', () => {
	it('writes the words into the composer and submits them once after the pause', async () => {
		const { dg, dictation, mic, target } = await setup();
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		expect(dg.connections[0]).toMatchObject({ protocol: 'bearer' });
		expect(dg.connections[0].query).toMatchObject({
			model: 'nova-3',
			interim_results: 'true',
			endpointing: '300',
			encoding: 'linear16',
			sample_rate: '16000'
		});
		mic.pause(300);
		mic.speak(800);
		await vi.waitFor(() => expect(target.text).toBe('hello'));
		mic.pause(1500);
		await vi.waitFor(() => expect(target.sent).toEqual(['hello there']));
		expect(target.text).toBe('');
		expect(dictation.status).toBe('listening');
		mic.pause(1500);
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(target.sent).toEqual(['hello there']);
	});

	it('keeps typed text in front of the dictated words', async () => {
		const { dictation, mic, target } = await setup({ auto_submit: false });
		target.text = 'Note:';
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		mic.speak(600);
		mic.pause(1500);
		await vi.waitFor(() => expect(target.text).toBe('Note: hello there'));
		expect(target.sent).toEqual([]);
	});

	it('opens no socket and names the field when the settings are invalid', async () => {
		const { dg, dictation, target } = await setup({ endpointing: 5 });
		await dictation.start(target);
		expect(dictation.status).toBe('error');
		expect(dictation.settingsProblem).toBe(true);
		expect(dictation.error).toContain('endpointing');
		expect(dg.connections).toHaveLength(0);
		expect(dg.grants).toBe(0);
	});

	it('explains a server without a Deepgram key', async () => {
		const { dictation, target } = await setup();
		const unconfigured = testServices({ DEEPGRAM_API_KEY: undefined });
		const broken = new Dictation(new SpeechSettingsState(() => null), {
			fetchToken: () => unconfigured.speech.mint('127.0.0.1'),
			openSocket: () => {
				throw new Error('no socket expected');
			},
			openMicrophone: fakeMicrophone().open,
			timers: realTimers
		});
		await broken.start(target);
		expect(broken.status).toBe('error');
		expect(broken.error).toMatch(/DEEPGRAM_API_KEY/);
		expect(dictation.status).toBe('idle');
	});

	it('closes with CloseStream when stopped and keeps the last words', async () => {
		const { dg, dictation, mic, target } = await setup({ endpointing: 0, utterance_end_ms: 1000 });
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		mic.speak(700);
		await vi.waitFor(() => expect(target.text).toBe('hello'));
		await dictation.stop();
		expect(dictation.status).toBe('idle');
		expect(mic.stopped).toBe(true);
		await vi.waitFor(() =>
			expect(dg.connections[0]).toMatchObject({ closeStream: true, closeCode: 1000 })
		);
		await vi.waitFor(() => expect(target.text).toBe('hello there'));
		expect(target.sent).toEqual([]);
	});

	it('follows the composer when it is remounted, and stops when none is left', async () => {
		const { dg, dictation, mic, target } = await setup();
		const detachFirst = dictation.attach(target);
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		const remounted = composer();
		const detachSecond = dictation.attach(remounted);
		detachFirst();
		mic.speak(800);
		mic.pause(1000);
		await vi.waitFor(() => expect(remounted.sent).toEqual(['hello there']));
		expect(target.sent).toEqual([]);
		detachSecond();
		await vi.waitFor(() => expect(dictation.status).toBe('idle'));
		await vi.waitFor(() => expect(dg.connections[0]).toMatchObject({ closeCode: 1000 }));
	});

	it('holds the auto-submit while a reply streams and sends it once the reply finishes', async () => {
		const { dictation, mic, target } = await setup();
		let replyEnded: (() => void) | null = null;
		const busy = Object.assign(target, {
			busy: true,
			whenReady(callback: () => void) {
				replyEnded = callback;
			},
			submit() {
				if (busy.busy) return; // the composer refuses while a reply streams
				busy.sent.push(busy.text);
				busy.text = '';
			}
		});
		await dictation.start(busy);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		mic.speak(800);
		mic.pause(1500);
		await vi.waitFor(() => expect(dictation.held).toBe(true));
		expect(busy.text).toBe('hello there');
		expect(busy.sent).toEqual([]);

		busy.busy = false;
		replyEnded!();
		expect(busy.sent).toEqual(['hello there']);
		expect(busy.text).toBe('');
		expect(dictation.held).toBe(false);
		mic.pause(1000);
		await new Promise((resolve) => setTimeout(resolve, 400));
		expect(busy.sent).toEqual(['hello there']);
	});

	it('sends nothing held when the person edits the draft before the reply finishes', async () => {
		const { dictation, mic, target } = await setup();
		let replyEnded: (() => void) | null = null;
		Object.assign(target, {
			busy: true,
			whenReady: (callback: () => void) => (replyEnded = callback)
		});
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		mic.speak(800);
		mic.pause(1500);
		await vi.waitFor(() => expect(dictation.held).toBe(true));
		target.text = 'hello there, and something typed';
		Object.assign(target, { busy: false });
		replyEnded!();
		expect(target.sent).toEqual([]);
		expect(target.text).toBe('hello there, and something typed');
		expect(dictation.held).toBe(false);
	});

	it('reconnects with a fresh token when the socket drops', async () => {
		const dg = await startDeepgramStandin({ idleTimeoutMs: 200, utterances: ['still here'] });
		const { dictation, mic, target } = await setup({}, dg);
		await dictation.start(target);
		await vi.waitFor(() => expect(dg.connections.length).toBeGreaterThanOrEqual(2));
		expect(dg.connections[0].closeCode).toBe(1011);
		expect(dg.grants).toBeGreaterThanOrEqual(2);
		await vi.waitFor(() => expect(dictation.status).toBe('listening'));
		mic.speak(500);
		mic.pause(1000);
		await vi.waitFor(() => expect(target.sent).toEqual(['still here']));
	});
});

describe('dictation errors, in plain words', () => {
	it('explains a blocked microphone and opens nothing', async () => {
		const { dg, speechSettings, target } = await setup();
		vi.stubGlobal('navigator', {
			mediaDevices: {
				getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))
			}
		});
		onDispose(() => vi.unstubAllGlobals());
		const dictation = new Dictation(speechSettings, {
			fetchToken: () => Promise.reject(new Error('no token expected')),
			openSocket: () => {
				throw new Error('no socket expected');
			},
			openMicrophone,
			timers: realTimers
		});
		await dictation.start(target);
		expect(dictation.status).toBe('error');
		expect(dictation.active).toBe(false);
		expect(dictation.error).toBe(
			'Microphone access is blocked. Allow the microphone for this site (the icon in the address bar), then press Dictate again.'
		);
		expect(dg.grants).toBe(0);
	});

	it('says the speech service could not be reached when the socket never opens', async () => {
		const { dg, speechSettings, target } = await setup();
		const dictation = new Dictation(speechSettings, {
			fetchToken: async () => ({
				access_token: 'not-a-token',
				expires_in: 30,
				url: dg.url.replace('http', 'ws')
			}),
			openSocket: (url, protocols) =>
				new WebSocket(url, protocols) as unknown as globalThis.WebSocket,
			openMicrophone: fakeMicrophone().open,
			timers: realTimers
		});
		onDispose(() => dictation.reset());
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('error'));
		expect(dictation.error).toBe(
			'Could not connect to the speech service (Deepgram). Check the network connection and press Dictate to try again.'
		);
	});

	it('gives up after a few reconnects and says the connection was lost', async () => {
		const dg = await startDeepgramStandin({ idleTimeoutMs: 100 });
		const { dictation, target } = await setup({}, dg);
		await dictation.start(target);
		await vi.waitFor(() => expect(dictation.status).toBe('error'), { timeout: 10_000 });
		expect(dg.connections).toHaveLength(4);
		expect(dictation.error).toMatch(
			/^The connection to the speech service was lost \(.+\)\. Press Dictate to start again\.$/
		);
	});
});

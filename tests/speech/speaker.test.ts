import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { defaultVoiceSettings, type VoiceSettings } from '$lib/api';
import { realTimers } from '$lib/state/speech/auto-submit';
import { AudioDeviceError, type Player } from '$lib/state/voice/player';
import { Speaker, type SpeakerDeps } from '$lib/state/voice/speaker.svelte';
import { startDeepgramStandin, type DeepgramStandin } from '../support/deepgram-standin';
import { disposeAll, onDispose } from '../support/factories';

/** A speaker that only counts: `finishPlaying()` is the moment the last scheduled audio ends. */
function fakePlayer() {
	const player = {
		frames: [] as ArrayBuffer[],
		stops: 0,
		idle: true,
		onIdle: null as (() => void) | null,
		onStart: null as (() => void) | null,
		play(frame: ArrayBuffer) {
			const starting = player.idle;
			player.frames.push(frame);
			player.idle = false;
			if (starting) player.onStart?.();
		},
		stop() {
			player.stops += 1;
			player.idle = true;
		},
		close() {},
		finishPlaying() {
			player.idle = true;
			player.onIdle?.();
		}
	};
	return player;
}

async function setup(options: { token?: string; player?: () => Player } = {}) {
	const dg = await startDeepgramStandin({ speakMsPerChar: 10 });
	onDispose(() => dg.close());
	const player = fakePlayer();
	const marks: string[] = [];
	const deps: SpeakerDeps = {
		fetchToken: async () => {
			if (options.token) return { access_token: options.token, expires_in: 60, url: wsUrl(dg) };
			const response = await fetch(`${dg.url}/v1/auth/grant`, {
				method: 'POST',
				headers: { authorization: `Token ${dg.apiKey}` }
			});
			const grant = (await response.json()) as { access_token: string; expires_in: number };
			return { ...grant, url: wsUrl(dg) };
		},
		openSocket: (url, protocols) => {
			const socket = new WebSocket(url, protocols);
			onDispose(() => socket.terminate());
			return socket as unknown as globalThis.WebSocket;
		},
		openPlayer: options.player ?? (() => player),
		timers: realTimers,
		mark: (name) => marks.push(name)
	};
	const speaker = new Speaker(deps);
	onDispose(() => speaker.close());
	return { dg, speaker, player, marks };
}

const played = (player: { frames: ArrayBuffer[] }) =>
	player.frames.reduce((sum, frame) => sum + frame.byteLength, 0);
const wsUrl = (dg: DeepgramStandin) => `ws://127.0.0.1:${dg.port}`;
const settings: VoiceSettings = { ...defaultVoiceSettings };
const types = (dg: DeepgramStandin, index = 0) => dg.speak[index]?.received.map((m) => m.type);

function events() {
	const seen: string[] = [];
	return {
		seen,
		reading: (key: string) => ({
			key,
			onStart: () => seen.push(`start ${key}`),
			onDone: () => seen.push(`done ${key}`),
			onStopped: () => seen.push(`stopped ${key}`),
			onError: (message: string) => seen.push(`error ${message}`)
		})
	};
}

afterEach(disposeAll);

describe('speaker (Deepgram speak socket)', () => {
	it('speaks each sentence, flushes once, and is done after Flushed and the playback', async () => {
		const { dg, speaker, player, marks } = await setup();
		const { seen, reading } = events();
		speaker.begin(settings, reading('reply-1'));
		speaker.say('The first sentence.');
		speaker.say('The second one.');
		speaker.finish();
		expect(speaker.reading).toBe('reply-1');

		await expect.poll(() => dg.speak[0]?.sent.some((m) => m.type === 'Flushed')).toBe(true);
		expect(types(dg)).toEqual(['Speak', 'Speak', 'Flush']);
		expect(dg.speak[0]).toMatchObject({
			protocol: 'bearer',
			query: { model: 'aura-2-thalia-en', encoding: 'linear16', sample_rate: '24000' }
		});
		await expect.poll(() => speaker.allAudioReceived).toBe(true);
		expect(played(player)).toBe(dg.speak[0].audioBytes);
		expect(seen).toEqual(['start reply-1']);
		expect(marks).toEqual(['voice:first-audio']);

		// Flushed came, but audio still plays: done only once it has.
		expect(speaker.reading).toBe('reply-1');
		player.finishPlaying();
		expect(seen).toEqual(['start reply-1', 'done reply-1']);
		expect(speaker.reading).toBeNull();
	});

	it('keeps one socket (one token) across readings', async () => {
		const { dg, speaker, player } = await setup();
		const { seen, reading } = events();
		for (const key of ['a', 'b']) {
			speaker.begin(settings, reading(key));
			speaker.say(`Reply ${key}.`);
			speaker.finish();
			await expect.poll(() => speaker.playing).toBe(true);
			await expect.poll(() => speaker.allAudioReceived).toBe(true);
			player.finishPlaying();
		}
		expect(seen).toEqual(['start a', 'done a', 'start b', 'done b']);
		expect(dg.speak).toHaveLength(1);
		expect(dg.grants).toBe(1);
	});

	it('stop sends Clear, silences the player at once and drops the audio still coming', async () => {
		const { dg, speaker, player } = await setup();
		const { seen, reading } = events();
		speaker.begin(settings, reading('long'));
		speaker.say('A long reply that takes a while to say. '.repeat(40));
		await expect.poll(() => player.frames.length).toBeGreaterThan(0);
		speaker.stop();
		expect(player.stops).toBe(1);
		expect(speaker.reading).toBeNull();
		expect(seen).toEqual(['start long', 'stopped long']);
		const framesAtStop = player.frames.length;
		await expect.poll(() => dg.speak[0].sent.some((m) => m.type === 'Cleared')).toBe(true);
		expect(types(dg)).toEqual(['Speak', 'Clear']);
		expect(player.frames.length).toBe(framesAtStop);

		// The socket speaks the next reading.
		speaker.begin(settings, reading('next'));
		speaker.say('Next.');
		speaker.finish();
		await expect.poll(() => dg.speak[0].sent.some((m) => m.type === 'Flushed')).toBe(true);
		await expect.poll(() => player.frames.length).toBeGreaterThan(framesAtStop);
		// The playback ends (again and again, until all of the new reading has come and played).
		await expect
			.poll(() => {
				player.finishPlaying();
				return seen.slice(2);
			})
			.toEqual(['start next', 'done next']);
	});

	it('a refused token fails the reading with a message instead of hanging', async () => {
		const { speaker } = await setup({ token: 'eyJhbGciOi.eyJqdGkiOi.c2ln' });
		const { seen, reading } = events();
		speaker.begin(settings, reading('x'));
		speaker.say('Hello.');
		speaker.finish();
		await expect.poll(() => speaker.error).toMatch(/Could not connect to the speech service/);
		expect(seen).toEqual([expect.stringMatching(/^error Could not connect/)]);
		expect(speaker.reading).toBeNull();
	});

	it('an audio output that cannot start fails with its message', async () => {
		const { speaker, dg } = await setup({
			player: () => {
				throw new AudioDeviceError('The speaker could not be started (no device).');
			}
		});
		expect(await speaker.warm(settings)).toBe(false);
		expect(speaker.error).toBe('The speaker could not be started (no device).');
		expect(dg.speak).toHaveLength(0);
	});

	it('close sends Close and the socket ends with 1000', async () => {
		const { dg, speaker } = await setup();
		expect(await speaker.warm(settings)).toBe(true);
		speaker.close();
		await expect.poll(() => dg.speak[0].closeCode).toBe(1000);
		expect(types(dg)).toEqual(['Close']);
	});
});

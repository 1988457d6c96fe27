import { expect, type Page } from '@playwright/test';
import { findChromium } from '../tests/support/chromium';
import { e2ePorts } from '../tests/support/ports';
import { speechFixture } from '../tests/support/speech-recordings';

/**
 * Helpers of the voice e2e specs. Voice mode end to end: Chromium's fake microphone plays a committed espeak-ng recording into the
 * real capture, the Deepgram stand-in turns it into scripted words (listen socket) and speaks
 * what the app sends it (speak socket: Speak → linear16 audio, Flush → Flushed, Clear →
 * Cleared), and the OpenRouter stand-in answers the auto-submitted question at a chosen pace.
 * The stand-in records every speak socket, which is how the test sees what was read and when.
 */

const standin = `http://127.0.0.1:${e2ePorts.deepgram}`;
export const voiceButton = (page: Page) => page.getByRole('button', { name: 'Voice mode' });
export const voiceStatus = (page: Page) => page.locator('#voice-status');
export const dictationStatus = (page: Page) => page.locator('#dictation-status');
export const replies = (page: Page) => page.getByRole('article', { name: 'Assistant reply' });
export const yourMessages = (page: Page) => page.getByLabel('Your message');

export const chromium = (wav: string) => ({
	launchOptions: {
		executablePath: findChromium(),
		args: [
			'--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream',
			'--autoplay-policy=no-user-gesture-required',
			// %noloop: play the recording once, then silence.
			`--use-file-for-fake-audio-capture=${speechFixture(wav)}%noloop`
		]
	}
});

export interface SpeakRecord {
	received: Array<{ type: string; text?: string; at: number }>;
	sent: Array<{ type: string }>;
	audioBytes: number;
	closeCode?: number;
}

export async function standinState(page: Page) {
	const response = await page.request.get(`${standin}/__standin/connections`);
	return (await response.json()) as {
		connections: Array<{ closeStream: boolean; closeCode?: number }>;
		speak: SpeakRecord[];
	};
}

/** The script of the listen stand-in, and settings that send 300 ms after the words end. */
export async function prepare(page: Page, utterances: string[]) {
	const response = await page.request.put(`${standin}/__standin/utterances`, {
		data: { utterances }
	});
	expect(response.ok()).toBe(true);
	await page.addInitScript(() => {
		localStorage.setItem(
			'switchboard.speech-settings',
			JSON.stringify({ auto_submit_delay_ms: 300 })
		);
	});
	const before = await standinState(page);
	return {
		/** the speak sockets opened since */
		speak: async () => (await standinState(page)).speak.slice(before.speak.length),
		listen: async () => (await standinState(page)).connections.slice(before.connections.length)
	};
}

export const spoken = (records: SpeakRecord[]) =>
	records.flatMap((record) => record.received.filter((m) => m.type === 'Speak').map((m) => m.text));
export const received = (records: SpeakRecord[], type: string) =>
	records.flatMap((record) => record.received.filter((m) => m.type === type));
export const sentBack = (records: SpeakRecord[], type: string) =>
	records.flatMap((record) => record.sent.filter((m) => m.type === type));

import { expect, test, type Page } from '@playwright/test';
import { findChromium } from '../tests/support/chromium';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';
import {
	FIRST_SENTENCE as FIRST,
	SECOND_SENTENCE as SECOND,
	speechFixture
} from '../tests/support/speech-recordings';

/**
 * Dictation end to end: Chromium's fake microphone plays a committed espeak-ng recording
 * (tests/fixtures/speech, made by `npm run make:speech-wavs`) into the real
 * AudioWorklet capture, the app streams it to the Deepgram stand-in (which times the words from
 * the audio and answers with a scripted transcript), and the OpenRouter stand-in echoes what was
 * auto-submitted. Every capture plays the same recording from its start: two sentences with a
 * 1.8 s pause, which is longer or shorter than the auto-submit wait depending on the settings.
 */

const wav = speechFixture('two-sentences.wav');

test.use({
	launchOptions: {
		executablePath: findChromium(),
		args: [
			'--use-fake-device-for-media-stream',
			'--use-fake-ui-for-media-stream',
			// %noloop: play the recording once, then silence.
			`--use-file-for-fake-audio-capture=${wav}%noloop`
		]
	}
});

const standin = `http://127.0.0.1:${e2ePorts.deepgram}`;
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const mic = (page: Page) => page.getByRole('button', { name: 'Dictate' });
const dictationStatus = (page: Page) => page.locator('#dictation-status');
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();
const yourMessages = (page: Page) => page.getByLabel('Your message');

async function prepare(page: Page, autoSubmitDelayMs: number) {
	const response = await page.request.put(`${standin}/__standin/utterances`, {
		data: { utterances: [FIRST, SECOND] }
	});
	expect(response.ok()).toBe(true);
	await page.addInitScript((delay) => {
		localStorage.setItem(
			'switchboard.speech-settings',
			JSON.stringify({ auto_submit_delay_ms: delay })
		);
	}, autoSubmitDelayMs);
}

async function lastConnection(page: Page) {
	const response = await page.request.get(`${standin}/__standin/connections`);
	const { connections } = await response.json();
	return connections.at(-1);
}

test('spoken words appear, send themselves after the delay, and the reply streams', async ({
	page
}) => {
	await prepare(page, 1000);
	await open(page, '/');
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'false');
	await mic(page).click();
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'true');
	await expect(dictationStatus(page)).toHaveText('Listening…');

	// Interim words first, then the whole sentence, then the visible countdown.
	await expect(composer(page)).toHaveValue(/^Remind/);
	await expect(composer(page)).toHaveValue(FIRST);
	await expect(dictationStatus(page)).toHaveText(/Sending in \d\.\d s/);

	await expect(yourMessages(page)).toHaveText([FIRST]);
	await expect(lastReply(page)).toContainText(`Echo: ${FIRST}`);
	await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);

	// Still dictating on the conversation page; the next sentence starts from an empty composer.
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'true');
	await expect(composer(page)).toHaveValue(/^and also/);
	await expect(yourMessages(page)).toHaveText([FIRST, SECOND]);
	await expect(lastReply(page)).toContainText(`Echo: ${SECOND}`);
	await expect(composer(page)).toHaveValue('');

	// The shortcut stops dictation, and the stream is closed cleanly.
	await page.keyboard.press('Control+Shift+D');
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'false');
	await expect
		.poll(() => lastConnection(page))
		.toMatchObject({ protocol: 'bearer', closeStream: true, closeCode: 1000 });
	await expect(yourMessages(page)).toHaveCount(2);
});

test('speaking again during the delay cancels the submit; the whole message is sent once', async ({
	page
}) => {
	await prepare(page, 3000);
	await open(page, '/');
	await mic(page).click();

	await expect(composer(page)).toHaveValue(FIRST);
	await expect(dictationStatus(page)).toHaveText(/Sending in \d\.\d s/);
	await expect(dictationStatus(page)).toHaveText('Still listening: sending cancelled');
	await expect(yourMessages(page)).toHaveCount(0);

	await expect(composer(page)).toHaveValue(`${FIRST} ${SECOND}`);
	await expect(dictationStatus(page)).toHaveText(/Sending in \d\.\d s/);
	await expect(yourMessages(page)).toHaveText([`${FIRST} ${SECOND}`]);
	await expect(lastReply(page)).toContainText(`Echo: ${FIRST} ${SECOND}`);
	await expect(composer(page)).toHaveValue('');
	await mic(page).click();
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'false');
	await expect(yourMessages(page)).toHaveCount(1);
});

test('bad speech settings are shown next to their field and no connection is opened', async ({
	page
}) => {
	await open(page, '/settings');
	const endpointing = page.getByLabel('Endpointing (ms)');
	await endpointing.fill('5');
	await expect(endpointing).toHaveAttribute('aria-invalid', 'true');
	await expect(endpointing).toHaveAccessibleDescription(/Use 0 \(off\) or at least 10 ms\./);
	await page.getByLabel('Language').fill('de');

	// Remembered by this browser.
	await reload(page);
	await expect(page.getByLabel('Language')).toHaveValue('de');
	await expect(endpointing).toHaveValue('5');

	const before = await (await page.request.get(`${standin}/__standin/connections`)).json();
	await open(page, '/');
	await mic(page).click();
	const alert = page.getByRole('alert');
	await expect(alert).toContainText('Check the speech settings first: endpointing');
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'false');
	const after = await (await page.request.get(`${standin}/__standin/connections`)).json();
	expect(after.connections).toHaveLength(before.connections.length);
	expect(after.grants).toBe(before.grants);

	await alert.getByRole('link', { name: 'Open speech settings' }).click();
	await expect(page).toHaveURL(/\/settings#speech$/);
	await page.getByLabel('Endpointing (ms)').fill('300');
	await expect(page.getByLabel('Endpointing (ms)')).toHaveAttribute('aria-invalid', 'false');
});

test('words dictated while a reply streams wait for it, then go as one message', async ({
	page
}) => {
	await prepare(page, 500);
	await open(page, '/');
	await composer(page).fill('[[slow]] tell me a long story');
	await composer(page).press('Enter');
	const stop = page.getByRole('button', { name: 'Stop' });
	await expect(stop).toBeVisible();
	await mic(page).click();

	// The first sentence's auto-submit comes while the reply streams: it is held, not lost.
	await expect(composer(page)).toHaveValue(FIRST);
	await expect(dictationStatus(page)).toHaveText(
		'Sends when the reply finishes (keep talking to add more)'
	);
	await expect(composer(page)).toHaveValue(`${FIRST} ${SECOND}`);
	await expect(dictationStatus(page)).toHaveText(/^Sends when the reply finishes/);
	await expect(yourMessages(page)).toHaveCount(1);

	await stop.click();
	await expect(yourMessages(page)).toHaveText([
		'[[slow]] tell me a long story',
		`${FIRST} ${SECOND}`
	]);
	await expect(lastReply(page)).toContainText(`Echo: ${FIRST} ${SECOND}`);
	await expect(composer(page)).toHaveValue('');
	await expect(dictationStatus(page)).toHaveText('Listening…');
	await mic(page).click();
	await expect(mic(page)).toHaveAttribute('aria-pressed', 'false');
	await expect(yourMessages(page)).toHaveCount(2);
});

import { expect, test } from '@playwright/test';
import { open } from './support';
import {
	FIRST_SENTENCE as FIRST,
	SECOND_SENTENCE as SECOND
} from '../tests/support/speech-recordings';
import {
	chromium,
	dictationStatus,
	prepare,
	received,
	replies,
	sentBack,
	spoken,
	voiceButton,
	voiceStatus,
	yourMessages
} from './voice-support';

test.use(chromium('two-sentences.wav'));

test('speaking over the answer clears its playback; the words are the next message once it has streamed', async ({
	page
}) => {
	const question = `[[sentences:20]] [[pace:40]] ${FIRST}`;
	const standin = await prepare(page, [question, SECOND]);
	await open(page, '/');
	await page.keyboard.press('Control+Shift+V');
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'true');

	await expect(yourMessages(page)).toHaveText([question]);
	await expect(voiceStatus(page)).toHaveText('Voice mode: speaking');

	// The second sentence, spoken during playback: Clear, and back to listening while the
	// interrupted reply keeps streaming on screen.
	await expect.poll(async () => received(await standin.speak(), 'Clear')).toHaveLength(1);
	await expect.poll(async () => sentBack(await standin.speak(), 'Cleared')).toHaveLength(1);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');
	const first = replies(page).first();
	await expect(first).toHaveAttribute('aria-busy', 'true');
	await expect(dictationStatus(page)).toHaveText(/^Sends when the reply finishes/);
	await expect(yourMessages(page)).toHaveCount(1);

	// The reply is saved whole, though no more of it was read; then the words go.
	await expect(first).toContainText('Sentence 20 of 20 is here.');
	await expect(yourMessages(page)).toHaveText([question, SECOND]);
	await expect(replies(page).last()).toContainText(`Echo: ${SECOND}`);
	const texts = spoken(await standin.speak());
	expect(texts).not.toContain('Sentence 20 of 20 is here.');
	await expect.poll(async () => spoken(await standin.speak())).toContain(`Echo: ${SECOND}.`);
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(1);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');

	await voiceButton(page).click();
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'false');
	await expect(yourMessages(page)).toHaveCount(2);
});

import { expect, test } from '@playwright/test';
import { open } from './support';
import {
	FIRST_SENTENCE as FIRST,
	SECOND_SENTENCE as SECOND
} from '../tests/support/speech-recordings';
import {
	chromium,
	prepare,
	received,
	replies,
	sentBack,
	spoken,
	voiceButton,
	voiceStatus,
	yourMessages
} from './voice-support';

test.use(chromium('two-questions.wav'));

test('the answer is read while it streams, then the mic listens for the next question', async ({
	page
}) => {
	const question = `[[sentences:4]] [[pace:150]] ${FIRST}`;
	const standin = await prepare(page, [question, SECOND]);
	await open(page, '/');
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'false');
	await voiceButton(page).click();
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'true');
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');

	// The question sends itself; the answer's first sentence reaches the speak socket while the
	// reply is still streaming (its last sentence not yet on screen).
	await expect(yourMessages(page)).toHaveText([question]);
	await expect
		.poll(async () => spoken(await standin.speak()), { intervals: [50] })
		.toContain('Sentence 1 of 4 is here.');
	expect(await replies(page).last().textContent()).not.toContain('Sentence 4 of 4');
	await expect(replies(page).last()).toHaveAttribute('aria-busy', 'true');
	await expect(voiceStatus(page)).toHaveText('Voice mode: speaking');

	// All of it is read, one Flush for the reply; after Flushed and the playback, it listens.
	await expect(replies(page).last()).toContainText('Sentence 4 of 4 is here.');
	await expect
		.poll(async () => spoken(await standin.speak()))
		.toEqual([1, 2, 3, 4].map((n) => `Sentence ${n} of 4 is here.`));
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(1);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');
	expect(received(await standin.speak(), 'Flush')).toHaveLength(1);

	// The next question, heard on the same listen socket, is sent and read the same way.
	await expect(yourMessages(page)).toHaveText([question, SECOND]);
	await expect(replies(page).last()).toContainText(`Echo: ${SECOND}`);
	await expect.poll(async () => spoken(await standin.speak())).toContain(`Echo: ${SECOND}.`);
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(2);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');
	expect(await standin.listen()).toHaveLength(1);
	expect(await standin.speak()).toHaveLength(1);

	// Esc ends voice mode and closes both sockets.
	await page.keyboard.press('Escape');
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'false');
	await expect(voiceStatus(page)).toHaveText('');
	await expect
		.poll(async () => (await standin.listen())[0])
		.toMatchObject({ closeStream: true, closeCode: 1000 });
	await expect.poll(async () => (await standin.speak())[0].closeCode).toBe(1000);
	expect(received(await standin.speak(), 'Close')).toHaveLength(1);
});

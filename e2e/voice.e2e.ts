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
	const question = `[[sentences:3]] [[pace:100]] ${FIRST}`;
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
		.toContain('Sentence 1 of 3 is here.');
	expect(await replies(page).first().textContent()).not.toContain('Sentence 3 of 3');
	await expect(voiceStatus(page)).toHaveText('Voice mode: speaking');

	// All of it is read, one Flush for the reply; after Flushed and the playback, it listens.
	await expect(replies(page).first()).toContainText('Sentence 3 of 3 is here.');
	await expect
		.poll(async () => spoken(await standin.speak()))
		.toEqual([1, 2, 3].map((n) => `Sentence ${n} of 3 is here.`));
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(1);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');

	// The next question, heard on the same listen socket, is sent and read the same way.
	await expect(yourMessages(page)).toHaveText([question, SECOND]);
	await expect(replies(page).nth(1)).toContainText(`Echo: ${SECOND}`);
	await expect.poll(async () => spoken(await standin.speak())).toContain(`Echo: ${SECOND}.`);
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(2);
	await expect(voiceStatus(page)).toHaveText('Voice mode: listening');
	// One Flush per reply, on one speak socket; one listen socket for the whole conversation.
	const [socket] = await standin.speak();
	expect(socket.received.map((message) => message.type)).toEqual([
		...['Speak', 'Speak', 'Speak', 'Flush'],
		...['Speak', 'Flush']
	]);
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

test('Read aloud reads a finished reply without its markdown or code; Esc stops it at once', async ({
	page
}) => {
	const standin = await prepare(page, [FIRST]);
	await open(page, '/');
	const composer = page.getByRole('textbox', { name: 'Message' });
	await composer.fill('[[markdown]] a plan please');
	await composer.press('Enter');
	const reply = replies(page).last();
	await expect(reply).toContainText('Done.');
	await expect(reply).toHaveAttribute('aria-busy', 'false');

	await reply.getByRole('button', { name: 'Read aloud' }).click();
	await expect
		.poll(async () => spoken(await standin.speak()))
		.toEqual(['Plan.', 'first bold item.', 'second item.', 'Code block.', 'Done.']);
	expect(received(await standin.speak(), 'Flush')).toHaveLength(1);
	// Read to its end, the button offers to read it again.
	await expect.poll(async () => sentBack(await standin.speak(), 'Flushed')).toHaveLength(1);
	await expect(reply.getByRole('button', { name: 'Read aloud' })).toBeVisible();

	// A long reply (about ten seconds of speech): Stop reading while it reads, and Esc stops it.
	await composer.fill('[[sentences:40]] [[pace:1]] a long one');
	await composer.press('Enter');
	const long = replies(page).last();
	await expect(long).toContainText('Sentence 40 of 40 is here.');
	await expect(long).toHaveAttribute('aria-busy', 'false');
	await long.getByRole('button', { name: 'Read aloud' }).click();
	await expect(long.getByRole('button', { name: 'Stop reading' })).toBeVisible();
	await page.keyboard.press('Escape');
	await expect(long.getByRole('button', { name: 'Read aloud' })).toBeVisible();
	await expect.poll(async () => received(await standin.speak(), 'Clear')).toHaveLength(1);
	// Esc stopped the reading only: the reply is still there, whole.
	await expect(long).toContainText('Sentence 40 of 40 is here.');
});

test('an invalid voice is shown in the settings, and voice mode then opens no connection', async ({
	page
}) => {
	await open(page, '/settings');
	const voice = page.getByLabel('Voice');
	await voice.fill('nova-3');
	await expect(voice).toHaveAttribute('aria-invalid', 'true');
	await expect(voice).toHaveAccessibleDescription(/An Aura voice such as aura-2-thalia-en/);
	const rate = page.getByLabel('Speaking rate');
	await rate.fill('1.2');
	await page.getByLabel('Read replies aloud').check();

	const standin = await prepare(page, [FIRST]);
	await open(page, '/');
	await voiceButton(page).click();
	const alert = page.getByRole('alert');
	await expect(alert).toContainText('Check the speech settings first: voice');
	await expect(voiceButton(page)).toHaveAttribute('aria-pressed', 'false');
	expect(await standin.speak()).toHaveLength(0);
	expect(await standin.listen()).toHaveLength(0);

	// Remembered by this browser.
	await alert.getByRole('link', { name: 'Open speech settings' }).click();
	await expect(page).toHaveURL(/\/settings#voice$/);
	await expect(page.getByLabel('Voice')).toHaveValue('nova-3');
	await expect(page.getByLabel('Speaking rate')).toHaveValue('1.2');
	await expect(page.getByLabel('Read replies aloud')).toBeChecked();
	await page.getByLabel('Voice').fill('aura-2-thalia-en');
	await expect(page.getByLabel('Voice')).toHaveAttribute('aria-invalid', 'false');
});

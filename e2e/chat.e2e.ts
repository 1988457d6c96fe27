import { expect, test, type Page } from '@playwright/test';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

async function send(page: Page, text: string) {
	await composer(page).fill(text);
	await composer(page).press('Enter');
}

test.describe('chat', () => {
	test('a reply streams in, is saved, and the conversation is in the sidebar after a reload', async ({
		page
	}) => {
		await open(page, '/');
		const unique = `streaming check ${Date.now()}`;
		const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
		await send(page, `${unique} ${words}`);

		// While streaming: the Stop button shows and the reply grows word by word.
		await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
		await expect(lastReply(page)).toContainText('w3');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
		expect(await lastReply(page).textContent()).not.toContain('w59');
		await expect(lastReply(page)).toContainText(`Echo: ${unique} w0`);
		await expect(lastReply(page)).toContainText('w59');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		await expect(lastReply(page)).toContainText(/\d+ in · \d+ out/);

		await reload(page);
		await expect(
			page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', { name: unique })
		).toBeVisible();
		await expect(lastReply(page)).toContainText(`Echo: ${unique}`);
		await expect(page.getByRole('heading', { level: 1 })).toContainText(unique);
	});

	test('a new chat taking its address as the reply starts leaves the message box as it was', async ({
		page
	}) => {
		await open(page, '/');
		await send(page, `[[pace:40]] address check ${Date.now()} ${'word '.repeat(30)}`);
		// Typing the next question while the first reply streams in: nothing is lost as the chat
		// moves to /c/{id}, not the focus, nor a letter.
		await page.keyboard.type('next ');
		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		await page.keyboard.type('question');
		await expect(composer(page)).toBeFocused();
		await expect(composer(page)).toHaveValue('next question');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
		await page.getByRole('button', { name: 'Stop' }).click();
	});

	test('search finds conversations by message text', async ({ page }) => {
		await open(page, '/');
		const word = `zebra${Date.now()}`;
		await send(page, `tell me about the ${word} please`);
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await send(page, 'something else entirely');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');

		await page.keyboard.press('Control+k');
		await expect(page.getByRole('searchbox')).toBeFocused();
		await page.keyboard.type(word);
		const list = page.getByRole('navigation', { name: 'Conversations' });
		await expect(list.getByRole('link', { name: /zebra/ })).toHaveCount(1);
		await expect(list.getByRole('link', { name: 'something else entirely' })).toHaveCount(0);
	});

	test('Stop ends the reply mid-stream and keeps what was written', async ({ page }) => {
		await open(page, '/');
		await send(page, '[[slow]] count for me');
		await expect(lastReply(page)).toContainText('word3');
		await page.getByRole('button', { name: 'Stop' }).click();
		await expect(lastReply(page)).toContainText('Stopped.');
		await expect(page.getByRole('button', { name: 'Send' })).toBeVisible();
		const shown = await lastReply(page).textContent();
		expect(shown).not.toContain('word399');

		await reload(page);
		await expect(lastReply(page)).toContainText('word3');
		await expect(lastReply(page)).toContainText('Stopped.');
	});

	test('Escape stops a streaming reply', async ({ page }) => {
		await open(page, '/');
		await send(page, '[[slow]] escape me');
		await expect(lastReply(page)).toContainText('word2');
		await page.keyboard.press('Escape');
		await expect(lastReply(page)).toContainText('Stopped.');
	});

	test('an upstream 429 shows inline with Retry', async ({ page }) => {
		await open(page, '/');
		await send(page, '[[status:429]] are you there?');
		const alert = lastReply(page).getByRole('alert');
		await expect(alert).toContainText('Rate limited by OpenRouter');
		await expect(alert).toContainText('retry after 7 s');
		await expect(alert.getByRole('button', { name: 'Retry' })).toBeVisible();

		// Retry asks the same question again (no duplicate question appears).
		await alert.getByRole('button', { name: 'Retry' }).click();
		await expect(lastReply(page).getByRole('alert')).toContainText('Rate limited');
		await expect(page.getByLabel('Your message')).toHaveCount(1);
	});

	test('an error in the middle of the stream keeps the partial reply and explains', async ({
		page
	}) => {
		await open(page, '/');
		await send(page, '[[midstream-error]] go');
		await expect(lastReply(page)).toContainText('This reply starts fine but');
		await expect(lastReply(page).getByRole('alert')).toContainText('Provider disconnected');
		// The page moves to the conversation's address once it has loaded it; a reload before
		// that would reload the new-chat page.
		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		await reload(page);
		await expect(lastReply(page)).toContainText('This reply starts fine but');
		await expect(lastReply(page).getByRole('alert')).toContainText('Provider disconnected');
	});

	test('markdown renders with highlighted code and a copy button, and injected HTML never runs', async ({
		page
	}) => {
		let dialogs = 0;
		page.on('dialog', (dialog) => {
			dialogs++;
			dialog.dismiss();
		});
		await open(page, '/');
		await send(page, '[[markdown]] show me');
		await expect(lastReply(page).getByRole('heading', { name: 'Plan' })).toBeVisible();
		await expect(lastReply(page).locator('code.language-python')).toContainText('print("hello")');
		await expect(lastReply(page).getByRole('button', { name: 'Copy code' })).toBeVisible();

		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await send(
			page,
			'x <img src=x onerror="alert(1)"> <script>alert(2)</script> [link](javascript:alert(3))'
		);
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(lastReply(page).locator('img[onerror]')).toHaveCount(0);
		await expect(lastReply(page).locator('script')).toHaveCount(0);
		await expect(lastReply(page).locator('a[href^="javascript"]')).toHaveCount(0);
		expect(dialogs).toBe(0);
	});

	test('conversations can be renamed and deleted from the sidebar', async ({ page }) => {
		await open(page, '/');
		const title = `rename me ${Date.now()}`;
		await send(page, title);
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		const list = page.getByRole('navigation', { name: 'Conversations' });

		await list.getByRole('button', { name: `Rename ${title}` }).click();
		await list.getByRole('textbox', { name: 'New title' }).fill('Renamed chat');
		await list.getByRole('textbox', { name: 'New title' }).press('Enter');
		await expect(list.getByRole('link', { name: 'Renamed chat' }).first()).toBeVisible();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Renamed chat');

		await list.getByRole('button', { name: 'Delete Renamed chat' }).first().click();
		await list.getByRole('button', { name: 'Delete', exact: true }).click();
		await expect(page).toHaveURL(/\/$/);
		await expect(
			page.getByRole('status').filter({ hasText: 'Conversation deleted' })
		).toBeVisible();
	});

	test('Ctrl+Shift+O starts a new chat; Shift+Enter adds a line instead of sending', async ({
		page
	}) => {
		await open(page, '/');
		await composer(page).fill('first line');
		await composer(page).press('Shift+Enter');
		await composer(page).pressSequentially('second line');
		await expect(composer(page)).toHaveValue('first line\nsecond line');
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText('second line');
		await expect(page).toHaveURL(/\/c\//);

		await page.keyboard.press('Control+Shift+O');
		await expect(page).toHaveURL(/\/$/);
		await expect(page.getByRole('heading', { name: 'What can I help with?' })).toBeVisible();
		await expect(composer(page)).toBeFocused();
	});

	test('Ctrl+Shift+O while a reply streams leaves it for an empty new chat', async ({ page }) => {
		await open(page, '/');
		const words = Array.from({ length: 80 }, (_, i) => `w${i}`).join(' ');
		await send(page, `[[pace:100]] left streaming ${words}`);
		await expect(page).toHaveURL(/\/c\//);
		await expect(lastReply(page)).toContainText('w2');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');

		await page.keyboard.press('Control+Shift+O');
		await expect(page).toHaveURL(/\/$/);
		await expect(page.getByRole('heading', { name: 'What can I help with?' })).toBeVisible();
		await expect(page.getByRole('article', { name: 'Assistant reply' })).toHaveCount(0);
		await expect(page.getByRole('button', { name: 'Stop' })).toHaveCount(0);
	});

	test('the theme follows the system until picked, and the pick survives a reload', async ({
		page
	}) => {
		await page.emulateMedia({ colorScheme: 'dark' });
		await open(page, '/');
		const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
		expect(await background()).toBe('rgb(17, 19, 23)');

		await page.getByRole('button', { name: /^Theme: system/ }).click();
		await expect(page.getByRole('button', { name: /^Theme: light/ })).toBeVisible();
		expect(await background()).toBe('rgb(247, 247, 248)');

		await reload(page);
		await expect(page.getByRole('button', { name: /^Theme: light/ })).toBeVisible();
		expect(await background()).toBe('rgb(247, 247, 248)');
		await page.getByRole('button', { name: /^Theme: light/ }).click();
		await expect(page.getByRole('button', { name: /^Theme: dark/ })).toBeVisible();
		expect(await background()).toBe('rgb(17, 19, 23)');
		await page.getByRole('button', { name: /^Theme: dark/ }).click();
		await expect(page.getByRole('button', { name: /^Theme: system/ })).toBeVisible();
	});

	test('phone width: the conversation list is a drawer', async ({ page }) => {
		await page.setViewportSize({ width: 390, height: 844 });
		await open(page, '/');
		const list = page.getByRole('navigation', { name: 'Conversations' });
		await expect(list).not.toBeInViewport();
		await page.getByRole('button', { name: 'Open the conversation list' }).click();
		await expect(list).toBeInViewport();
		// The scrim beside the drawer closes it, and so does Escape.
		await page
			.getByRole('button', { name: 'Close the conversation list' })
			.click({ position: { x: 370, y: 400 } });
		await expect(list).not.toBeInViewport();
		await page.getByRole('button', { name: 'Open the conversation list' }).click();
		await expect(list).toBeInViewport();
		await page.keyboard.press('Escape');
		await expect(list).not.toBeInViewport();
	});
});

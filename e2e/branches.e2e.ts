import { expect, test, type Page } from '@playwright/test';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const replies = (page: Page) => page.getByRole('article', { name: 'Assistant reply' });
const questions = (page: Page) => page.getByLabel('Your message');

async function send(page: Page, text: string) {
	await composer(page).fill(text);
	await composer(page).press('Enter');
	await expect(replies(page).last()).toHaveAttribute('aria-busy', 'false');
}

test.describe('conversation branches', () => {
	test('an edit becomes a version; Previous / Next version move between the branches', async ({
		page
	}) => {
		await open(page, '/');
		const tag = `branch ${Date.now()}`;
		await send(page, `${tag} first`);
		await send(page, `${tag} second`);

		// Ctrl+Shift+E opens the last question in its editor; Enter saves it as a new version.
		await page.keyboard.press('Control+Shift+E');
		const editor = page.getByRole('textbox', { name: 'Edit your message' });
		await expect(editor).toBeFocused();
		await editor.fill(`${tag} second, edited`);
		await editor.press('Enter');
		await expect(replies(page).last()).toContainText(`Echo: ${tag} second, edited`);
		await expect(replies(page).last()).toHaveAttribute('aria-busy', 'false');
		await expect(page.getByText('2 / 2')).toBeVisible();
		await expect(questions(page)).toHaveCount(2);

		await page.getByRole('button', { name: 'Previous version' }).click();
		await expect(page.getByText('1 / 2')).toBeVisible();
		await expect(questions(page).last()).toHaveText(`${tag} second`);
		await expect(replies(page).last()).toContainText(`Echo: ${tag} second`);
		await expect(replies(page).last()).not.toContainText('edited');

		// The version shown is the conversation's: it stays after a reload.
		await reload(page);
		await expect(page.getByText('1 / 2')).toBeVisible();
		await expect(questions(page).last()).toHaveText(`${tag} second`);

		await page.getByRole('button', { name: 'Next version' }).click();
		await expect(page.getByText('2 / 2')).toBeVisible();
		await expect(questions(page).last()).toHaveText(`${tag} second, edited`);

		// Regenerate adds a version of the reply; the edit button's editor cancels with Esc.
		await page.getByRole('button', { name: 'Regenerate reply' }).last().click();
		await expect(replies(page).last()).toHaveAttribute('aria-busy', 'false');
		await expect(page.getByText('2 / 2')).toHaveCount(2);
		await page.getByRole('button', { name: 'Edit message' }).first().click();
		await page.getByRole('textbox', { name: 'Edit your message' }).press('Escape');
		await expect(page.getByRole('textbox', { name: 'Edit your message' })).toHaveCount(0);
		await expect(questions(page)).toHaveCount(2);
	});

	test('compare two models side by side, then continue with one', async ({ page }) => {
		await open(page, '/');
		const tag = `compare ${Date.now()} [[per-model]]`;
		await send(page, tag);
		await page.getByRole('button', { name: 'Compare models' }).click();
		const dialog = page.getByRole('dialog', { name: 'Compare models' });
		await dialog.getByRole('checkbox', { name: /GPT-4o/ }).check();
		await dialog.getByRole('checkbox', { name: /Claude Sonnet 4/ }).check();
		await dialog.getByRole('button', { name: 'Compare' }).click();

		const claude = dialog.getByRole('region', { name: /Reply from .*Claude Sonnet 4/ });
		const gpt = dialog.getByRole('region', { name: /Reply from .*GPT-4o/ });
		await expect(claude).toContainText(`anthropic/claude-sonnet-4 says: ${tag}`);
		await expect(gpt).toContainText(`openai/gpt-4o says: ${tag}`);
		await expect(claude).toContainText(/\d+ in · \d+ out/);
		await expect(gpt).toContainText(/\d+ in · \d+ out/);

		await claude.getByRole('button', { name: 'Continue with this reply' }).click();
		await expect(dialog).toBeHidden();
		await expect(replies(page).last()).toContainText(`anthropic/claude-sonnet-4 says: ${tag}`);
		// The first reply and the two compared ones are versions of one another.
		await expect(page.getByText(/^\d \/ 3$/)).toBeVisible();
		await send(page, 'and then?');
		await expect(questions(page)).toHaveCount(2);
		await expect(replies(page).nth(0)).toContainText('anthropic/claude-sonnet-4 says');
	});
});

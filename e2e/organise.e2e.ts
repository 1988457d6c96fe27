import { expect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { appEnv } from '../playwright.config';
import { ChatRepository } from '../src/lib/server/chat/repository';
import { openDatabase } from '../src/lib/server/db/client';
import { open, reload } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();
const sidebar = (page: Page) => page.getByRole('navigation', { name: 'Conversations' });
const picker = (page: Page) => page.getByRole('button', { name: /^Model:/ });

async function chat(page: Page, text: string) {
	await open(page, '/');
	await composer(page).fill(text);
	await composer(page).press('Enter');
	await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
	await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
}

async function newProject(page: Page, name: string, systemPrompt = '') {
	await sidebar(page).getByRole('button', { name: 'New project' }).click();
	const dialog = page.getByRole('dialog', { name: 'New project' });
	await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
	if (systemPrompt) await dialog.getByRole('textbox', { name: /System prompt/ }).fill(systemPrompt);
	await dialog.getByRole('button', { name: 'Create project' }).click();
	await expect(dialog).toBeHidden();
	return sidebar(page).getByRole('region', { name });
}

test.describe('organising chats', () => {
	test('a chat moves into a project from its menu and by drag and drop', async ({ page }) => {
		const stamp = Date.now();
		await chat(page, `first chat ${stamp}`);
		await chat(page, `second chat ${stamp}`);
		const section = await newProject(page, `Research ${stamp}`);
		await expect(section.getByText('No chats yet')).toBeVisible();

		// By the menu (the keyboard way).
		await sidebar(page)
			.getByRole('button', { name: `More actions for first chat ${stamp}` })
			.click();
		await page.getByRole('menuitem', { name: 'Move to project' }).click();
		const move = page.getByRole('dialog', { name: 'Move to project' });
		await move.getByRole('button', { name: `Research ${stamp}` }).click();
		await expect(section.getByRole('link', { name: `first chat ${stamp}` })).toBeVisible();

		// By drag and drop onto the project's section.
		await sidebar(page)
			.getByRole('link', { name: `second chat ${stamp}` })
			.dragTo(section.getByRole('heading', { name: `Research ${stamp}` }));
		await expect(section.getByRole('link', { name: `second chat ${stamp}` })).toBeVisible();

		// Both stay there after a reload, the section folds, and "No project" moves one out.
		await reload(page);
		await expect(section.getByRole('link', { name: /chat \d+/ })).toHaveCount(2);
		await section.getByRole('button', { name: `Research ${stamp}`, exact: true }).click();
		await expect(section.getByRole('link')).toHaveCount(1); // only "New chat in …"
		await section.getByRole('button', { name: `Research ${stamp}`, exact: true }).click();
		await sidebar(page)
			.getByRole('button', { name: `More actions for first chat ${stamp}` })
			.click();
		await page.getByRole('menuitem', { name: 'Move to project' }).click();
		await move.getByRole('button', { name: 'No project' }).click();
		await expect(section.getByRole('link', { name: `first chat ${stamp}` })).toHaveCount(0);
		await expect(
			sidebar(page)
				.getByRole('group', { name: 'Chats outside projects' })
				.getByRole('link', { name: `first chat ${stamp}` })
		).toBeVisible();

		// Deleting the project keeps its chats: they move out of it.
		await section.getByRole('button', { name: `Delete project Research ${stamp}` }).click();
		const confirm = page.getByRole('dialog', { name: `Delete project “Research ${stamp}”?` });
		await expect(confirm).toContainText('they move out of the project');
		await confirm.getByRole('button', { name: 'Delete project' }).click();
		await expect(sidebar(page).getByRole('region', { name: `Research ${stamp}` })).toHaveCount(0);
		await expect(
			sidebar(page)
				.getByRole('group', { name: 'Chats outside projects' })
				.getByRole('link', { name: `second chat ${stamp}` })
		).toBeVisible();
	});

	test('a new chat started in a project belongs to it', async ({ page }) => {
		const stamp = Date.now();
		await open(page, '/');
		const section = await newProject(page, `Prompted ${stamp}`, 'Answer like a pirate.');
		await section.getByRole('link', { name: `New chat in Prompted ${stamp}` }).click();
		await expect(page.getByText(`Prompted ${stamp}`, { exact: true }).first()).toBeVisible();
		await composer(page).fill(`inside ${stamp}`);
		await composer(page).press('Enter');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(section.getByRole('link', { name: `inside ${stamp}` })).toBeVisible();
		await reload(page);
		await expect(section.getByRole('link', { name: `inside ${stamp}` })).toBeVisible();
	});

	test('a pinned chat stays at the top until unpinned', async ({ page }) => {
		const stamp = Date.now();
		await chat(page, `pin me ${stamp}`);
		await chat(page, `newer ${stamp}`);
		await sidebar(page)
			.getByRole('button', { name: `More actions for pin me ${stamp}` })
			.click();
		await page.getByRole('menuitem', { name: 'Pin' }).click();
		const pinned = sidebar(page).getByRole('region', { name: 'Pinned' });
		await expect(pinned.getByRole('link', { name: `pin me ${stamp}` })).toBeVisible();
		await reload(page);
		await expect(pinned.getByRole('link', { name: `pin me ${stamp}` })).toBeVisible();
		await sidebar(page)
			.getByRole('button', { name: `More actions for pin me ${stamp}` })
			.click();
		await page.getByRole('menuitem', { name: 'Unpin' }).click();
		await expect(sidebar(page).getByRole('region', { name: 'Pinned' })).toHaveCount(0);
	});

	test('a temporary chat is never listed and says so while open', async ({ page }) => {
		const stamp = Date.now();
		await open(page, '/');
		const toggle = page.getByRole('button', { name: 'Temporary chat' });
		await toggle.click();
		await expect(toggle).toHaveAttribute('aria-pressed', 'true');
		await composer(page).fill(`secret ${stamp}`);
		await composer(page).press('Enter');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(page).toHaveURL(/\/c\/[0-9a-f-]{36}$/);
		await expect(page.getByRole('status').filter({ hasText: 'Temporary chat' })).toBeVisible();
		await expect(sidebar(page).getByRole('link', { name: `secret ${stamp}` })).toHaveCount(0);
		await reload(page);
		await expect(page.getByRole('status').filter({ hasText: 'Temporary chat' })).toBeVisible();
		await expect(lastReply(page)).toContainText(`secret ${stamp}`);
		await expect(sidebar(page).getByRole('link', { name: `secret ${stamp}` })).toHaveCount(0);
		await page.keyboard.press('Control+k');
		await page.keyboard.type(`secret ${stamp}`);
		await expect(sidebar(page).getByText(`Nothing matches`)).toBeVisible();

		// A new chat starts as an ordinary one again.
		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await expect(page.getByRole('button', { name: 'Temporary chat' })).toHaveAttribute(
			'aria-pressed',
			'false'
		);
	});

	test('"Use only in this chat" keeps the chat on its model when the active one changes', async ({
		page
	}) => {
		const stamp = Date.now();
		await chat(page, `own model ${stamp}`);
		await expect(page.getByText('Active model', { exact: true })).toBeVisible();
		const onlyHere = page.getByRole('button', { name: 'Use only in this chat' });
		await onlyHere.click();
		await expect(onlyHere).toHaveAttribute('aria-pressed', 'true');
		await expect(page.getByText('Chat model', { exact: true })).toBeVisible();
		const own = await picker(page).getAttribute('title');
		const chatUrl = page.url();

		// The active model changes on a new chat; this chat keeps its own.
		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await picker(page).click();
		await page.getByRole('combobox', { name: 'Search models' }).fill('llama');
		await page.getByRole('option', { name: /Meta: Llama 3.3 70B Instruct/ }).click();
		await expect(picker(page)).toHaveAccessibleName(/Llama/);
		await open(page, chatUrl);
		await expect(page.getByRole('button', { name: 'Use only in this chat' })).toHaveAttribute(
			'aria-pressed',
			'true'
		);
		await expect(picker(page)).toHaveAttribute('title', own!);
		await composer(page).fill(`again ${stamp}`);
		await composer(page).press('Enter');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(lastReply(page)).toContainText(own!);

		// Following again, it is on the active model.
		await page.getByRole('button', { name: 'Use only in this chat' }).click();
		await expect(page.getByText('Active model', { exact: true })).toBeVisible();
		await expect(picker(page)).toHaveAccessibleName(/Llama/);
		// The active model as it was, for the other specs.
		await page.request.put('/api/settings/model', {
			data: { model_id: own },
			headers: { origin: new URL(page.url()).origin }
		});
	});
});

test.describe('search and shortcuts', () => {
	function seedLongChat(word: string): { sessionId: string; messageId: number } {
		const db = openDatabase(appEnv.DATA_DIR);
		try {
			const repo = new ChatRepository(db);
			const sessionId = randomUUID();
			let clock = Date.now() - 1_000_000;
			const at = () => new Date((clock += 1_000)).toISOString();
			let messageId = 0;
			db.$client.transaction(() => {
				repo.createConversation(sessionId, `Long search ${word}`, at());
				for (let turn = 1; turn <= 120; turn++) {
					repo.addMessage({
						sessionId,
						role: 'user',
						content: `Question ${turn}?`,
						createdAt: at()
					});
					const row = repo.addMessage({
						sessionId,
						role: 'assistant',
						content:
							turn === 7
								? `Turn 7: the ${word} is here.`
								: `Answer ${turn}. ${'Some filler text. '.repeat(12)}`,
						modelId: 'openai/gpt-4o',
						finishReason: 'stop',
						createdAt: at()
					});
					if (turn === 7) messageId = row.id;
				}
			})();
			return { sessionId, messageId };
		} finally {
			db.$client.close();
		}
	}

	test('a search hit in message text opens the chat at that message', async ({ page }) => {
		const word = `quokka${Date.now()}`;
		const { sessionId, messageId } = seedLongChat(word);
		await open(page, '/');
		await page.keyboard.press('Control+k');
		await page.keyboard.type(word);
		const hit = sidebar(page).getByRole('link', { name: `Long search ${word}` });
		await expect(hit).toHaveAttribute('href', `/c/${sessionId}?m=${messageId}`);
		await hit.click();
		const found = page.locator(`[data-key="m${messageId}"]`);
		await expect(found).toHaveAttribute('data-highlighted', 'true');
		await expect(found).toContainText(`the ${word} is here`);
		await expect(found).toBeInViewport();
	});

	test('Ctrl+/ lists the shortcuts; Ctrl+Shift+Backspace deletes the open chat after asking', async ({
		page
	}) => {
		const stamp = Date.now();
		await chat(page, `delete me ${stamp}`);
		await page.keyboard.press('Control+/');
		const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
		await expect(dialog).toBeVisible();
		for (const what of [
			'New chat',
			'Search conversations',
			'Delete the open chat (asks first)',
			'Edit your last message',
			'Start or stop dictation',
			'Send'
		])
			await expect(dialog.getByRole('cell', { name: what, exact: true })).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(dialog).toBeHidden();
		await sidebar(page).getByRole('button', { name: 'Keyboard shortcuts' }).click();
		await expect(dialog).toBeVisible();
		await dialog.getByRole('button', { name: 'Close' }).click();

		await composer(page).focus();
		await page.keyboard.press('Control+Shift+Backspace');
		const confirm = page.getByRole('dialog', { name: 'Delete this chat?' });
		await expect(confirm).toContainText(`delete me ${stamp}`);
		await confirm.getByRole('button', { name: 'Cancel' }).click();
		await expect(sidebar(page).getByRole('link', { name: `delete me ${stamp}` })).toBeVisible();
		await page.keyboard.press('Control+Shift+Backspace');
		await confirm.getByRole('button', { name: 'Delete' }).click();
		await expect(page).toHaveURL(/\/$/);
		await expect(sidebar(page).getByRole('link', { name: `delete me ${stamp}` })).toHaveCount(0);
	});
});

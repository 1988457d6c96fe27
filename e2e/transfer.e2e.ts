import { expect, test, type Download, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { open } from './support';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

async function text(download: Download): Promise<string> {
	return readFileSync(await download.path(), 'utf8');
}

/** Opens the chat's menu in the sidebar and downloads its export in `format`. */
async function exportFromMenu(page: Page, title: string, format: 'Markdown' | 'JSON') {
	const chat = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: title }) });
	await chat.hover();
	await page.getByRole('button', { name: `More actions for ${title}` }).click();
	await page.getByRole('menuitem', { name: 'Export' }).click();
	const downloaded = page.waitForEvent('download');
	await page.getByRole('menuitem', { name: format, exact: true }).click();
	return downloaded;
}

test.describe('export and import of conversations', () => {
	test('the chat menu downloads the conversation as Markdown and as JSON', async ({ page }) => {
		await open(page, '/');
		const question = `Export me ${Date.now()}`;
		await composer(page).fill(question);
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText(`Echo: ${question}`);
		const link = page.getByRole('navigation', { name: 'Conversations' }).getByRole('link', {
			name: question
		});
		await expect(link).toBeVisible();
		const title = (await link.textContent())!.trim();

		const markdown = await exportFromMenu(page, title, 'Markdown');
		expect(markdown.suggestedFilename()).toBe(`${title}.md`);
		const body = await text(markdown);
		expect(body).toContain(`# ${title}`);
		expect(body).toMatch(
			new RegExp(`## User\\n\\n${question}\\n\\n## Assistant · [^\\n]+\\n\\nEcho: ${question}`)
		);

		const json = await exportFromMenu(page, title, 'JSON');
		expect(json.suggestedFilename()).toBe(`${title}.json`);
		const file = JSON.parse(await text(json));
		expect(file).toMatchObject({ format: 'switchboard.conversation', version: 1, title });
		expect(file.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
		expect(file.messages[1].parent_id).toBe(file.messages[0].id);
		// The menu closed and gave the focus back to its button.
		await expect(page.getByRole('menu')).toHaveCount(0);
	});

	test('Settings imports a ChatGPT export, skips it the second time and says what is wrong with a bad file', async ({
		page
	}) => {
		await open(page, '/settings');
		const section = page.getByRole('region', { name: 'Conversations' });
		const picker = section.getByLabel('Import conversations file');

		await picker.setInputFiles('tests/fixtures/chatgpt/conversations.json');
		await expect(section.getByRole('status')).toHaveText(
			'Imported 3 conversations, skipped 0 (already here).'
		);
		// The sidebar lists them without a reload, and the branch shown is ChatGPT's current node.
		const sidebar = page.getByRole('navigation', { name: 'Conversations' });
		await sidebar.getByRole('link', { name: 'Llama facts' }).click();
		await expect(lastReply(page)).toContainText('Between 130 and 200 kg');

		await open(page, '/settings');
		await picker.setInputFiles('tests/fixtures/chatgpt/conversations.json');
		await expect(section.getByRole('status')).toHaveText(
			'Imported 0 conversations, skipped 3 (already here).'
		);

		await picker.setInputFiles({
			name: 'broken.json',
			mimeType: 'application/json',
			buffer: Buffer.from(JSON.stringify([{ id: 'x', title: 'No mapping here' }]))
		});
		await expect(section.getByRole('alert')).toHaveText(
			/^Could not import broken\.json: Conversation 1 \("No mapping here"\): mapping: /
		);

		const downloaded = page.waitForEvent('download');
		await section.getByRole('link', { name: 'Export all' }).click();
		const all = JSON.parse(await text(await downloaded));
		expect(all.format).toBe('switchboard.conversations');
		expect(all.conversations.map((c: { title: string }) => c.title)).toContain('Llama facts');
	});
});

import { expect, test, type Page } from '@playwright/test';
import { open } from './support';

/*
 * A long reply is rendered block by block while it streams: what is already written stays in
 * place, so the person can select it and copy its code before the reply ends, and neither is
 * undone when it ends.
 */

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

test('text selected and code copied while a long reply streams stay so when it ends', async ({
	page,
	context
}) => {
	// About 18 s of streaming: long enough to still be streaming on a busy machine.
	test.setTimeout(90_000);
	await context.grantPermissions(['clipboard-read', 'clipboard-write']);
	await open(page, '/');
	await composer(page).fill('[[long-markdown:1500]] [[pace:12]] a long answer please');
	await composer(page).press('Enter');

	const reply = lastReply(page);
	await expect(reply.getByRole('heading', { name: 'Section 2: measuring step 2' })).toBeVisible();
	await expect(reply).toHaveAttribute('aria-busy', 'true');

	// Select the first section's paragraph, as a person dragging over it would.
	const firstParagraph = reply.locator('.markdown p').first();
	await firstParagraph.evaluate((element) => {
		const range = document.createRange();
		range.selectNodeContents(element);
		const selection = window.getSelection()!;
		selection.removeAllRanges();
		selection.addRange(range);
	});
	const selected = () => page.evaluate(() => window.getSelection()?.toString() ?? '');
	expect(await selected()).toContain('This part explains step 1 of the plan.');

	// The finished first code block can be copied while the rest is still being written.
	await reply.getByRole('button', { name: 'Copy code' }).first().click();
	await expect(reply.getByRole('button', { name: 'Copy code' }).first()).toHaveText('Copied');
	expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(
		'export function summarize1(samples: number[])'
	);
	await expect(reply).toHaveAttribute('aria-busy', 'true');
	expect(await selected()).toContain('This part explains step 1 of the plan.');

	// The reply ends and joins the conversation: the selection is still there.
	await expect(reply).toHaveAttribute('aria-busy', 'false', { timeout: 60_000 });
	await expect(reply).toContainText('In short: every step above was measured');
	expect(await selected()).toContain('This part explains step 1 of the plan.');
});

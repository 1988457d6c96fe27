import { describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import ChatMenu from '$lib/components/layout/ChatMenu.svelte';

const SESSION_ID = '0b9f6a8e-3c2d-4f1a-9e7b-5d4c3b2a1f00';

describe('ChatMenu', () => {
	it('offers Export as Markdown and JSON downloads, all from the keyboard', async () => {
		await render(ChatMenu, { sessionId: SESSION_ID, title: 'Llamas' });
		const trigger = page.getByRole('button', { name: 'Chat menu for Llamas' });
		await expect.element(trigger).toHaveAttribute('aria-expanded', 'false');

		(trigger.element() as HTMLElement).focus();
		await userEvent.keyboard('{Enter}');
		const exportItem = page.getByRole('menuitem', { name: 'Export' });
		await expect.element(exportItem).toHaveFocus();
		await expect.element(trigger).toHaveAttribute('aria-expanded', 'true');

		await userEvent.keyboard('{ArrowRight}');
		const markdown = page.getByRole('menuitem', { name: 'Markdown' });
		await expect.element(markdown).toHaveFocus();
		await expect
			.element(markdown)
			.toHaveAttribute('href', `/api/sessions/${SESSION_ID}/export?format=markdown`);
		await expect.element(markdown).toHaveAttribute('download');
		await userEvent.keyboard('{ArrowDown}');
		await expect
			.element(page.getByRole('menuitem', { name: 'JSON' }))
			.toHaveAttribute('href', `/api/sessions/${SESSION_ID}/export?format=json`);
		await expect.element(page.getByRole('menuitem', { name: 'JSON' })).toHaveFocus();

		await userEvent.keyboard('{ArrowLeft}');
		await expect.element(exportItem).toHaveFocus();
		await expect.element(page.getByRole('menuitem', { name: 'Markdown' })).not.toBeInTheDocument();

		await userEvent.keyboard('{Escape}');
		await expect.element(page.getByRole('menu')).not.toBeInTheDocument();
		await expect.element(trigger).toHaveFocus();
	});

	it('closes when the person clicks elsewhere', async () => {
		await render(ChatMenu, { sessionId: SESSION_ID, title: 'Llamas' });
		await page.getByRole('button', { name: 'Chat menu for Llamas' }).click();
		await expect.element(page.getByRole('menu')).toBeInTheDocument();
		await userEvent.click(document.body);
		await expect.element(page.getByRole('menu')).not.toBeInTheDocument();
	});
});

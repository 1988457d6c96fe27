import { describe, expect, it, vi } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-svelte';
import ModalHarness from './support/ModalHarness.svelte';

async function openModal(closeOnBackdrop = true) {
	const onclose = vi.fn();
	await render(ModalHarness, { closeOnBackdrop, onclose });
	const opener = page.getByRole('button', { name: 'Open settings' });
	await opener.click();
	const dialog = page.getByRole('dialog', { name: 'Settings' });
	await expect.element(dialog).toBeVisible();
	return { onclose, opener, dialog };
}

describe('Modal', () => {
	it('is a named, described modal dialog that takes focus when it opens', async () => {
		const { dialog } = await openModal();
		await expect.element(dialog).toHaveAccessibleDescription('Change how it works.');
		await expect.element(dialog).toHaveAttribute('aria-modal', 'true');
		await expect.element(dialog.getByRole('textbox', { name: 'Name' })).toHaveFocus();
		await expect.element(page.getByText('Opened 1 times')).toBeVisible();
	});

	it('keeps Tab inside: it wraps from the last button to the first field and back', async () => {
		const { dialog } = await openModal();
		const name = dialog.getByRole('textbox', { name: 'Name' });
		const save = dialog.getByRole('button', { name: 'Save' });
		await userEvent.keyboard('{Tab}');
		await expect.element(dialog.getByRole('button', { name: 'Cancel' })).toHaveFocus();
		await userEvent.keyboard('{Tab}');
		await expect.element(save).toHaveFocus();
		await userEvent.keyboard('{Tab}');
		await expect.element(name).toHaveFocus();
		await userEvent.keyboard('{Shift>}{Tab}{/Shift}');
		await expect.element(save).toHaveFocus();
	});

	it('closes on Escape and gives focus back to what opened it', async () => {
		const { dialog, onclose, opener } = await openModal();
		await userEvent.keyboard('{Escape}');
		await expect.element(dialog).not.toBeInTheDocument();
		expect(onclose).toHaveBeenCalledOnce();
		await expect.element(opener).toHaveFocus();
	});

	it('gives focus back when its own button closes it, and opens again afresh', async () => {
		const { dialog, opener } = await openModal();
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect.element(dialog).not.toBeInTheDocument();
		await expect.element(opener).toHaveFocus();
		await opener.click();
		await expect.element(dialog.getByRole('textbox', { name: 'Name' })).toHaveFocus();
		await expect.element(page.getByText('Opened 2 times')).toBeVisible();
	});

	it('closes on a click on the backdrop, not on one inside the box', async () => {
		const { dialog, onclose } = await openModal();
		await dialog.getByText('Change how it works.').click();
		await expect.element(dialog).toBeVisible();
		await dialog.click({ position: { x: 20, y: -20 } }); // above the box: the backdrop
		await expect.element(dialog).not.toBeInTheDocument();
		expect(onclose).toHaveBeenCalled();
	});

	it('stays open on a click on the backdrop when told to', async () => {
		const { dialog, onclose } = await openModal(false);
		await dialog.click({ position: { x: 20, y: -20 } });
		await expect.element(dialog).toBeVisible();
		expect(onclose).not.toHaveBeenCalled();
	});

	it('tells its owner when the browser closes it, so it opens again next time', async () => {
		const { dialog, onclose, opener } = await openModal();
		(dialog.element() as HTMLDialogElement).close();
		await expect.poll(() => onclose.mock.calls.length).toBe(1);
		await opener.click();
		await expect.element(dialog).toBeVisible();
		await expect.element(page.getByText('Opened 2 times')).toBeVisible();
	});
});

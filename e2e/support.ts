import { expect, type Page } from '@playwright/test';

/** Opens a page and waits until it is hydrated, so typing never races the app's start. */
export async function open(page: Page, url: string): Promise<void> {
	await page.goto(url);
	await expect(page.locator('html[data-ready="true"]')).toBeAttached();
}

export async function reload(page: Page): Promise<void> {
	await page.reload();
	await expect(page.locator('html[data-ready="true"]')).toBeAttached();
}

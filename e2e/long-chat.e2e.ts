import { expect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { appEnv } from '../playwright.config';
import { ChatRepository } from '../src/lib/server/chat/repository';
import { openDatabase } from '../src/lib/server/db/client';
import { open, reload } from './support';

/*
 * A conversation of a few hundred messages, written straight into the app's database (the app
 * reads it as it would its own): it opens at its end with only what is near the view in the DOM,
 * older pages load as the person scrolls up without moving what they read, and replies still
 * stream into it and survive a reload.
 */

const TURNS = 160;

/** A reply of some height: a heading, prose, a list, a code block. */
const reply = (turn: number) =>
	[
		`## Turn ${turn} answer`,
		`This is the answer to question ${turn}. ${'It goes on for a while. '.repeat(turn % 7)}`,
		Array.from({ length: 1 + (turn % 4) }, (_, i) => `- point ${i + 1} of turn ${turn}`).join('\n'),
		'```ts\n' +
			Array.from({ length: 2 + (turn % 6) }, (_, i) => `const value${i} = ${turn} * ${i};`).join(
				'\n'
			) +
			'\n```',
		`End of turn ${turn}.`
	].join('\n\n');

function seedLongConversation(turns = TURNS): string {
	const db = openDatabase(appEnv.DATA_DIR);
	try {
		const repo = new ChatRepository(db);
		const sessionId = randomUUID();
		let clock = Date.now() - turns * 2_000;
		const at = () => new Date((clock += 1_000)).toISOString();
		db.$client.transaction(() => {
			repo.createConversation(sessionId, `Long chat ${sessionId.slice(0, 8)}`, at());
			for (let turn = 1; turn <= turns; turn++) {
				repo.addMessage({ sessionId, role: 'user', content: `Question ${turn}?`, createdAt: at() });
				repo.addMessage({
					sessionId,
					role: 'assistant',
					content: reply(turn),
					modelId: 'openai/gpt-4o',
					finishReason: 'stop',
					createdAt: at()
				});
			}
		})();
		return sessionId;
	} finally {
		db.$client.close();
	}
}

const scroller = (page: Page) => page.locator('[class*="scroller"]');
const replies = (page: Page) => page.getByRole('article', { name: 'Assistant reply' });
const lastReply = (page: Page) => replies(page).last();
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const toBottom = (page: Page) => page.getByRole('button', { name: 'Scroll to the latest message' });

const domNodes = (page: Page) => page.evaluate(() => document.getElementsByTagName('*').length);

/** The first message wholly or partly in the view, and where its top is. */
const inView = (page: Page) =>
	page.evaluate(() => {
		const view = document.querySelector('[class*="scroller"]')!.getBoundingClientRect();
		for (const item of document.querySelectorAll<HTMLElement>('.item[data-key]')) {
			const box = item.getBoundingClientRect();
			if (box.bottom > view.top + 1)
				return { key: item.dataset.key!, top: box.top, text: item.textContent!.slice(0, 40) };
		}
		return null;
	});
const topOf = (page: Page, key: string) =>
	page.evaluate(
		(key) =>
			document.querySelector(`.item[data-key="${key}"]`)?.getBoundingClientRect().top ?? null,
		key
	);
const scrollBy = (page: Page, pixels: number) =>
	scroller(page).evaluate((element, pixels) => (element.scrollTop += pixels), pixels);
/** Two frames: the list has moved its window and put the view back by then. */
const frames = (page: Page) =>
	page.evaluate(
		() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))
	);

test.describe('a long conversation', () => {
	test('opens at its last message with only the messages near the view in the DOM', async ({
		page
	}) => {
		const id = seedLongConversation();
		const pages: string[] = [];
		page.on('request', (request) => {
			if (request.url().includes(`/api/sessions/${id}`)) pages.push(new URL(request.url()).search);
		});
		await open(page, `/c/${id}`);
		await expect(lastReply(page)).toContainText(`End of turn ${TURNS}.`);
		await expect(lastReply(page)).toBeInViewport();
		await expect(page.getByText(`Question ${TURNS}?`)).toBeVisible();
		// The newest page only (loaded with the page, on the server), and of it only what is near
		// the view.
		expect(pages.filter((query) => !query.startsWith('?limit=50'))).toEqual([]);
		expect(pages.filter((query) => query.includes('before='))).toEqual([]);
		expect(await replies(page).count()).toBeLessThan(20);
		expect(await domNodes(page)).toBeLessThan(5_000);
		await expect(toBottom(page)).toBeHidden();
	});

	test('scrolling up loads older pages and what is in view stays where it is', async ({ page }) => {
		test.setTimeout(90_000);
		const id = seedLongConversation();
		await open(page, `/c/${id}`);
		await expect(lastReply(page)).toContainText(`End of turn ${TURNS}.`);

		// An older page held back until the test lets it through.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		let asked = 0;
		await page.route(`**/api/sessions/${id}?limit=50&before=*`, async (route) => {
			asked++;
			if (asked === 1) await held;
			await route.continue();
		});

		// Step by step up to the top of what is loaded: the message in view moves by the step
		// exactly, whatever mounts or unmounts around it.
		for (let step = 0; step < 200 && asked === 0; step++) {
			const before = await inView(page);
			await scrollBy(page, -450);
			await frames(page);
			const scrolled = await scroller(page).evaluate((element) => element.scrollTop);
			const top = await topOf(page, before!.key);
			if (top !== null && scrolled > 0)
				expect(Math.abs(top - (before!.top + 450)), `step ${step}, ${before!.text}`).toBeLessThan(
					2
				);
		}
		expect(asked).toBe(1);
		await expect(page.getByText('Loading earlier messages…')).toBeVisible();

		// The older page arrives in front: the message in view does not move.
		await frames(page);
		const reading = (await inView(page))!;
		const arrived = page.waitForResponse((response) => response.url().includes('before='));
		release();
		await arrived;
		await frames(page);
		await frames(page);
		expect(Math.abs((await topOf(page, reading.key))! - reading.top)).toBeLessThan(2);
		// Its last turn is just above.
		await expect(async () => {
			await scrollBy(page, -300);
			await expect(page.getByText(`Question ${TURNS - 25}?`, { exact: true })).toBeInViewport({
				timeout: 500
			});
		}).toPass({ timeout: 20_000 });

		// All the way up: the first question, and still only what is near the view in the DOM.
		await expect(async () => {
			await scroller(page).evaluate((element) => (element.scrollTop = 0));
			await expect(page.getByText('Question 1?', { exact: true })).toBeInViewport({
				timeout: 1_000
			});
		}).toPass({ timeout: 60_000 });
		await expect(page.getByText('Loading earlier messages…')).toHaveCount(0);
		expect(await replies(page).count()).toBeLessThan(40);
		expect(await domNodes(page)).toBeLessThan(5_000);

		// Scroll to bottom: back at the newest message, the button gone.
		await expect(toBottom(page)).toBeVisible();
		await toBottom(page).click();
		await expect(lastReply(page)).toContainText(`End of turn ${TURNS}.`);
		await expect(lastReply(page)).toBeInViewport();
		await expect(toBottom(page)).toBeHidden();
	});

	test('a reply streams into it, and a reload mid-reply follows it again', async ({ page }) => {
		test.setTimeout(60_000);
		const id = seedLongConversation();
		await open(page, `/c/${id}`);
		await expect(lastReply(page)).toContainText(`End of turn ${TURNS}.`);

		await composer(page).fill('[[slow]] count in the long chat');
		await composer(page).press('Enter');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
		await expect(lastReply(page)).toContainText('word5');
		await expect(lastReply(page)).toBeInViewport();

		await reload(page);
		// Re-attached: the reply from its first word, still being written, Stop offered.
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'true');
		await expect(lastReply(page)).toContainText('word0 word1 word2');
		await expect(page.getByRole('button', { name: 'Stop' })).toBeVisible();
		await expect(page.getByText('count in the long chat')).toBeVisible();
		await expect(lastReply(page)).toContainText('word60');
		await expect(lastReply(page)).toBeInViewport();
		await page.getByRole('button', { name: 'Stop' }).click();
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(lastReply(page)).toContainText('Stopped.');
		expect((await lastReply(page).textContent())?.match(/\bword0\b/g)).toHaveLength(1);

		// Saved once, after the seeded turns.
		const detail = await (await page.request.get(`/api/sessions/${id}?limit=2`)).json();
		expect(detail.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
		expect(detail.messages[0].content).toBe('[[slow]] count in the long chat');
		expect(detail.has_more).toBe(true);

		// And a plain reply after it, at the bottom.
		await composer(page).fill('and one more');
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText('Echo: and one more');
		await expect(lastReply(page)).toBeInViewport();
	});
});

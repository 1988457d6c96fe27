import { expect, test, type Page } from '@playwright/test';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';

const standin = `http://127.0.0.1:${e2ePorts.openrouter}/api/v1/__requests`;
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const picker = (page: Page) => page.getByRole('button', { name: /^Model:/ });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

/** Opens the header picker, searches, and picks the option whose name matches. */
async function pickModel(page: Page, search: string, option: RegExp) {
	await picker(page).click();
	await page.getByRole('combobox', { name: 'Search models' }).fill(search);
	await page.getByRole('option', { name: option }).click();
	await expect(picker(page)).toHaveAccessibleName(new RegExp(`^Model: ${option.source}`));
}

async function modelOnServer(page: Page): Promise<string> {
	return (await (await page.request.get('/api/settings/model')).json()).model_id;
}

test.describe('model settings, presets and suggestions', () => {
	test('a picked model survives a reload and the next request upstream uses it', async ({
		page
	}) => {
		await open(page, '/');
		await pickModel(page, 'claude', /Anthropic: Claude Sonnet 4/);
		await expect.poll(() => modelOnServer(page)).toBe('anthropic/claude-sonnet-4');

		await reload(page);
		await expect(picker(page)).toHaveAccessibleName('Model: Anthropic: Claude Sonnet 4');

		await page.request.delete(standin);
		const text = `which model ${Date.now()}`;
		await composer(page).fill(text);
		await composer(page).press('Enter');
		await expect(lastReply(page)).toContainText(`Echo: ${text}`);
		const requests = (await (await page.request.get(standin)).json()) as {
			path: string;
			body: { model: string };
		}[];
		const chat = requests.filter((r) => r.path === '/chat/completions');
		expect(chat.at(-1)?.body.model).toBe('anthropic/claude-sonnet-4');
	});

	test('the picker is keyboard-driven and shows context, price and image support', async ({
		page
	}) => {
		await open(page, '/');
		await picker(page).focus();
		await page.keyboard.press('ArrowDown');
		const search = page.getByRole('combobox', { name: 'Search models' });
		await expect(search).toBeFocused();
		await search.fill('gpt-4o');
		const option = page.getByRole('option', { name: /OpenAI: GPT-4o/ });
		await expect(option).toContainText('128K context');
		await expect(option).toContainText('$2.50 in / $10.00 out per 1M tokens');
		await expect(option).toContainText('images');
		await page.keyboard.press('Enter');
		await expect(picker(page)).toHaveAccessibleName('Model: OpenAI: GPT-4o');
		await expect(picker(page)).toBeFocused();
		await expect.poll(() => modelOnServer(page)).toBe('openai/gpt-4o');
	});

	test('applying a saved preset brings back the model and the system prompt', async ({ page }) => {
		await open(page, '/settings');
		await pickModel(page, 'deepseek', /DeepSeek: R1/);
		await page.getByRole('textbox', { name: 'System prompt' }).fill('You review code strictly.');
		await page.getByRole('button', { name: 'Save prompt' }).click();
		await expect(page.getByText('System prompt saved.')).toBeVisible();

		await page.getByRole('link', { name: 'Presets' }).first().click();
		const name = `Reviewer ${Date.now()}`;
		await page.getByRole('textbox', { name: 'Name' }).fill(name);
		await page.getByRole('textbox', { name: /Description/ }).fill('Strict code review');
		await page.getByRole('button', { name: 'Save preset' }).click();
		await expect(page.getByRole('heading', { name })).toBeVisible();

		await page.getByRole('button', { name: `Show what preset ${name} holds` }).click();
		await expect(page.getByRole('article', { name })).toContainText('deepseek/deepseek-r1');
		await expect(page.getByRole('article', { name })).toContainText('You review code strictly.');

		// Change both, then apply the preset.
		await pickModel(page, 'llama', /Meta: Llama 3.3 70B Instruct/);
		await open(page, '/settings');
		await page.getByRole('textbox', { name: 'System prompt' }).fill('You are a pirate.');
		await page.getByRole('button', { name: 'Save prompt' }).click();
		await expect(page.getByText('System prompt saved.')).toBeVisible();
		await expect.poll(() => modelOnServer(page)).toBe('meta-llama/llama-3.3-70b-instruct');

		await open(page, '/presets');
		await page.getByRole('button', { name: `Apply preset ${name}` }).click();
		await expect(page.getByRole('main').getByRole('status')).toContainText(
			`Applied “${name}”: model → deepseek/deepseek-r1`
		);
		await expect(picker(page)).toHaveAccessibleName('Model: DeepSeek: R1');

		await open(page, '/settings');
		await expect(page.getByRole('textbox', { name: 'System prompt' })).toHaveValue(
			'You review code strictly.'
		);
		await reload(page);
		await expect(picker(page)).toHaveAccessibleName('Model: DeepSeek: R1');
	});

	test('a preset saved while the model choice is still being saved holds the new model', async ({
		page
	}) => {
		// Hold the model save until the preset has been asked for: the snapshot must wait for it.
		let release!: () => void;
		const held = new Promise<void>((resolve) => (release = resolve));
		await page.route('**/api/settings/model', async (route) => {
			if (route.request().method() !== 'PUT') return route.fallback();
			await held;
			await route.continue();
		});
		await page.request.put('/api/settings/model', { data: { model_id: 'openai/gpt-4o' } });
		await open(page, '/presets');
		await pickModel(page, 'deepseek', /DeepSeek: R1/);
		const name = `Slow save ${Date.now()}`;
		await page.getByRole('textbox', { name: 'Name' }).fill(name);
		await page.getByRole('button', { name: 'Save preset' }).click();
		release();

		await expect(page.getByRole('heading', { name })).toBeVisible();
		const saved = await (await page.request.get(`/api/presets/${encodeURIComponent(name)}`)).json();
		expect(saved.model_id).toBe('deepseek/deepseek-r1');
	});

	test('at phone width the picker fits the screen and works by keyboard alone', async ({
		page
	}) => {
		await page.request.put('/api/settings/model', { data: { model_id: 'openai/gpt-4o' } });
		await page.setViewportSize({ width: 375, height: 740 });
		await open(page, '/');
		await picker(page).focus();
		await page.keyboard.press('Enter');
		const search = page.getByRole('combobox', { name: 'Search models' });
		await expect(search).toBeFocused();
		await page.keyboard.type('llama');
		const list = page.getByRole('listbox', { name: 'Models' });
		const box = (await list.boundingBox())!;
		expect(box.x).toBeGreaterThanOrEqual(0);
		expect(box.x + box.width).toBeLessThanOrEqual(375);
		await expect(page.getByRole('option', { name: /Meta: Llama 3.3 70B Instruct/ })).toBeVisible();
		await page.keyboard.press('Escape');
		await expect(list).toHaveCount(0);
		await expect(picker(page)).toBeFocused();

		await page.keyboard.press('ArrowDown');
		await page.keyboard.type('llama');
		await page.keyboard.press('Enter');
		await expect(picker(page)).toHaveAccessibleName('Model: Meta: Llama 3.3 70B Instruct');
		await expect(picker(page)).toBeFocused();
		await expect.poll(() => modelOnServer(page)).toBe('meta-llama/llama-3.3-70b-instruct');
	});

	test('a failed model save is shown and rolled back', async ({ page }) => {
		await open(page, '/');
		const before = await modelOnServer(page);
		await expect(picker(page)).toHaveAttribute('title', before);
		await page.route('**/api/settings/model', (route) =>
			route.request().method() === 'PUT'
				? route.fulfill({
						status: 500,
						contentType: 'application/json',
						body: JSON.stringify({
							error: { code: 'disk_full', message: 'No space left on the device.' }
						})
					})
				: route.fallback()
		);
		await picker(page).click();
		await page.getByRole('combobox', { name: 'Search models' }).fill('gpt-4');
		await page.getByRole('option', { name: /OpenAI: GPT-4(?!o)/ }).click();
		await expect(
			page.getByRole('alert').filter({ hasText: 'No space left on the device.' }).first()
		).toBeVisible();
		// Rolled back: the picker shows the model still in use.
		await expect(picker(page)).toHaveAttribute('title', before);
		await expect(picker(page)).not.toHaveAccessibleName(/GPT-4$/);
		expect(await modelOnServer(page)).toBe(before);
	});

	test('a suggestion chip and the / menu insert their text into the message box', async ({
		page
	}) => {
		await open(page, '/suggestions');
		const title = `Standup ${Date.now()}`;
		await page.getByRole('textbox', { name: 'Title' }).fill(title);
		await page
			.getByRole('textbox', { name: 'Prompt' })
			.fill('Write my standup notes from these bullets:');
		await page.getByRole('button', { name: 'Add suggestion' }).click();
		await expect(page.getByRole('heading', { name: title })).toBeVisible();

		await open(page, '/');
		await page
			.getByRole('list', { name: 'Suggestions' })
			.getByRole('button', { name: 'Summarize a text' })
			.click();
		await expect(composer(page)).toHaveValue(/^Summarize the following text/);
		await expect(composer(page)).toBeFocused();

		await composer(page).fill('');
		await composer(page).pressSequentially('/standup');
		await expect(page.getByRole('listbox', { name: 'Templates' })).toBeVisible();
		await composer(page).press('Enter');
		await expect(composer(page)).toHaveValue('Write my standup notes from these bullets:');
		await expect(page.getByRole('listbox', { name: 'Templates' })).toHaveCount(0);
	});
});

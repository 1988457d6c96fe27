import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { e2ePorts } from '../tests/support/ports';

const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();
const serverCard = (page: Page, id: string) => page.locator(`article[data-server="${id}"]`);
const requestsUrl = `http://127.0.0.1:${e2ePorts.openrouter}/api/v1/__requests`;

async function send(page: Page, text: string) {
	await composer(page).fill(text);
	await composer(page).press('Enter');
}

interface Recorded {
	path: string;
	body: { tools?: { function: { name: string } }[] };
}

async function offeredToolsOfLastChat(page: Page): Promise<string[]> {
	const requests = (await (await page.request.get(requestsUrl)).json()) as Recorded[];
	const chats = requests.filter((request) => request.path.endsWith('/chat/completions'));
	return (chats.at(-1)?.body.tools ?? []).map((tool) => tool.function.name);
}

const DEFAULTS = [
	{ id: 'calculator', enabled: true, transport: 'builtin' },
	{ id: 'housekeeping', enabled: true, transport: 'builtin' },
	{ id: 'google', enabled: true, transport: 'builtin' }
];

test.describe('MCP tools', () => {
	// Other specs share the app's data folder: leave the default servers as they were.
	test.afterAll(async ({ request }) => {
		await request.put('/api/mcp/servers', { data: DEFAULTS });
	});

	test('the model calls the calculator and the tool card shows the result', async ({ page }) => {
		await page.goto('/');
		await send(page, 'What is 2+3*4? [[tool:calculator__evaluate {"expression":"2+3*4"}]]');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('evaluate');
		await expect(card).toContainText('14');
		await expect(lastReply(page)).toContainText('14');
	});

	test('switching a server off on /mcp removes its tools from the next request', async ({
		page
	}) => {
		await page.goto('/');
		await send(page, 'before switching anything off');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		expect(await offeredToolsOfLastChat(page)).toContain('calculator__evaluate');

		await page.goto('/mcp');
		const calculator = serverCard(page, 'calculator');
		await expect(calculator.getByText('Connected')).toBeVisible();
		await calculator.getByRole('switch', { name: 'Enable calculator' }).uncheck();
		await expect(calculator.getByText('Off', { exact: true }).first()).toBeVisible();
		await expect(page.getByText('calculator is off.')).toBeVisible();

		await page.getByRole('link', { name: 'New chat' }).click();
		await send(page, 'after switching the calculator off');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		const offered = await offeredToolsOfLastChat(page);
		expect(offered.some((name) => name.startsWith('calculator__'))).toBe(false);
		expect(offered).toContain('housekeeping__current_time');

		await page.goto('/mcp');
		await serverCard(page, 'calculator').getByRole('switch', { name: 'Enable calculator' }).check();
		await expect(serverCard(page, 'calculator').getByText('Connected')).toBeVisible();
	});

	test('adds a stdio server with validation, lists its tools, turns one off, and removes it', async ({
		page
	}) => {
		await page.goto('/mcp');
		await page.getByRole('button', { name: 'Add server' }).click();
		const form = page.getByRole('form', { name: 'Add an MCP server' });
		await form.getByLabel('Id').fill('my notes');
		await form.getByRole('button', { name: 'Add server' }).click();
		await expect(form.getByText('Use 1-64 letters, digits, "-" or "_"')).toBeVisible();
		await expect(form.getByText('Required for the stdio transport')).toBeVisible();

		await form.getByLabel('Id').fill('notes');
		await form.getByLabel('Command').fill(process.execPath);
		await form.getByLabel(/Arguments/).fill(path.resolve('tests/support/mcp/stdio-server.mjs'));
		await form.getByRole('button', { name: 'Add server' }).click();
		await expect(form).toBeHidden();

		const notes = serverCard(page, 'notes');
		await expect(notes.getByText('Connected')).toBeVisible();
		await notes.getByRole('button', { name: /tools offered to the model/ }).click();
		await notes.getByRole('checkbox', { name: 'Offer echo from notes' }).uncheck();
		await expect(notes.getByRole('button', { name: /8 of 9 tools offered/ })).toBeVisible();
		const servers = await (await page.request.get('/api/mcp/servers')).json();
		expect(servers.find((server: { id: string }) => server.id === 'notes').disabled_tools).toEqual([
			'echo'
		]);

		await notes.getByRole('button', { name: 'Remove notes' }).click();
		await page
			.getByRole('dialog', { name: 'Remove server?' })
			.getByRole('button', { name: 'Remove' })
			.click();
		await expect(notes).toHaveCount(0);
	});

	test('shows an unavailable server with its error', async ({ page }) => {
		await page.request.put('/api/mcp/servers', {
			data: [
				...DEFAULTS,
				{ id: 'ghost', enabled: true, transport: 'stdio', command: 'switchboard-missing-command' }
			]
		});
		await page.goto('/mcp');
		const ghost = serverCard(page, 'ghost');
		await expect(ghost.getByText('Unavailable')).toBeVisible();
		await expect(ghost.getByRole('alert')).toHaveText(
			'The command "switchboard-missing-command" was not found.'
		);
	});
});

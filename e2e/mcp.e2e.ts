import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { e2ePorts } from '../tests/support/ports';
import { open, reload } from './support';

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
	body: {
		tools?: { function: { name: string } }[];
		messages: { role: string; content: unknown; tool_call_id?: string; tool_calls?: unknown[] }[];
	};
}

async function offeredToolsOfLastChat(page: Page): Promise<string[]> {
	const requests = (await (await page.request.get(requestsUrl)).json()) as Recorded[];
	const chats = requests.filter((request) => request.path.endsWith('/chat/completions'));
	return (chats.at(-1)?.body.tools ?? []).map((tool) => tool.function.name);
}

async function chatRequests(page: Page): Promise<Recorded[]> {
	const requests = (await (await page.request.get(requestsUrl)).json()) as Recorded[];
	return requests.filter((request) => request.path.endsWith('/chat/completions'));
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
		await open(page, '/');
		await send(page, 'What is 2+3*4? [[tool:calculator__evaluate {"expression":"2+3*4"}]]');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('evaluate');
		await expect(card).toContainText('14');
		await expect(lastReply(page)).toContainText('14');
	});

	test('switching a server off on /mcp removes its tools from the next request', async ({
		page
	}) => {
		await open(page, '/');
		await send(page, 'before switching anything off');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		expect(await offeredToolsOfLastChat(page)).toContain('calculator__evaluate');

		await open(page, '/mcp');
		const calculator = serverCard(page, 'calculator');
		await expect(calculator.getByText('Connected')).toBeVisible();
		await calculator.getByRole('switch', { name: 'Enable calculator' }).uncheck();
		await expect(calculator.getByText('Off', { exact: true }).first()).toBeVisible();
		await expect(page.getByText('calculator is off.')).toBeVisible();

		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await send(page, 'after switching the calculator off');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		const offered = await offeredToolsOfLastChat(page);
		expect(offered.some((name) => name.startsWith('calculator__'))).toBe(false);
		expect(offered).toContain('housekeeping__current_time');

		await open(page, '/mcp');
		await serverCard(page, 'calculator').getByRole('switch', { name: 'Enable calculator' }).check();
		await expect(serverCard(page, 'calculator').getByText('Connected')).toBeVisible();
	});

	test('adds a stdio server with validation, lists its tools, turns one off, and removes it', async ({
		page
	}) => {
		await open(page, '/mcp');
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
		const offered = notes.getByRole('button', { name: /tools offered to the model/ });
		const [, all, total] = /(\d+) of (\d+) tools offered/.exec((await offered.textContent())!)!;
		expect(all).toBe(total);
		await offered.click();
		await notes.getByRole('checkbox', { name: 'Offer echo from notes' }).uncheck();
		await expect(
			notes.getByRole('button', { name: `${Number(total) - 1} of ${total} tools offered` })
		).toBeVisible();
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

	test('asks before a call on a server set to ask: Approve runs it and a reload shows it, Deny does not run', async ({
		page
	}) => {
		await page.request.put('/api/mcp/servers', {
			data: DEFAULTS.map((server) =>
				server.id === 'calculator' ? { ...server, approval: 'ask' } : server
			)
		});
		await open(page, '/');
		await send(page, 'Multiply [[tool:calculator__evaluate {"expression":"6*7"}]]');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('Waiting for your approval');
		await expect(card).toContainText('"expression": "6*7"');
		await card.getByRole('button', { name: 'Approve' }).click();
		await expect(card.getByRole('status')).toHaveText(/^Done · \d/);
		await expect(card).toContainText('42');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');
		await expect(lastReply(page)).toContainText('42');
		await expect(page).toHaveURL(/\/c\//);

		await reload(page);
		const reloaded = page.getByTestId('tool-card');
		await expect(reloaded).toHaveCount(1);
		await expect(reloaded).toContainText('evaluate');
		await expect(reloaded.getByRole('status')).toHaveText(/^Done · \d/);
		await expect(reloaded).toContainText('42');

		await send(page, 'And this? [[tool:calculator__evaluate {"expression":"1+1"}]]');
		const second = page.getByTestId('tool-card').nth(1);
		await second.getByRole('button', { name: 'Deny' }).click();
		await expect(second.getByRole('status')).toHaveText(/^Failed/);
		await expect(second).toContainText('denied');
		await expect(lastReply(page)).toHaveAttribute('aria-busy', 'false');

		// The second turn sent the first call and its answer upstream, as a valid history.
		const chats = await chatRequests(page);
		const history = chats.at(-2)!.body.messages;
		expect(history.map((message) => message.role)).toEqual([
			'user',
			'assistant',
			'tool',
			'assistant',
			'user'
		]);
		expect(history[2]).toMatchObject({ role: 'tool', content: '42' });
		expect(chats.at(-1)!.body.messages.at(-1)).toMatchObject({
			role: 'tool',
			content: expect.stringContaining('denied')
		});
	});

	test('hides a saved environment value on /mcp and keeps it when the server is edited', async ({
		page
	}) => {
		const secret = 'e2e-vault-secret-value';
		await page.request.put('/api/mcp/servers', {
			data: [
				...DEFAULTS,
				{
					id: 'vault',
					enabled: true,
					transport: 'stdio',
					command: process.execPath,
					args: [path.resolve('tests/support/mcp/stdio-server.mjs')],
					env: { VAULT_TOKEN: secret }
				}
			]
		});
		expect(await (await page.request.get('/api/mcp/servers')).text()).not.toContain(secret);

		await open(page, '/mcp');
		const vault = serverCard(page, 'vault');
		await expect(vault.getByText('Connected')).toBeVisible();
		await vault.getByRole('button', { name: 'Edit vault' }).click();
		const form = vault.getByRole('form', { name: 'Edit vault' });
		const env = form.getByLabel(/Environment/);
		await expect(env).toHaveValue('VAULT_TOKEN=••••••••');
		await expect(form.getByText(/Saved values stay hidden/)).toBeVisible();
		await env.fill('VAULT_TOKEN=••••••••\nMODE=edited');
		await form.getByRole('button', { name: 'Save changes' }).click();
		await expect(page.getByText('Saved vault.')).toBeVisible();
		await expect(vault.getByText('Connected')).toBeVisible();

		await page.getByRole('link', { name: 'New chat', exact: true }).click();
		await send(page, 'Which token? [[tool:vault__env {"name":"VAULT_TOKEN"}]]');
		await expect(page.getByTestId('tool-card').last()).toContainText(secret);
	});

	test('shows an unavailable server with its error', async ({ page }) => {
		await page.request.put('/api/mcp/servers', {
			data: [
				...DEFAULTS,
				{ id: 'ghost', enabled: true, transport: 'stdio', command: 'switchboard-missing-command' }
			]
		});
		await open(page, '/mcp');
		const ghost = serverCard(page, 'ghost');
		await expect(ghost.getByText('Unavailable')).toBeVisible();
		await expect(ghost.getByRole('alert')).toHaveText(
			'The command "switchboard-missing-command" was not found.'
		);
	});
});

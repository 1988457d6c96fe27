import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { e2ePorts } from '../tests/support/ports';
import { open } from './support';

const standin = `http://127.0.0.1:${e2ePorts.google}`;
const panel = (page: Page) => page.getByRole('region', { name: 'Google' });
const composer = (page: Page) => page.getByRole('textbox', { name: 'Message' });
const lastReply = (page: Page) => page.getByRole('article', { name: 'Assistant reply' }).last();

async function setConsent(request: APIRequestContext, consent: 'allow' | 'deny') {
	expect((await request.post(`${standin}/__control`, { data: { consent } })).ok()).toBe(true);
}

test.describe('google', () => {
	test.afterEach(async ({ request }) => setConsent(request, 'allow'));

	test('a denied consent screen brings the person back to /mcp with the reason', async ({
		page,
		request
	}) => {
		await setConsent(request, 'deny');
		await open(page, '/mcp');
		await panel(page).getByRole('link', { name: 'Connect Google' }).click();
		await expect(page).toHaveURL(/\/mcp\?google_error=access_denied$/);
		await expect(panel(page).getByRole('alert')).toContainText('Google access was not granted');
		await expect(panel(page).getByText('Not connected')).toBeVisible();
	});

	test('connect on /mcp, draft an email from chat, then disconnect', async ({ page, request }) => {
		await open(page, '/mcp');
		await expect(page.getByText('Google is not connected').first()).toBeVisible();
		await panel(page).getByRole('link', { name: 'Connect Google' }).click();

		await expect(page).toHaveURL(/\/mcp\?google=connected$/);
		await expect(panel(page).getByText('Google connected as me@example.com.')).toBeVisible();
		await expect(
			panel(page).getByText('Connected as me@example.com.', { exact: true })
		).toBeVisible();
		await expect(panel(page).getByRole('list', { name: 'Granted Google scopes' })).toContainText(
			'gmail.compose'
		);
		await expect(panel(page).getByRole('list', { name: 'Granted Google scopes' })).toContainText(
			'drive.readonly'
		);

		await open(page, '/');
		await composer(page).fill(
			'Draft it: [[tool:google__gmail_create_draft {"to":"a@example.com","subject":"Hi","body":"Hello"}]]'
		);
		await composer(page).press('Enter');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('gmail_create_draft');
		await expect(card).toContainText('Done');
		const drafts = (await (await request.get(`${standin}/__control/drafts`)).json()) as {
			id: string;
			subject: string;
		}[];
		const draft = drafts.at(-1)!;
		expect(draft.subject).toBe('Hi');
		await expect(card).toContainText(draft.id);
		await expect(lastReply(page)).toContainText(draft.id);

		await open(page, '/mcp');
		await panel(page).getByRole('button', { name: 'Disconnect Google' }).click();
		await page
			.getByRole('dialog', { name: 'Disconnect Google?' })
			.getByRole('button', { name: 'Disconnect' })
			.click();
		await expect(page.getByText('Google disconnected and access revoked.')).toBeVisible();
		await expect(panel(page).getByRole('link', { name: 'Connect Google' })).toBeVisible();
		// The server list says why at once, without a passing "closed the connection" error.
		await expect(page.getByText('Google is not connected').first()).toBeVisible();
		await expect(page.getByText(/closed the connection/)).toHaveCount(0);
	});

	test('a grant Google refused shows Reconnect; reconnecting brings the tools back', async ({
		page,
		request
	}) => {
		await open(page, '/mcp');
		await panel(page).getByRole('link', { name: 'Connect Google' }).click();
		await expect(
			panel(page).getByText('Connected as me@example.com.', { exact: true })
		).toBeVisible();
		const control = await request.post(`${standin}/__control`, {
			data: { revokeAll: true, expireAccessTokens: true }
		});
		expect(control.ok()).toBe(true);

		await open(page, '/');
		await composer(page).fill('Mail? [[tool:google__gmail_search {"query":"lunch"}]]');
		await composer(page).press('Enter');
		const card = page.getByTestId('tool-card').last();
		await expect(card).toContainText('Reconnect Google on the MCP page');

		await open(page, '/mcp');
		await expect(panel(page).getByText('Reconnect required', { exact: true })).toBeVisible();
		await expect(panel(page).getByRole('button', { name: 'Disconnect Google' })).toBeVisible();
		await panel(page).getByRole('link', { name: 'Reconnect Google' }).click();
		await expect(page).toHaveURL(/\/mcp\?google=connected$/);
		await expect(
			panel(page).getByText('Connected as me@example.com.', { exact: true })
		).toBeVisible();
		await expect(panel(page).getByRole('list', { name: 'Granted Google scopes' })).toContainText(
			'calendar.events'
		);

		await panel(page).getByRole('button', { name: 'Disconnect Google' }).click();
		await page
			.getByRole('dialog', { name: 'Disconnect Google?' })
			.getByRole('button', { name: 'Disconnect' })
			.click();
		await expect(panel(page).getByRole('link', { name: 'Connect Google' })).toBeVisible();
	});
});

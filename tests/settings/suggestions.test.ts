import { afterEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as listRoute from '../../src/routes/api/suggestions/+server';
import * as itemRoute from '../../src/routes/api/suggestions/[id]/+server';
import { disposeAll } from '../support/factories';
import { call, settingsServices } from './helpers';

afterEach(disposeAll);

describe('suggestions API', () => {
	it('offers a few useful defaults on a first run without writing the file', async () => {
		const services = settingsServices();
		const { status, body } = await call(services, listRoute.GET);
		expect(status).toBe(200);
		expect(body.suggestions.length).toBeGreaterThanOrEqual(3);
		expect(body.suggestions[0]).toEqual({
			id: 'summarize',
			title: 'Summarize a text',
			prompt: expect.stringContaining('Summarize')
		});
		expect(existsSync(path.join(services.config.dataDir, 'suggestions.json'))).toBe(false);
	});

	it('adds, edits and deletes a suggestion, persisting to data/suggestions.json', async () => {
		const services = settingsServices();
		const created = await call(services, listRoute.POST, {
			method: 'POST',
			body: { title: 'Standup', prompt: 'Write my standup notes:\n\n' }
		});
		expect(created.status).toBe(201);
		expect(created.body).toEqual({
			id: expect.any(String),
			title: 'Standup',
			prompt: 'Write my standup notes:\n\n'
		});
		const id = created.body.id;

		const edited = await call(services, itemRoute.PUT, {
			params: { id },
			body: { title: 'Daily standup' }
		});
		expect(edited.body).toEqual({
			id,
			title: 'Daily standup',
			prompt: 'Write my standup notes:\n\n'
		});

		const file = JSON.parse(
			await readFile(path.join(services.config.dataDir, 'suggestions.json'), 'utf8')
		);
		expect(file.find((s: { id: string }) => s.id === id).title).toBe('Daily standup');

		expect(
			(await call(services, itemRoute.DELETE, { method: 'DELETE', params: { id } })).status
		).toBe(204);
		const after = await call(services, listRoute.GET);
		expect(after.body.suggestions.some((s: { id: string }) => s.id === id)).toBe(false);
		expect(after.body.suggestions.length).toBeGreaterThanOrEqual(3);
	});

	it('can delete a default suggestion', async () => {
		const services = settingsServices();
		expect(
			(await call(services, itemRoute.DELETE, { method: 'DELETE', params: { id: 'translate' } }))
				.status
		).toBe(204);
		const ids = (await call(services, listRoute.GET)).body.suggestions.map(
			(s: { id: string }) => s.id
		);
		expect(ids).not.toContain('translate');
	});

	it.each([
		[{ title: '', prompt: 'x' }, /title: must not be empty/],
		[{ title: 'x', prompt: '   ' }, /prompt: must not be empty/],
		[{ title: 'x'.repeat(81), prompt: 'x' }, /title: is longer than 80/],
		[{ title: 'x', prompt: 5 }, /prompt/],
		[{ title: 'x' }, /prompt/],
		[{ title: 'x', prompt: 'y', id: 'mine' }, /id/]
	])('rejects POST %j with a 400', async (payload, message) => {
		const services = settingsServices();
		const { status, body } = await call(services, listRoute.POST, {
			method: 'POST',
			body: payload
		});
		expect(status).toBe(400);
		expect(body.error.message).toMatch(message);
	});

	it('rejects invalid JSON and unknown ids', async () => {
		const services = settingsServices();
		expect(
			(await call(services, listRoute.POST, { method: 'POST', raw: '{' })).body.error.code
		).toBe('invalid_json');
		const missing = await call(services, itemRoute.PUT, {
			params: { id: 'nope' },
			body: { title: 'x' }
		});
		expect(missing.status).toBe(404);
		expect(missing.body.error.code).toBe('suggestion_not_found');
		const long = await call(services, itemRoute.GET, { params: { id: 'x'.repeat(5000) } });
		expect(long.status).toBe(404);
		expect(long.body.error.message.length).toBeLessThan(120);
		expect(
			(await call(services, itemRoute.DELETE, { method: 'DELETE', params: { id: 'nope' } })).status
		).toBe(404);
		expect(
			(await call(services, itemRoute.PUT, { params: { id: 'summarize' }, body: { title: 3 } }))
				.status
		).toBe(400);
	});

	it('reports a corrupt suggestions file by name', async () => {
		const services = settingsServices();
		const file = path.join(services.config.dataDir, 'suggestions.json');
		await mkdir(services.config.dataDir, { recursive: true });
		await writeFile(file, 'not json');
		const { status, body } = await call(services, listRoute.GET);
		expect(status).toBe(500);
		expect(body.error.message).toContain(file);
		expect(
			(await call(services, listRoute.POST, { method: 'POST', body: { title: 'a', prompt: 'b' } }))
				.status
		).toBe(500);
		expect(await readFile(file, 'utf8')).toBe('not json');
	});
});

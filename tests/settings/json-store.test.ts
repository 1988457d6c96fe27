import { afterEach, describe, expect, it } from 'vitest';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { CorruptFileError, JsonStore } from '$lib/server/settings/json-store';
import { disposeAll, tempDir } from '../support/factories';

afterEach(disposeAll);

const counterSchema = z.object({ count: z.number().int(), writers: z.array(z.number()) });
const counterStore = (dir = tempDir()) =>
	new JsonStore({
		file: path.join(dir, 'counter.json'),
		schema: counterSchema,
		defaults: () => ({ count: 0, writers: [] })
	});

describe('JsonStore', () => {
	it('applies concurrent updates one after another, losing none', async () => {
		const store = counterStore();
		await Promise.all(
			Array.from({ length: 40 }, (_, writer) =>
				store.update(async (current) => {
					await new Promise((resolve) => setTimeout(resolve, writer % 3));
					return { count: current.count + 1, writers: [...current.writers, writer] };
				})
			)
		);
		const onDisk = JSON.parse(await readFile(store.file, 'utf8'));
		expect(onDisk.count).toBe(40);
		expect(onDisk.writers).toEqual(Array.from({ length: 40 }, (_, i) => i));
	});

	it('leaves no temp files behind and the file always parses', async () => {
		const dir = tempDir();
		const store = counterStore(dir);
		const writes = Array.from({ length: 20 }, (_, i) => store.write({ count: i, writers: [] }));
		const reads = Array.from({ length: 20 }, async () =>
			JSON.parse(await readFile(store.file, 'utf8').catch(() => '{"count":0}'))
		);
		await Promise.all([...writes, ...reads]);
		expect(await readdir(dir)).toEqual(['counter.json']);
		expect(JSON.parse(await readFile(store.file, 'utf8')).count).toBe(19);
	});

	it('lets a read issued after an update see that update', async () => {
		const store = counterStore();
		const write = store.update((current) => ({ ...current, count: 7 }));
		const read = store.read();
		expect((await read).count).toBe(7);
		await write;
	});

	it('serves defaults without writing the file', async () => {
		const store = counterStore();
		expect(await store.read()).toEqual({ count: 0, writers: [] });
		expect(await store.exists()).toBe(false);
	});

	it('reports a file with broken JSON by name and never overwrites it', async () => {
		const store = counterStore();
		await writeFile(store.file, '{"count": 3,');
		await expect(store.read()).rejects.toThrow(CorruptFileError);
		await expect(store.read()).rejects.toThrow(store.file);
		await expect(store.update((c) => ({ ...c, count: 9 }))).rejects.toThrow(/not valid/);
		expect(await readFile(store.file, 'utf8')).toBe('{"count": 3,');
	});

	it('reports a file that parses but breaks the schema, naming the field', async () => {
		const store = counterStore();
		await writeFile(store.file, '{"count": "three", "writers": []}');
		await expect(store.read()).rejects.toThrow(/counter\.json is not valid \(count:/);
		expect(await readFile(store.file, 'utf8')).toBe('{"count": "three", "writers": []}');
	});

	it('sees a hand edit made while the app runs, and builds on it instead of a stale copy', async () => {
		const store = counterStore();
		await store.write({ count: 1, writers: [] });
		await writeFile(store.file, JSON.stringify({ count: 50, writers: [7] }));
		expect((await store.read()).count).toBe(50);
		await store.update((c) => ({ ...c, count: c.count + 1 }));
		expect(JSON.parse(await readFile(store.file, 'utf8'))).toEqual({ count: 51, writers: [7] });
	});

	it('never overwrites a file broken by hand after it was read', async () => {
		const store = counterStore();
		await store.write({ count: 1, writers: [] });
		await store.read();
		await writeFile(store.file, '{"count": 2,');
		await expect(store.read()).rejects.toThrow(CorruptFileError);
		await expect(store.update((c) => ({ ...c, count: 9 }))).rejects.toThrow(/not valid/);
		expect(await readFile(store.file, 'utf8')).toBe('{"count": 2,');
	});

	it('rejects an update that breaks the schema and keeps the old value', async () => {
		const store = counterStore();
		await store.write({ count: 1, writers: [] });
		await expect(store.update(() => ({ count: 1.5, writers: [] }))).rejects.toMatchObject({
			status: 400
		});
		expect((await store.read()).count).toBe(1);
	});
});

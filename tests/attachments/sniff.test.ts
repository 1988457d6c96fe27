import { describe, expect, it } from 'vitest';
import { detectType } from '$lib/server/attachments/sniff';
import { AppError } from '$lib/server/errors';
import { FIXTURES } from './helpers';

const status = (promise: Promise<unknown>) =>
	promise.then(
		() => 200,
		(error) => (error instanceof AppError ? error.status : 500)
	);

describe('detectType', () => {
	it.each([
		['png', 'image/png'],
		['jpeg', 'image/jpeg'],
		['gif', 'image/gif'],
		['webp', 'image/webp'],
		['pdf', 'application/pdf']
	] as const)('recognises %s from its bytes whatever the name claims', async (kind, mime) => {
		expect(await detectType(FIXTURES[kind](), 'notes.txt', 'text/plain')).toBe(mime);
	});

	it('takes UTF-8 text and picks the flavour from the name', async () => {
		const text = Buffer.from('name,age\nÅsa,41\n');
		expect(await detectType(text, 'people.csv')).toBe('text/csv');
		expect(await detectType(Buffer.from('# Title'), 'readme.md')).toBe('text/markdown');
		expect(await detectType(Buffer.from('{"a":1}'), 'data.json')).toBe('application/json');
		expect(await detectType(Buffer.from('plain words'), 'notes')).toBe('text/plain');
		expect(await detectType(Buffer.from('<svg onload="alert(1)"/>'), 'image.svg')).toBe(
			'text/plain'
		);
	});

	it('answers 415 for executables, archives and binary noise, even when they claim to be images', async () => {
		expect(await status(detectType(FIXTURES.exe(), 'cat.png', 'image/png'))).toBe(415);
		expect(await status(detectType(FIXTURES.zip(), 'report.pdf', 'application/pdf'))).toBe(415);
		expect(
			await status(detectType(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]), 'x.txt'))
		).toBe(415);
	});

	it('answers 415 for text that is not UTF-8 or JSON that does not parse', async () => {
		expect(
			await status(detectType(Buffer.from([0x48, 0xe9, 0x6c, 0x6c, 0x6f]), 'latin1.txt'))
		).toBe(415);
		expect(await status(detectType(Buffer.from('{"a":'), 'broken.json'))).toBe(415);
	});
});

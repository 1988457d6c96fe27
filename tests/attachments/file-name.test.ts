import { describe, expect, it } from 'vitest';
import { contentDisposition, sanitizeFileName } from '$lib/server/attachments/file-name';

describe('sanitizeFileName', () => {
	it('keeps an ordinary name as it is', () => {
		expect(sanitizeFileName('Quarterly report (final).pdf')).toBe('Quarterly report (final).pdf');
		expect(sanitizeFileName('Überblick — café.md')).toBe('Überblick — café.md');
	});

	it.each([
		['../../etc/passwd', 'passwd'],
		['..\\..\\windows\\system32\\cmd.exe', 'cmd.exe'],
		['/absolute/path/photo.png', 'photo.png'],
		['..', 'file'],
		['.htaccess', 'htaccess'],
		['   ', 'file'],
		['', 'file']
	])('drops path tricks from %j', (raw, safe) => {
		expect(sanitizeFileName(raw)).toBe(safe);
	});

	it('removes control characters, header metacharacters and bidi overrides', () => {
		expect(sanitizeFileName('evil\r\nSet-Cookie: x.txt')).toBe('evil__Set-Cookie_ x.txt');
		expect(sanitizeFileName('invoice\u202Efdp.exe')).toBe('invoice_fdp.exe');
		expect(sanitizeFileName('a"b;c<d>.txt')).toBe('a_b_c_d_.txt');
		expect(sanitizeFileName('nul\u0000byte.png')).toBe('nul_byte.png');
	});

	it('refuses reserved device names', () => {
		expect(sanitizeFileName('CON.txt')).toBe('file');
	});

	it('shortens long names but keeps the extension', () => {
		const name = sanitizeFileName(`${'ä'.repeat(300)}.jpeg`);
		expect(Buffer.byteLength(name)).toBeLessThanOrEqual(180);
		expect(name.endsWith('.jpeg')).toBe(true);
	});
});

describe('contentDisposition', () => {
	it('gives an ASCII fallback and the exact UTF-8 name', () => {
		expect(contentDisposition('inline', 'naïve "plan".md')).toBe(
			`inline; filename="na_ve _plan_.md"; filename*=UTF-8''na%C3%AFve%20%22plan%22.md`
		);
	});
});

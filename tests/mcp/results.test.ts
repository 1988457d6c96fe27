import { describe, expect, it } from 'vitest';
import { cutToLimit, toOutcome } from '$lib/server/mcp/results';

describe('tool results', () => {
	it('joins text blocks and keeps the error flag', () => {
		expect(
			toOutcome({
				content: [
					{ type: 'text', text: 'one' },
					{ type: 'text', text: 'two' }
				],
				isError: true
			})
		).toEqual({ content: 'one\ntwo', isError: true });
	});

	it('returns embedded binary resources as files named after their URI', () => {
		const outcome = toOutcome({
			content: [
				{
					type: 'resource',
					resource: {
						uri: 'file:///reports/q3.pdf',
						mimeType: 'application/pdf',
						blob: Buffer.from('%PDF-1.7').toString('base64')
					}
				},
				{ type: 'resource', resource: { uri: 'memo://note', text: 'remember the milk' } },
				{ type: 'resource_link', uri: 'https://example.com/a', name: 'a page' }
			]
		});
		expect(outcome.files).toEqual([
			{ mimeType: 'application/pdf', data: Buffer.from('%PDF-1.7'), fileName: 'q3.pdf' }
		]);
		expect(outcome.content).toBe(
			'Resource memo://note:\nremember the milk\nResource link: a page https://example.com/a'
		);
	});

	it('says a file came back when there is no text', () => {
		const outcome = toOutcome({
			content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }]
		});
		expect(outcome.content).toBe('The tool returned a file.');
	});

	it('falls back to structured content', () => {
		expect(toOutcome({ content: [], structuredContent: { total: 3 } }).content).toBe('{"total":3}');
	});

	it('cuts on a character boundary and says how big the result was', () => {
		const text = 'é'.repeat(1000); // 2000 bytes
		const cut = cutToLimit(text, 1001);
		expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1001);
		expect(cut).not.toContain('\uFFFD');
		expect(cut).toMatch(
			/^é+\n\n\[Switchboard cut this tool result: it was 2000 bytes, only the first 1001 bytes are shown\.\]$/
		);
		expect(cutToLimit('short', 1001)).toBe('short');
	});
});

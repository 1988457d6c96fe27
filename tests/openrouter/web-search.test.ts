import { describe, expect, it } from 'vitest';
import { citationsOf, CitationList } from '$lib/server/openrouter/web-search';

const cite = (url_citation: object) => ({ type: 'url_citation', url_citation });

describe('web search citations', () => {
	it('reads url_citation annotations of the delta and of the choice itself', () => {
		expect(
			citationsOf([
				{
					delta: {
						annotations: [cite({ url: 'https://a.example/x', title: 'A', content: 'text' })]
					},
					annotations: [cite({ url: 'https://b.example/y', title: 'B' })]
				}
			])
		).toEqual([
			{ url: 'https://a.example/x', title: 'A', content: 'text' },
			{ url: 'https://b.example/y', title: 'B' }
		]);
	});

	it('skips other annotations and URLs that are not web pages; a missing title is the host', () => {
		expect(
			citationsOf([
				{
					delta: {
						annotations: [
							{ type: 'file', file: { hash: 'h', name: 'a.pdf' } },
							cite({ url: 'javascript:alert(1)', title: 'x' }),
							cite({ url: 'not a url' }),
							cite({ url: 'https://www.example.com/page' }),
							null
						]
					}
				}
			])
		).toEqual([{ url: 'https://www.example.com/page', title: 'www.example.com' }]);
		expect(citationsOf([{ delta: { annotations: 'nonsense' } }])).toEqual([]);
	});

	it('keeps each source once, in the order they came', () => {
		const list = new CitationList();
		expect(list.add([{ url: 'https://a.example', title: 'A' }])).toBe(true);
		expect(list.add([{ url: 'https://a.example', title: 'A again' }])).toBe(false);
		expect(list.add([{ url: 'https://b.example', title: 'B' }])).toBe(true);
		expect(list.items.map((item) => item.title)).toEqual(['A', 'B']);
	});
});

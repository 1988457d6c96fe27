import { describe, expect, it } from 'vitest';
import { SentenceSplitter, speakable } from '$lib/state/voice/sentences';

/** Feeds the text in pieces of `size` characters (or whole) and collects every sentence. */
function split(text: string, size = text.length): string[] {
	const splitter = new SentenceSplitter();
	const out: string[] = [];
	for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
	out.push(...splitter.end());
	return out;
}

/** The same sentences whether the reply comes whole, by characters or in odd chunks. */
function sentences(text: string): string[] {
	const whole = split(text);
	expect(split(text, 1)).toEqual(whole);
	expect(split(text, 7)).toEqual(whole);
	return whole;
}

describe('sentence splitter', () => {
	it('gives back each sentence as soon as it is complete, before the reply ends', () => {
		const splitter = new SentenceSplitter();
		expect(splitter.push('The first sentence is')).toEqual([]);
		expect(splitter.push(' here. The second')).toEqual(['The first sentence is here.']);
		expect(splitter.push(' one asks why? And')).toEqual(['The second one asks why?']);
		expect(splitter.push(' the last')).toEqual([]);
		expect(splitter.end()).toEqual(['And the last.']);
	});

	it('keeps abbreviations, initials, decimals and versions inside their sentence', () => {
		expect(
			sentences(
				'Ask Dr. Smith, e.g. about pi, which is 3.14 and not 3. Use v2.1.3 for J. R. R. Tolkien. It works, i.e. fine. Fruits, etc. are good. Bring apples, pears, etc. Then go.'
			)
		).toEqual([
			'Ask Dr. Smith, e.g. about pi, which is 3.14 and not 3.',
			'Use v2.1.3 for J. R. R. Tolkien.',
			'It works, i.e. fine.',
			'Fruits, etc. are good.',
			'Bring apples, pears, etc.',
			'Then go.'
		]);
	});

	it('waits for the next word after an abbreviation that may or may not end a sentence', () => {
		const splitter = new SentenceSplitter();
		expect(splitter.push('We bought pens, paper, etc. ')).toEqual([]);
		expect(splitter.push('and more.')).toEqual([]);
		expect(splitter.end()).toEqual(['We bought pens, paper, etc. and more.']);
	});

	it('ends at an ellipsis only when a new sentence starts after it', () => {
		expect(sentences('Well... maybe not. Wait… Then yes! Really?! Okay.')).toEqual([
			'Well... maybe not.',
			'Wait…',
			'Then yes!',
			'Really?!',
			'Okay.'
		]);
	});

	it('replaces code blocks with "Code block." and never reads the code', () => {
		expect(
			sentences(
				'Run this:\n\n```python\nprint("a. b. c.")\nx = 1\n```\n\nThen check it.\n~~~\nmore code. here\n~~~\nDone.'
			)
		).toEqual(['Run this:', 'Code block.', 'Then check it.', 'Code block.', 'Done.']);
	});

	it('an unclosed fence at the end swallows the rest', () => {
		expect(sentences('Look.\n```js\nconst a = 1. b\n')).toEqual(['Look.', 'Code block.']);
	});

	it('reads headings, list items and table rows as sentences of their own, without marks', () => {
		expect(
			sentences(
				'## Plan for today\n\n- first **bold** item\n- second item. It has two sentences\n1. numbered _one_\n2) numbered two\n\n| Name | Age |\n| --- | ---: |\n| Ann | 31 |\n\n> A quote. With two.\n\n---\n\nEnd'
			)
		).toEqual([
			'Plan for today.',
			'first bold item.',
			'second item.',
			'It has two sentences.',
			'numbered one.',
			'numbered two.',
			'Name, Age.',
			'Ann, 31.',
			'A quote.',
			'With two.',
			'End.'
		]);
	});

	it('joins the lines of a paragraph and ends it at a blank line', () => {
		expect(sentences('One line\nwraps here\n\nNew paragraph without a stop\n\nLast.')).toEqual([
			'One line wraps here.',
			'New paragraph without a stop.',
			'Last.'
		]);
	});

	it('reads links by their text and bare URLs by their host', () => {
		expect(
			sentences(
				'See [the docs](https://example.com/a.b?c=d) or https://www.svelte.dev/docs/kit/routing. Also <https://deepgram.com/x>. Image ![a cat](cat.png) here.'
			)
		).toEqual(['See the docs or svelte.dev.', 'Also deepgram.com.', 'Image a cat here.']);
	});

	it('drops inline marks: bold, italic, code, strike-through, HTML, escapes', () => {
		expect(
			speakable('**Bold** and *it* and __b__ and _i_ and `npm run` and ~~old~~ <b>x</b> \\*star\\*')
		).toBe('Bold and it and b and i and npm run and old x *star*');
		expect(speakable('snake_case_name stays')).toBe('snake_case_name stays');
		expect(speakable('2 * 3 * 4')).toBe('2 3 4');
	});

	it('ends a sentence after bold or quoted punctuation', () => {
		expect(sentences('**Note.** It matters. She said "go." Then left.')).toEqual([
			'Note.',
			'It matters.',
			'She said "go."',
			'Then left.'
		]);
	});

	it('cuts a very long run without punctuation at a pause or a space', () => {
		const words = Array.from({ length: 120 }, (_, i) => `word${i}`).join(' ');
		const out = sentences(words);
		expect(out.length).toBeGreaterThan(1);
		expect(out.every((sentence) => sentence.length <= 280)).toBe(true);
		expect(out.join(' ')).toBe(`${words}.`);
	});

	it('gives back nothing for a reply of only marks or code', () => {
		expect(sentences('***\n\n---\n')).toEqual([]);
		expect(sentences('```\nonly code\n```')).toEqual(['Code block.']);
	});
});

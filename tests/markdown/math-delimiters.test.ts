import { describe, expect, it } from 'vitest';
import { Marked } from 'marked';
import { mathExtension, mayHaveMath } from '$lib/markdown/math';

const marked = new Marked({ gfm: true }, mathExtension());
const html = (source: string) => marked.parse(source, { async: false }) as string;

/** The formulas found in `source`, as `inline:` or `display:` and their TeX. */
function formulas(source: string): string[] {
	const found: string[] = [];
	marked.walkTokens(marked.lexer(source), (token) => {
		if (token.type === 'math' || token.type === 'mathBlock')
			found.push(`${token.display ? 'display' : 'inline'}:${token.tex}`);
	});
	return found;
}

describe('math delimiters', () => {
	it('finds inline and display formulas in all four notations', () => {
		expect(formulas('Area $\\pi r^2$ and \\(e^{i\\pi}+1=0\\).')).toEqual([
			'inline:\\pi r^2',
			'inline:e^{i\\pi}+1=0'
		]);
		expect(
			formulas('$$\n\\int_0^1 x^2\\,dx = \\frac13\n$$\n\nthen \\[a^2+b^2=c^2\\] and $$x$$')
		).toEqual(['display:\\int_0^1 x^2\\,dx = \\frac13', 'display:a^2+b^2=c^2', 'display:x']);
		expect(formulas('\\[\n\\sum_{n=1}^\\infty \\frac{1}{n^2}\n\\]')).toEqual([
			'display:\\sum_{n=1}^\\infty \\frac{1}{n^2}'
		]);
		expect(formulas('one letter $x$, then $y$.')).toEqual(['inline:x', 'inline:y']);
	});

	it('leaves prices alone', () => {
		for (const text of [
			'It costs $5 and $10 with tax.',
			'Between $5-$10 a month',
			'$20, $30 or $45.99 each',
			'I have $ 5 and you have 10 $ left',
			'Paid $5.',
			'From $1,000 to $2,000'
		]) {
			expect(formulas(text), text).toEqual([]);
			expect(html(text), text).not.toContain('math-');
		}
		expect(formulas('It costs $5, but $x^2$ is math.')).toEqual(['inline:x^2']);
	});

	it('reads escaped dollars as dollar signs', () => {
		expect(formulas('\\$x\\$ is not math')).toEqual([]);
		expect(html('\\$x\\$')).toBe('<p>$x$</p>\n');
		expect(formulas('a \\$5 fee and $y$')).toEqual(['inline:y']);
		expect(formulas('$\\$5 + x$')).toEqual(['inline:\\$5 + x']);
	});

	it('leaves code spans and code blocks untouched', () => {
		expect(formulas('Run `echo $HOME $PATH` and `$x$`')).toEqual([]);
		expect(html('`$x$`')).toBe('<p><code>$x$</code></p>\n');
		expect(formulas('```sh\necho "$a" "$b$"\n$$\nx\n$$\n```')).toEqual([]);
		expect(formulas('    indented $x$ code')).toEqual([]);
		expect(formulas('$a `b$` c')).toEqual([]);
	});

	it('keeps a formula within its paragraph', () => {
		expect(formulas('$a\n\nb$')).toEqual([]);
		expect(formulas('$$\na\n\nb\n$$')).toEqual([]);
		expect(formulas('$a\nb$')).toEqual(['inline:a\nb']);
	});

	it('renders placeholders holding the TeX as escaped text', () => {
		expect(html('$a<b$')).toBe('<p><span class="math-inline">a&lt;b</span></p>\n');
		expect(html('$$\n<img src=x onerror=alert(1)>\n$$')).toBe(
			'<div class="math-display">&lt;img src=x onerror=alert(1)&gt;</div>\n'
		);
	});

	it('tells whether a text may hold math at all', () => {
		expect(mayHaveMath('plain text')).toBe(false);
		expect(mayHaveMath('a $x$')).toBe(true);
		expect(mayHaveMath('\\(x\\)')).toBe(true);
	});
});

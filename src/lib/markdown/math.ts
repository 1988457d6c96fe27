import type { MarkedExtension, Tokens } from 'marked';
import { escapeHtml } from './highlight';

/**
 * Math in replies: `$…$` and `\(…\)` inline, `$$…$$` and `\[…\]` displayed. The lexer only finds
 * the formulas; each becomes a placeholder holding its TeX as text (`span.math-inline`,
 * `span|div.math-display`), which KaTeX replaces once it has loaded (katex.ts), so the lexer costs
 * nothing extra for replies without math and KaTeX is only fetched for those with some.
 *
 * The `$` rules are Pandoc's, so prices are left alone: an opening `$` is followed by a non-space,
 * a closing `$` follows a non-space and is not followed by a digit or letter ("$5 and $10" is
 * text). `\$` is a dollar sign. A formula never runs into a code span (no backtick inside) and
 * never spans a blank line: a reply is rendered block by block, and a block ends there.
 */

export interface MathToken extends Tokens.Generic {
	type: 'math' | 'mathBlock';
	raw: string;
	tex: string;
	display: boolean;
}

/** `$x$`: Pandoc's rule; the content may hold `\$` but no `$`, backtick or blank line. */
const INLINE_DOLLAR =
	/^\$(?![\s$])((?:\\[^\n]|[^\\$`\n]|\n(?!\s*\n))*?[^\s\\$])\$(?![\p{L}\p{N}])/u;
const INLINE_DOLLAR_ONE = /^\$([^\s\\$`])\$(?![\p{L}\p{N}])/u;
/** `$$x$$` inside a line of text: shown as a display formula. */
const INLINE_DISPLAY = /^\$\$((?:\\[^\n]|[^\\$`\n]|\n(?!\s*\n))+?)\$\$/;
/** `\(x\)` and `\[x\]`: the closing delimiter cannot be escaped, so any `\)` ends it. */
const INLINE_PAREN = /^\\\(((?:[^\n]|\n(?!\s*\n))+?)\\\)/;
const INLINE_BRACKET = /^\\\[((?:[^\n]|\n(?!\s*\n))+?)\\\]/;

/** A display formula as a block of its own: `$$` or `\[` opening a line, closed on a later or the same line. */
const BLOCK_DOLLAR = /^ {0,3}\$\$((?:[^\n$]|\$(?!\$)|\n(?![ \t]*\n))+?)\$\$[ \t]*(?:\n+|$)/;
const BLOCK_BRACKET = /^ {0,3}\\\[((?:[^\n]|\n(?![ \t]*\n))+?)\\\][ \t]*(?:\n+|$)/;

/** Where the next formula could begin in `src`: a `$` not escaped, `\(` or `\[`. */
function nextStart(src: string): number | undefined {
	for (let i = 0; i < src.length; i++) {
		const char = src[i];
		if (char === '\\') {
			const next = src[i + 1];
			if (next === '(' || next === '[') return i;
			i++; // an escaped character, `\$` among them
		} else if (char === '$') return i;
	}
	return undefined;
}

function token(
	raw: string,
	tex: string,
	display: boolean,
	type: MathToken['type'] = 'math'
): MathToken {
	return { type, raw, tex: tex.trim(), display };
}

/** The marked extension: formulas become placeholders holding their TeX. */
export function mathExtension(): MarkedExtension {
	return {
		extensions: [
			{
				name: 'mathBlock',
				level: 'block',
				start: (src) => {
					const match = /^ {0,3}(?:\$\$|\\\[)/m.exec(src);
					return match?.index;
				},
				tokenizer(src) {
					const match = BLOCK_DOLLAR.exec(src) ?? BLOCK_BRACKET.exec(src);
					if (match && match[1].trim()) return token(match[0], match[1], true, 'mathBlock');
					return undefined;
				},
				renderer: (t) => `<div class="math-display">${escapeHtml((t as MathToken).tex)}</div>\n`
			},
			{
				name: 'math',
				level: 'inline',
				start: nextStart,
				tokenizer(src) {
					let match = INLINE_DISPLAY.exec(src);
					if (match && match[1].trim()) return token(match[0], match[1], true);
					if (src.startsWith('$$')) return undefined;
					match = INLINE_DOLLAR_ONE.exec(src) ?? INLINE_DOLLAR.exec(src);
					if (match) return token(match[0], match[1], false);
					match = INLINE_PAREN.exec(src);
					if (match && match[1].trim()) return token(match[0], match[1], false);
					match = INLINE_BRACKET.exec(src);
					if (match && match[1].trim()) return token(match[0], match[1], true);
					return undefined;
				},
				renderer(t) {
					const { tex, display } = t as MathToken;
					return `<span class="math-${display ? 'display' : 'inline'}">${escapeHtml(tex)}</span>`;
				}
			}
		]
	};
}

/** Whether `text` could hold a formula at all (cheap: decides whether KaTeX is worth loading). */
export function mayHaveMath(text: string): boolean {
	return /\$|\\\(|\\\[/.test(text);
}

/** The placeholders math rendering looks for (their TeX is their text). */
export const MATH_SELECTOR = '.math-inline, .math-display';

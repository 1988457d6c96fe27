/**
 * Whether a run of HTML leaves the parser where it started: every element it opened closed
 * again, no tag, comment or raw-text element (script, textarea…) left open. Blocks of a reply are
 * sanitized and shown one by one (blocks.ts); that gives the same tree as parsing the whole reply
 * only when each block is balanced. A raw `<details>` or `<b>` a model opens in one block and
 * closes three blocks later makes those blocks one.
 *
 * A small model of the HTML tokenizer and tree builder: it may take balanced HTML for
 * unbalanced (the blocks are then joined, which costs time, not correctness), and errs the
 * other way only on HTML no model writes by accident.
 */

const VOID = new Set([
	'area',
	'base',
	'basefont',
	'bgsound',
	'br',
	'col',
	'embed',
	'frame',
	'hr',
	'image',
	'img',
	'input',
	'keygen',
	'link',
	'meta',
	'param',
	'source',
	'track',
	'wbr'
]);

/** Elements whose content is text up to their end tag (in HTML, not inside SVG or MathML). */
const RAW_TEXT = new Set([
	'script',
	'style',
	'xmp',
	'iframe',
	'noembed',
	'noframes',
	'textarea',
	'title'
]);

/** Start tags that close an open <p> (outside a button). */
const CLOSES_P = new Set([
	'address',
	'article',
	'aside',
	'blockquote',
	'center',
	'details',
	'dialog',
	'dir',
	'div',
	'dl',
	'fieldset',
	'figcaption',
	'figure',
	'footer',
	'form',
	'h1',
	'h2',
	'h3',
	'h4',
	'h5',
	'h6',
	'header',
	'hgroup',
	'hr',
	'listing',
	'main',
	'menu',
	'nav',
	'ol',
	'p',
	'pre',
	'search',
	'section',
	'summary',
	'table',
	'ul'
]);

type Mode = 'data' | 'comment' | 'bogus' | 'cdata' | 'raw' | 'plaintext';

/** A tag from `<` to `>`; quoted attribute values may hold `>`. */
const TAG = /<(\/?)([a-zA-Z][^\s/>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/y;

export class HtmlBalance {
	#open = new Map<string, number>();
	#depth = 0;
	#mode: Mode = 'data';
	/** The element whose end tag ends raw text. */
	#rawEnd = '';
	/** The unfinished construct at the end of what was fed, scanned again with what follows. */
	#rest = '';

	/** Nothing is open: what follows starts where the parser started. */
	get balanced(): boolean {
		return this.#mode === 'data' && this.#depth === 0 && this.#rest === '';
	}

	#count(name: string): number {
		return this.#open.get(name) ?? 0;
	}

	#add(name: string, by: number): void {
		const before = this.#count(name);
		const after = Math.max(0, before + by);
		this.#open.set(name, after);
		this.#depth += after - before;
	}

	get #foreign(): boolean {
		return this.#count('svg') + this.#count('math') > 0;
	}

	feed(html: string): void {
		const text = this.#rest + html;
		this.#rest = '';
		let i = 0;
		while (i < text.length) {
			switch (this.#mode) {
				case 'plaintext':
					return;
				case 'comment': {
					const end = /--!?>/g;
					end.lastIndex = i;
					const match = end.exec(text);
					if (!match) return this.#keep(text, Math.max(i, text.length - 3));
					i = match.index + match[0].length;
					this.#mode = 'data';
					break;
				}
				case 'bogus': {
					const end = text.indexOf('>', i);
					if (end < 0) return;
					i = end + 1;
					this.#mode = 'data';
					break;
				}
				case 'cdata': {
					const end = text.indexOf(']]>', i);
					if (end < 0) return this.#keep(text, Math.max(i, text.length - 2));
					i = end + 3;
					this.#mode = 'data';
					break;
				}
				case 'raw': {
					const end = new RegExp(`</${this.#rawEnd}[\\s/>]`, 'gi');
					end.lastIndex = i;
					const match = end.exec(text);
					if (!match) return this.#keep(text, Math.max(i, text.length - this.#rawEnd.length - 2));
					this.#mode = 'data';
					i = match.index; // the end tag itself is read as a tag
					break;
				}
				case 'data': {
					const lt = text.indexOf('<', i);
					if (lt < 0) return;
					if (lt + 1 >= text.length) return this.#keep(text, lt);
					const next = text[lt + 1];
					if (text.startsWith('<!--', lt)) {
						if (text.startsWith('<!-->', lt)) i = lt + 5;
						else if (text.startsWith('<!--->', lt)) i = lt + 6;
						else {
							this.#mode = 'comment';
							i = lt + 4;
						}
					} else if (next === '!' || next === '?') {
						if (text.length - lt < 9 && '<![CDATA['.startsWith(text.slice(lt)))
							return this.#keep(text, lt);
						if (this.#foreign && text.startsWith('<![CDATA[', lt)) {
							this.#mode = 'cdata';
							i = lt + 9;
						} else {
							this.#mode = 'bogus';
							i = lt + 2;
						}
					} else if (next === '/' && lt + 2 >= text.length) {
						return this.#keep(text, lt);
					} else if (next === '/' && !/[a-zA-Z]/.test(text[lt + 2])) {
						if (text[lt + 2] === '>') i = lt + 3;
						else {
							this.#mode = 'bogus';
							i = lt + 2;
						}
					} else if (/[a-zA-Z/]/.test(next)) {
						TAG.lastIndex = lt;
						const tag = TAG.exec(text);
						if (!tag) return this.#keep(text, lt);
						this.#tag(tag[1] === '/', tag[2].toLowerCase(), tag[3].endsWith('/'));
						i = lt + tag[0].length;
					} else i = lt + 1;
					break;
				}
			}
		}
	}

	#keep(text: string, from: number): void {
		this.#rest = text.slice(from);
	}

	#tag(end: boolean, name: string, selfClosing: boolean): void {
		if (end) {
			this.#add(name, -1);
			return;
		}
		const foreign = this.#foreign;
		if (VOID.has(name) || (foreign && selfClosing)) return;
		if (!foreign && CLOSES_P.has(name) && this.#count('button') === 0) this.#add('p', -1);
		this.#add(name, 1);
		if (foreign) return;
		if (RAW_TEXT.has(name)) {
			this.#mode = 'raw';
			this.#rawEnd = name;
		} else if (name === 'plaintext') this.#mode = 'plaintext';
	}
}

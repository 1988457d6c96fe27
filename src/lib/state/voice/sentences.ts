/**
 * Streaming markdown → speakable sentences, for reading a reply aloud while it streams.
 *
 * `push(chunk)` takes the reply as it arrives and returns the sentences it completed; `end()`
 * returns what was left. A sentence is given back as soon as its end is certain (the punctuation
 * and the space after it), so speech can start long before the reply ends. Lines decide the
 * block: a code fence becomes "Code block." (its code is never read), headings, list items and
 * table rows are sentences of their own (given a full stop so the voice pauses), a blank line ends
 * a paragraph. Inline marks (`**`, `_`, `` ` ``, `~~`, links, HTML) are dropped, links read by
 * their text and bare URLs by their host.
 */

/** Words whose full stop never ends a sentence. */
const NEVER_END = new Set([
	'mr',
	'mrs',
	'ms',
	'dr',
	'prof',
	'sr',
	'jr',
	'st',
	'vs',
	'cf',
	'fig',
	'figs',
	'no',
	'nos',
	'approx',
	'e.g',
	'i.e',
	'eg',
	'ie',
	'viz',
	'al',
	'inc',
	'ltd',
	'co',
	'corp',
	'dept',
	'est',
	'vol',
	'p',
	'pp',
	'ca',
	'mt',
	'ft',
	'jan',
	'feb',
	'mar',
	'apr',
	'jun',
	'jul',
	'aug',
	'sep',
	'sept',
	'oct',
	'nov',
	'dec'
]);
/** Abbreviations that end a sentence only when a capital follows ("…, etc. Then"). */
const END_IF_CAPITAL = new Set(['etc', 'u.s', 'u.k', 'a.m', 'p.m']);

/** Past this many characters without a sentence end, the text is cut at a pause or a space. */
const MAX_SENTENCE = 280;

const FENCE = /^\s{0,3}(`{3,}|~{3,})/;
const HEADING = /^\s{0,3}#{1,6}(?:\s+|$)(.*?)(?:\s+#+\s*)?$/;
const LIST_ITEM = /^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[[ xX]\]\s+)?/;
const QUOTE = /^\s{0,3}(?:>\s?)+/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const TABLE_ROW = /^\s*\|.*\|\s*$/;
const TABLE_RULE = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

export class SentenceSplitter {
	/** the line being received (no newline yet) */
	#line = '';
	/** how much of #line has moved into #prose already */
	#lineTaken = 0;
	/** prose of the current paragraph not yet given back (raw markdown) */
	#prose = '';
	#fence: string | null = null;

	push(chunk: string): string[] {
		const out: string[] = [];
		this.#line += chunk.replace(/\r\n?/g, '\n');
		let newline: number;
		while ((newline = this.#line.indexOf('\n')) >= 0) {
			const line = this.#line.slice(0, newline);
			const taken = this.#lineTaken;
			this.#line = this.#line.slice(newline + 1);
			this.#lineTaken = 0;
			this.#completeLine(line, taken, out);
		}
		this.#partialLine(out);
		return out;
	}

	/** The reply ended: whatever is left is the last sentence. */
	end(): string[] {
		const out: string[] = [];
		if (this.#line) {
			const line = this.#line;
			const taken = this.#lineTaken;
			this.#line = '';
			this.#lineTaken = 0;
			this.#completeLine(line, taken, out);
		}
		this.#endParagraph(out);
		this.#fence = null;
		return out;
	}

	#completeLine(line: string, taken: number, out: string[]) {
		if (this.#fence !== null) {
			const close = line.match(FENCE);
			if (close && close[1][0] === this.#fence[0] && close[1].length >= this.#fence.length) {
				if (!line.slice(close[0].length).trim()) this.#fence = null;
			}
			return;
		}
		if (taken > 0) {
			// Part of this prose line was taken already: the rest continues it.
			this.#addProse(line.slice(taken), out, false);
			return;
		}
		const fence = line.match(FENCE);
		if (fence) {
			this.#endParagraph(out);
			out.push('Code block.');
			this.#fence = fence[1];
			return;
		}
		if (!line.trim() || RULE.test(line)) return this.#endParagraph(out);
		const heading = line.match(HEADING);
		if (heading) {
			this.#endParagraph(out);
			this.#emit(heading[1], out, true);
			return;
		}
		if (TABLE_ROW.test(line)) {
			this.#endParagraph(out);
			if (!TABLE_RULE.test(line)) {
				const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|');
				this.#emit(
					cells
						.map((cell) => cell.trim())
						.filter(Boolean)
						.join(', '),
					out,
					true
				);
			}
			return;
		}
		const item = line.match(LIST_ITEM);
		if (item) {
			this.#endParagraph(out);
			this.#addProse(line.slice(item[0].length), out);
			return;
		}
		this.#addProse(line.replace(QUOTE, ''), out);
	}

	/**
	 * The line still arriving: once its start shows it is prose (or a list item, a quote), the
	 * sentences it completes go out now rather than at its newline.
	 */
	#partialLine(out: string[]) {
		if (this.#fence !== null) return;
		const line = this.#line;
		if (this.#lineTaken === 0) {
			const start = line.trimStart();
			// Not yet known what the line is: a fence, heading, table, rule or list marker may follow.
			if (start.length < 4 || /^[`~#|>*+_-]|^\d/.test(start)) return;
		}
		const rest = line.slice(this.#lineTaken);
		if (!rest) return;
		const newLine = this.#lineTaken === 0;
		this.#lineTaken = line.length;
		this.#addProse(rest, out, newLine, false);
	}

	/**
	 * Prose into the paragraph: a line, or part of one (`newLine`: its start; `lineEnds`: its end).
	 * Soft line breaks read as spaces.
	 */
	#addProse(text: string, out: string[], newLine = true, lineEnds = true) {
		if (newLine && this.#prose && !/\s$/.test(this.#prose)) this.#prose += ' ';
		this.#prose += text;
		if (lineEnds) this.#prose += ' ';
		this.#takeSentences(out);
	}

	#takeSentences(out: string[]) {
		for (;;) {
			const end = sentenceEnd(this.#prose);
			if (end < 0) break;
			this.#emit(this.#prose.slice(0, end), out);
			this.#prose = this.#prose.slice(end).trimStart();
		}
		while (this.#prose.length > MAX_SENTENCE) {
			const cut = breakPoint(this.#prose);
			this.#emit(this.#prose.slice(0, cut), out);
			this.#prose = this.#prose.slice(cut).trimStart();
		}
	}

	#endParagraph(out: string[]) {
		if (this.#prose.trim()) this.#emit(this.#prose, out, true);
		this.#prose = '';
	}

	#emit(raw: string, out: string[], block = false) {
		let text = speakable(raw);
		if (!/[\p{L}\p{N}]/u.test(text)) return;
		if (block && !/[.!?…:;]["')\]]*$/.test(text)) text += '.';
		out.push(text);
	}
}

/**
 * Where the first certain sentence end in `text` is (the index after its punctuation and closing
 * marks), or -1. Certain means the space after it has arrived and no rule keeps it going.
 */
export function sentenceEnd(text: string): number {
	const pattern = /([.!?]+|…)(["'”’)\]*_`]*)(\s+)/g;
	let match: RegExpExecArray | null;
	while ((match = pattern.exec(text))) {
		const end = match.index + match[1].length + match[2].length;
		const after = text.slice(end + match[3].length);
		const next = after[0];
		const punctuation = match[1];
		if (punctuation === '.') {
			const word = (text.slice(0, match.index).match(/([\p{L}.]+)$/u)?.[1] ?? '').toLowerCase();
			if (NEVER_END.has(word)) continue;
			// An initial ("J. Smith") or a one-letter abbreviation.
			if (/^\p{L}$/u.test(word) && match[2] === '') continue;
			if (END_IF_CAPITAL.has(word) || /^(\p{L}\.)+\p{L}$/u.test(word)) {
				if (next === undefined) return -1; // wait for the next word
				if (!/\p{Lu}/u.test(next)) continue;
			}
			// An ordinal or a numbered step inside a sentence ("the 2. item") is rare; a number ends it.
		}
		if (punctuation === '…' || /^\.{2,}$/.test(punctuation)) {
			if (next === undefined) return -1;
			if (!/[\p{Lu}\p{N}]/u.test(next)) continue; // "wait… what" goes on
		}
		return end;
	}
	return -1;
}

/** Where to cut a sentence that has run too long: after a pause mark, else at a space. */
function breakPoint(text: string): number {
	const head = text.slice(0, MAX_SENTENCE);
	const pause = Math.max(head.lastIndexOf(', '), head.lastIndexOf('; '), head.lastIndexOf(': '));
	if (pause > MAX_SENTENCE / 3) return pause + 1;
	const space = head.lastIndexOf(' ');
	return space > 0 ? space : MAX_SENTENCE;
}

/** Where escaped ASCII characters are parked while the marks go (the Private Use Area). */
const ESCAPED = 0xe000;

/** Markdown inline marks out, links by their text, URLs by their host, spaces collapsed. */
export function speakable(raw: string): string {
	// Escaped characters are kept aside, so no rule below takes them for marks.
	const escaped = raw.replace(/\\([\\`*_{}[\]()#+\-.!|~<>])/g, (_, char: string) =>
		String.fromCharCode(ESCAPED + char.charCodeAt(0))
	);
	return (
		escaped
			// images: their description, if any
			.replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
			// [text](url) and [text][ref]
			.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
			.replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
			// footnote references
			.replace(/\[\^[^\]]+\]/g, '')
			// <https://…> and bare URLs: the host is what a listener can use
			.replace(/<(https?:\/\/[^>\s]+)>/g, '$1')
			.replace(/\bhttps?:\/\/(?:www\.)?([^/\s?#)]+)[^\s)]*/g, (url, host: string) => {
				// The sentence's own punctuation after the URL stays.
				return host.replace(/[.,;:!?]+$/, '') + (url.match(/[.,;:!?]+$/)?.[0] ?? '');
			})
			// HTML tags
			.replace(/<\/?[a-zA-Z][^>]*>/g, '')
			// inline code: its text, without the backticks
			.replace(/`+([^`]*)`+/g, '$1')
			// bold, italic, strike-through
			.replace(/(\*\*|__|~~)(?=\S)([\s\S]*?\S)\1/g, '$2')
			.replace(/(^|[^\p{L}\p{N}])[*_](?=\S)([^*_]*?\S)[*_](?![\p{L}\p{N}])/gu, '$1$2')
			.replace(/\*\*|~~|(^|\s)[*_]+(?=\s|$)/g, '$1')
			.replace(/[\uE000-\uE07F]/g, (char) => String.fromCharCode(char.charCodeAt(0) - ESCAPED))
			.replace(/\s+/g, ' ')
			.trim()
	);
}

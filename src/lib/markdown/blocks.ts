import type { Links, Token } from 'marked';
import { HtmlBalance } from './html-balance';
import { lexMarkdown, sanitizeBlocks, tokensToHtml, walkTokens } from './render';

/**
 * A reply rendered block by block into `root`, so that a reply being written costs the page only
 * its last block per frame. The blocks are marked's top-level tokens: one is finished once the
 * lexer shows the next one started, and from then on it is parsed, sanitized and highlighted
 * once, and its DOM nodes stay where they are (a selection in it, or its code block's Copy
 * button, live on while the reply streams). Only the block being written is rendered again.
 *
 * `finish()` makes the result exactly what renderMarkdown() gives for the whole text: what
 * streaming got wrong in the meantime (a definition whose title was still coming, a list that
 * went on after a paragraph began) is rendered again there, and nothing else.
 *
 * The same rules as renderMarkdown hold for every block (it is the same sanitizer, run on each
 * block's HTML): a raw tag or image split across chunks is only ever seen whole or as text.
 */

interface Block {
	/** The source the block was rendered from (its tokens' raw text, joined). */
	raw: string;
	/** marked's HTML for it (before sanitizing): the block changes when this does. */
	html: string;
	nodes: Node[];
	/** The definitions its tokens were read with (linksKey). */
	links?: string;
}

interface Group {
	tokens: Token[];
	raw: string;
	html: string;
}

/** A list item that has only begun: `-`, `12.`, `3)` alone on its line could still become one. */
const LIST_ITEM_START = /^ {0,3}(?:[-+*]|\d{1,9}[.)]?)[ \t]*\n?$/;

const linksKey = (links: Links) => {
	for (const _ in links) return JSON.stringify(links);
	return '';
};

const mayUseDefinition = (raw: string) => raw.includes('[');

function hasRawHtml(tokens: Token[]): boolean {
	let found = false;
	walkTokens(tokens, (token) => {
		if (token.type === 'html') found = true;
	});
	return found;
}

/** marked's HTML for a token already rendered, found by where it starts in the text. */
type KnownHtml = (token: Token, offset: number) => string | undefined;

/**
 * Joins tokens into groups of balanced HTML (nearly always one token each). Tokens after the last
 * balanced group are returned as `rest`: raw HTML still open, which the next tokens may close.
 */
function group(
	tokens: Token[],
	{ known, streaming = false }: { known?: KnownHtml; streaming?: boolean } = {}
): { groups: Group[]; rest: Token[] } {
	const groups: Group[] = [];
	let start = 0;
	let offset = 0;
	let html = '';
	let balance: HtmlBalance | undefined;
	for (let i = 0; i < tokens.length; i++) {
		const token = tokens[i];
		const part = known?.(token, offset) ?? tokensToHtml([token], { streaming });
		offset += token.raw.length;
		html += part;
		if (balance || (token.raw.includes('<') && hasRawHtml([token]))) {
			balance ??= new HtmlBalance();
			balance.feed(part);
			if (!balance.balanced) continue;
			balance = undefined;
		}
		const members = tokens.slice(start, i + 1);
		groups.push({ tokens: members, raw: members.map((t) => t.raw).join(''), html });
		start = i + 1;
		html = '';
	}
	return { groups, rest: tokens.slice(start) };
}

/**
 * How many of `tokens` (the text after the finished blocks) are finished: all but the last
 * block (and the blank lines after it), less a list or definition the last block may still
 * become part of.
 */
function finishedCount(tokens: Token[]): number {
	let last = tokens.length - 1;
	while (last >= 0 && tokens[last].type === 'space') last--;
	if (last <= 0) return 0;
	let previous = last - 1;
	while (previous >= 0 && tokens[previous].type === 'space') previous--;
	if (previous < 0) return last;
	const before = tokens[previous];
	const current = tokens[last].raw;
	// `1. a\n\n2` – the `2` may be the list's next item; `[a]: /x\n'ti` – the title of the definition.
	if (before.type === 'list' && LIST_ITEM_START.test(current)) return previous;
	if (
		before.type === 'def' &&
		previous === last - 1 &&
		/^[ \t]*["'(]/.test(current) &&
		!current.includes('\n')
	)
		return previous;
	return last;
}

/**
 * The most source text one frame renders into finished blocks: about a screenful. A reply opened
 * while it is being written arrives with everything so far at once; rendered in one frame, a long
 * one would block the page (20 kB of markdown: some 50 ms). It is shown over a few frames instead.
 */
const FRAME_BUDGET = 6_000;

/** How many of the first `count` tokens fit in FRAME_BUDGET (at least one). */
function withinBudget(tokens: Token[], count: number): number {
	let size = 0;
	for (let i = 0; i < count; i++) {
		size += tokens[i].raw.length;
		if (size > FRAME_BUDGET) return Math.max(1, i);
	}
	return count;
}

export class MarkdownBlocks {
	#root: HTMLElement;
	readonly #origin: string;
	/** Every block shown, in order; their nodes are root's children, in the same order. */
	#blocks: Block[] = [];
	/** How many of them are finished; the rest (at most one while streaming) is live. */
	#finished = 0;
	/** The finished blocks' source, joined: what the text must still start with. */
	#finishedText = '';
	/** The finished blocks' reference definitions. */
	#links: Links = Object.create(null);
	#source = '';
	#complete = false;
	/** Finished blocks are still to be rendered (see stream). */
	#behind = false;

	constructor(root: HTMLElement, origin = location.origin) {
		this.#root = root;
		this.#origin = origin;
	}

	/** The text shown, and whether it is shown as complete (finish) rather than streaming. */
	get source(): string {
		return this.#source;
	}
	get complete(): boolean {
		return this.#complete;
	}

	/** Moves what is shown into another element (a new component taking over the reply). */
	moveTo(root: HTMLElement): void {
		for (const block of this.#blocks) root.append(...block.nodes);
		this.#root = root;
	}

	/**
	 * Shows `text`, which is still being written: only the blocks that changed are rendered.
	 * True when it rendered only part of what has finished (a reply opened while it was being
	 * written arrives all at once): call again on the next frame, until false.
	 */
	stream(text: string): boolean {
		const source = normalize(text);
		if (source === this.#source && !this.#complete && !this.#behind) return false;
		if (!source.startsWith(this.#finishedText)) this.#clear();
		this.#source = source;
		this.#complete = false;

		const tokens = lexMarkdown(source.slice(this.#finishedText.length), this.#links);
		const finished = finishedCount(tokens);
		const budget = withinBudget(tokens, finished);
		let { groups } = group(tokens.slice(0, budget), { streaming: true });
		// Behind: the rest waits for the next frames, and the block being written with it.
		this.#behind = budget < finished;
		if (this.#behind && !groups.length) {
			// Raw HTML left open longer than the budget: all of it now, as it has to be one block.
			({ groups } = group(tokens.slice(0, finished), { streaming: true }));
			this.#behind = false;
		}
		const done = groups.reduce((count, g) => count + g.tokens.length, 0);
		const live = this.#behind ? [] : tokens.slice(done);
		const liveHtml = tokensToHtml(live, { streaming: true, live: true });
		const old = this.#blocks.splice(this.#finished);
		if (!groups.length && old.length === 1 && old[0].html === liveHtml) {
			// The text grew by blank space only, or by nothing visible yet.
			old[0].raw = live.map((t) => t.raw).join('');
			this.#blocks.push(old[0]);
			return false;
		}
		for (const block of old) for (const node of block.nodes) (node as ChildNode).remove();

		// The blocks that just finished, then the block being written: sanitized together.
		const htmls = groups.map((g) => g.html);
		if (live.length) htmls.push(liveHtml);
		const nodes = htmls.length ? sanitizeBlocks(htmls, this.#origin) : [];
		const seen = linksKey(tokens.links);
		for (const [index, g] of groups.entries()) {
			this.#append({ raw: g.raw, html: g.html, nodes: nodes[index], links: seen });
			this.#finished++;
			this.#finishedText += g.raw;
			this.#learn(g.tokens);
		}
		if (live.length)
			this.#append({
				raw: live.map((t) => t.raw).join(''),
				html: liveHtml,
				nodes: nodes[groups.length],
				links: seen
			});
		if (groups.length) this.#relink();
		return this.#behind;
	}

	/**
	 * Shows `text` complete: the same DOM as renderMarkdown(text), keeping every block whose HTML
	 * it already shows (so a finished stream changes only what it got wrong, if anything).
	 */
	finish(text: string): void {
		const source = normalize(text);
		if (source === this.#source && this.#complete) return;
		const tokens = lexMarkdown(source);
		const { groups, rest } = group(tokens, { known: this.#finishedHtml(linksKey(tokens.links)) });
		// Raw HTML left open at the end is one block, parsed as it is at the end of a whole document.
		if (rest.length)
			groups.push({ tokens: rest, raw: rest.map((t) => t.raw).join(''), html: tokensToHtml(rest) });
		this.#reconcile(groups);
		this.#source = source;
		this.#complete = true;
		// Should the text grow again, the blocks stream() would call live are live again.
		const finished = finishedCount(tokens);
		let count = 0;
		for (let used = 0; count < groups.length; count++) {
			used += groups[count].tokens.length;
			if (used > finished) break;
		}
		this.#finished = count;
		this.#finishedText = groups
			.slice(0, count)
			.map((g) => g.raw)
			.join('');
		this.#links = Object.create(null);
		for (const g of groups.slice(0, count)) this.#learn(g.tokens);
		const seen = linksKey(tokens.links);
		for (const block of this.#blocks) block.links = seen;
	}

	/**
	 * The HTML of the finished blocks that the whole text's tokens repeat: the same source at the
	 * same place, read with the same definitions (or naming none), renders the same. A finished
	 * stream so costs lexing the text once, not rendering and highlighting all of it again.
	 */
	#finishedHtml(links: string): KnownHtml {
		const known = new Map<number, Block>();
		let offset = 0;
		for (const block of this.#blocks.slice(0, this.#finished)) {
			// (Code shown plain for now is rendered as the whole text has it: highlighted.)
			const same = block.links === links || !mayUseDefinition(block.raw);
			if (same && !block.html.includes(' unhighlighted')) known.set(offset, block);
			offset += block.raw.length;
		}
		return (token, at) => {
			const block = known.get(at);
			return block?.raw === token.raw ? block.html : undefined;
		};
	}

	/**
	 * Replaces the blocks by `groups`, keeping the nodes of those whose HTML is unchanged: the
	 * ones at the start and at the end, and between them those at the same place in the text (a
	 * finished stream that got one block wrong renders that one again, not all that follows it).
	 */
	#reconcile(groups: Group[]): void {
		const old = this.#blocks;
		let head = 0;
		while (head < old.length && head < groups.length && old[head].html === groups[head].html)
			head++;
		let tail = 0;
		while (
			tail < old.length - head &&
			tail < groups.length - head &&
			old[old.length - 1 - tail].html === groups[groups.length - 1 - tail].html
		)
			tail++;

		const oldAt = new Map<number, Block>();
		let offset = 0;
		for (const [index, block] of old.entries()) {
			if (index >= head && index < old.length - tail) oldAt.set(offset, block);
			offset += block.raw.length;
		}
		const changed = groups.slice(head, groups.length - tail);
		offset = groups.slice(0, head).reduce((length, g) => length + g.raw.length, 0);
		const same = changed.map((g) => {
			const block = oldAt.get(offset);
			offset += g.raw.length;
			return block?.html === g.html ? block : undefined;
		});
		const staying = new Set(same);
		for (const block of old.slice(head, old.length - tail))
			if (!staying.has(block)) for (const node of block.nodes) (node as ChildNode).remove();

		const fresh = changed.filter((_, index) => !same[index]);
		const nodes = fresh.length
			? sanitizeBlocks(
					fresh.map((g) => g.html),
					this.#origin
				)
			: [];
		const middle: Block[] = [];
		for (const [index, g] of changed.entries())
			middle.push(same[index] ?? { raw: g.raw, html: g.html, nodes: nodes.shift()! });
		// From the end: each new block goes in before the first node after it.
		const kept = old.slice(old.length - tail);
		let anchor = kept.find((block) => block.nodes.length)?.nodes[0] ?? null;
		for (const [index, block] of [...middle.entries()].reverse()) {
			if (!same[index]) for (const node of block.nodes) this.#root.insertBefore(node, anchor);
			anchor = block.nodes[0] ?? anchor;
		}
		this.#blocks = [...old.slice(0, head), ...middle, ...kept];
		for (const [index, block] of this.#blocks.entries()) block.raw = groups[index].raw;
	}

	#append(block: Block): void {
		this.#root.append(...block.nodes);
		this.#blocks.push(block);
	}

	/** Adds the definitions in finished tokens (the first of a name wins). */
	#learn(tokens: Token[]): void {
		walkTokens(tokens, (token) => {
			if (token.type === 'def' && !(token.tag in this.#links))
				this.#links[token.tag] = { href: token.href, title: token.title };
		});
	}

	/**
	 * Renders again the finished blocks that may name a definition they were not rendered with
	 * (`[text][name]` before `[name]: url`, as in a whole document); the others stay as they are.
	 */
	#relink(): void {
		const key = linksKey(this.#links);
		for (let index = 0; index < this.#finished; index++) {
			const block = this.#blocks[index];
			if (block.links === key) continue;
			block.links = key;
			if (!mayUseDefinition(block.raw)) continue;
			const html = tokensToHtml(lexMarkdown(block.raw, this.#links), { streaming: true });
			if (html === block.html) continue;
			const [nodes] = sanitizeBlocks([html], this.#origin);
			const anchor = block.nodes[0] ?? this.#nextNode(index);
			for (const node of nodes) this.#root.insertBefore(node, anchor);
			for (const node of block.nodes) (node as ChildNode).remove();
			block.html = html;
			block.nodes = nodes;
		}
	}

	#nextNode(index: number): Node | null {
		for (const block of this.#blocks.slice(index + 1))
			if (block.nodes.length) return block.nodes[0];
		return null;
	}

	#clear(): void {
		this.#behind = false;
		for (const block of this.#blocks) for (const node of block.nodes) (node as ChildNode).remove();
		this.#blocks = [];
		this.#finished = 0;
		this.#finishedText = '';
		this.#links = Object.create(null);
	}
}

/** As marked reads it (its offsets are what the blocks are cut by). */
function normalize(text: string): string {
	return text.includes('\r') ? text.replace(/\r\n|\r/g, '\n') : text;
}

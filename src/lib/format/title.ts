const MAX_TITLE = 60;

/** `**` or `__` before something other than a space: where a bold span may start. */
const OPENER = /(\*\*|__)(?=[^ ])/g;

/**
 * The first closing `marker` (one not after a space) at or after a position. The positions asked
 * for only grow, so each search starts where the last one ended: one pass over the line.
 */
function closerAfter(line: string, marker: string): (from: number) => number {
	let found = -1; // the last closer found; line.length once there is none left
	return (from) => {
		if (found < from) {
			let at = line.indexOf(marker, from);
			while (at > 0 && line[at - 1] === ' ') at = line.indexOf(marker, at + 1);
			found = at < 0 ? line.length : at;
		}
		return found < line.length ? found : -1;
	};
}

/**
 * `**bold**` and `__bold__` without their markers, as `/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g` would
 * (the line's only white space is a single space), in linear time: that pattern rescanned the
 * rest of the line from every unpaired marker, so a long message of `**a ` took seconds.
 */
function unbold(line: string): string {
	const closer = { '**': closerAfter(line, '**'), __: closerAfter(line, '__') };
	// A marker with no closer left cannot pair any more; with neither left, the rest stays as is.
	const spent = new Set(Object.keys(closer).filter((marker) => !line.includes(marker)));
	let out = '';
	let copied = 0;
	OPENER.lastIndex = 0;
	for (let open; spent.size < 2 && (open = OPENER.exec(line));) {
		const close = closer[open[1] as keyof typeof closer](open.index + 3);
		if (close < 0) {
			spent.add(open[1]);
			OPENER.lastIndex = open.index + 1;
			continue;
		}
		out += line.slice(copied, open.index) + line.slice(open.index + 2, close);
		copied = OPENER.lastIndex = close + 2;
	}
	return out + line.slice(copied);
}

/** A conversation title from its first message: first non-empty line, cut at a word boundary. */
export function titleFrom(message: string, fallback = 'New chat'): string {
	const line = message
		.split('\n')
		// Every run of white space as one space; a lone space already is (cheaper on long lines).
		.map((l) => l.replace(/ \s+|[^\S ]\s*/g, ' ').trim())
		.find(Boolean);
	if (!line) return fallback;
	// Only paired markers go: a lone * or _ is arithmetic or a snake_case name.
	const plain = unbold(line.replace(/^#+\s*/, '')).replace(/`([^`]+)`/g, '$1');
	// Two UTF-16 units at most per character: enough to count up to MAX_TITLE + 1 of them.
	const chars = [...plain.slice(0, 2 * MAX_TITLE + 2)];
	if (chars.length <= MAX_TITLE) return plain;
	const cut = chars.slice(0, MAX_TITLE).join('');
	const space = cut.lastIndexOf(' ');
	return `${(space > MAX_TITLE / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

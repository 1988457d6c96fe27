const MAX_TITLE = 60;

const SPACE = 32;

/** For each position, where the next closing pair of `mark` at or after it starts (-1: none). */
function closers(line: string, mark: string): Int32Array {
	const code = mark.charCodeAt(0);
	const next = new Int32Array(line.length + 2).fill(-1);
	for (let i = line.length - 2; i > 0; i--) {
		const closes =
			line.charCodeAt(i) === code &&
			line.charCodeAt(i + 1) === code &&
			line.charCodeAt(i - 1) !== SPACE;
		next[i] = closes ? i : next[i + 1];
	}
	return next;
}

/**
 * `**bold**` and `__bold__` without their markers, as `/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g` would
 * (the line's only white space is a single space), in one pass: that pattern rescanned the rest of
 * the line from every unpaired marker, so a long message of `**a ` took seconds.
 */
function unbold(line: string): string {
	if (!line.includes('**') && !line.includes('__')) return line;
	const next = { '*': closers(line, '*'), _: closers(line, '_') };
	let out = '';
	let copied = 0;
	for (let i = 0; i < line.length; i++) {
		const mark = line[i];
		if ((mark !== '*' && mark !== '_') || line[i + 1] !== mark || line[i + 2] === ' ') continue;
		const close = next[mark][i + 3] ?? -1;
		if (close < 0) continue;
		out += line.slice(copied, i) + line.slice(i + 2, close);
		copied = close + 2;
		i = close + 1;
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

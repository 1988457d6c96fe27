const MAX_TITLE = 60;

/** A conversation title from its first message: first non-empty line, cut at a word boundary. */
export function titleFrom(message: string, fallback = 'New chat'): string {
	const line = message
		.split('\n')
		.map((l) => l.replace(/\s+/g, ' ').trim())
		.find(Boolean);
	if (!line) return fallback;
	// Only paired markers go: a lone * or _ is arithmetic or a snake_case name.
	const plain = line
		.replace(/^#+\s*/, '')
		.replace(/(\*\*|__)(?=\S)(.+?)(?<=\S)\1/g, '$2')
		.replace(/`([^`]+)`/g, '$1');
	if ([...plain].length <= MAX_TITLE) return plain;
	const cut = [...plain].slice(0, MAX_TITLE).join('');
	const space = cut.lastIndexOf(' ');
	return `${(space > MAX_TITLE / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

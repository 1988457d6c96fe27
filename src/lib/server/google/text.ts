/** Cuts long text for a model's context and says so, with where to find the rest. */
export function cutText(
	text: string,
	limit: number,
	where?: string
): { text: string; cut: boolean } {
	if (text.length <= limit) return { text, cut: false };
	const rest = where ? ` Open ${where} for the rest.` : '';
	return {
		text: `${text.slice(0, limit)}\n\n[Cut: showing the first ${limit} of ${text.length} characters.${rest}]`,
		cut: true
	};
}

export function clip(text: string | null | undefined, limit: number): string | undefined {
	if (!text) return undefined;
	return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

const ENTITIES: Record<string, string> = {
	amp: '&',
	lt: '<',
	gt: '>',
	quot: '"',
	apos: "'",
	nbsp: ' '
};

/** Enough HTML-to-text for mail bodies that have no text/plain part. */
export function htmlToText(html: string): string {
	return html
		.replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '')
		.replace(/<br\s*\/?>/gi, '\n')
		.replace(/<\/(p|div|li|tr|h[1-6])>/gi, '\n')
		.replace(/<[^>]+>/g, '')
		.replace(/&(#\d+|#x[0-9a-f]+|\w+);/gi, (match, entity: string) => {
			if (entity[0] === '#') {
				const code =
					entity[1].toLowerCase() === 'x'
						? parseInt(entity.slice(2), 16)
						: parseInt(entity.slice(1), 10);
				return Number.isFinite(code) ? String.fromCodePoint(code) : match;
			}
			return ENTITIES[entity.toLowerCase()] ?? match;
		})
		.replace(/[ \t]+\n/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}

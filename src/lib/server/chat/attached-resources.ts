import type { MessageRow } from '../db/schema';

type Stored = NonNullable<MessageRow['resources']>;

/**
 * A question as the model reads it: its text, then each attached MCP resource under a header
 * naming its URI (and server), as stored on the message so later turns send the same text.
 */
export function questionText(content: string, resources: Stored | null | undefined): string {
	if (!resources?.length) return content;
	const blocks = resources.map((resource) => {
		const label = resource.name
			? `${resource.name}, from ${resource.server_id}`
			: resource.server_id;
		return `--- Resource ${resource.uri} (${label}) ---\n${resource.text ?? ''}`;
	});
	return [content, ...blocks].filter(Boolean).join('\n\n');
}

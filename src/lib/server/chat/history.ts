import type { MessageRow } from '../db/schema';
import type { ContentPart, UpstreamMessage } from '../openrouter/types';
import { questionText } from './attached-resources';

/**
 * A stored conversation as the upstream expects it: the system prompt, then valid turns only.
 * `parts` holds the attachment content of the questions that have files, by message id.
 */
export function upstreamHistory(
	rows: MessageRow[],
	systemPrompt: string | null,
	parts: ReadonlyMap<number, ContentPart[]> = new Map()
): UpstreamMessage[] {
	const out: UpstreamMessage[] = systemPrompt ? [{ role: 'system', content: systemPrompt }] : [];
	// A call without its answer (a crash between call and result) would make the history invalid.
	const answered = new Set(rows.filter((row) => row.role === 'tool').map((row) => row.toolCallId));
	for (const row of rows) {
		if (row.role === 'user') {
			const files = parts.get(row.id) ?? [];
			const text = questionText(row.content, row.resources);
			out.push({
				role: 'user',
				content: files.length
					? [...(text ? [{ type: 'text' as const, text }] : []), ...files]
					: text
			});
		} else if (row.role === 'assistant') {
			const calls = (row.toolCalls ?? []).filter((call) => answered.has(call.id));
			if (!row.content && calls.length === 0) continue; // a failed reply with nothing said
			out.push({
				role: 'assistant',
				content: row.content || null,
				...(calls.length ? { tool_calls: calls } : {})
			});
		} else if (row.role === 'tool' && row.toolCallId) {
			out.push({ role: 'tool', tool_call_id: row.toolCallId, content: row.content });
		}
	}
	return out;
}

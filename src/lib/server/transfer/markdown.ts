import type { ExportedConversation, ExportedMessage } from '$lib/api';
import { currentPath } from './read';

const ROLE_NAMES: Record<ExportedMessage['role'], string> = {
	system: 'System',
	user: 'User',
	assistant: 'Assistant',
	tool: 'Tool'
};

/** A code fence longer than any run of backticks inside `text`, so the text cannot close it. */
export function fenced(text: string, language = ''): string {
	let longest = 0;
	for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
	const fence = '`'.repeat(Math.max(3, longest + 1));
	return `${fence}${language}\n${text}\n${fence}`;
}

/** Link text and targets that cannot break out of `[...](...)`. */
const linkText = (text: string) => text.replace(/[\\[\]`*_<>]/g, (c) => `\\${c}`);
const linkTarget = (url: string) => url.replace(/[<>\s]/g, (c) => encodeURIComponent(c));
const inlineCode = (text: string) => {
	const clean = text.replace(/[\r\n]+/g, ' ');
	const ticks = clean.includes('`') ? '``' : '`';
	return `${ticks}${ticks === '``' ? ' ' : ''}${clean}${ticks === '``' ? ' ' : ''}${ticks}`;
};

function prettyArguments(raw: string): { text: string; language: string } {
	try {
		return { text: JSON.stringify(JSON.parse(raw), null, 2), language: 'json' };
	} catch {
		return { text: raw, language: '' };
	}
}

/**
 * The conversation's current path as Markdown: the title, then each message under a heading
 * with its role (and the model of a reply), its text as written (code blocks intact), its tool
 * calls with their arguments and results, and links to its attachments.
 */
export function conversationMarkdown(
	conversation: ExportedConversation,
	options: { origin: string; exportedAt: string }
): string {
	const path = currentPath(conversation);
	const calls = new Map<string, string>();
	for (const message of path)
		for (const call of message.tool_calls ?? []) calls.set(call.id, call.function.name);

	const out: string[] = [`# ${conversation.title.replace(/[\r\n]+/g, ' ') || 'Conversation'}`];
	out.push(
		`_Exported from Switchboard on ${options.exportedAt}. Started ${conversation.created_at}; ${path.length} messages on this path._`
	);
	for (const message of path) {
		if (message.role === 'tool') {
			const name = message.tool_call_id ? calls.get(message.tool_call_id) : undefined;
			out.push(`**Result${name ? ` of ${inlineCode(name)}` : ''}:**`, fenced(message.content));
			continue;
		}
		const model = message.role === 'assistant' && message.model_id ? ` · ${message.model_id}` : '';
		out.push(`## ${ROLE_NAMES[message.role]}${model}`);
		if (message.reasoning)
			out.push(
				message.reasoning
					.split('\n')
					.map((line) => `> ${line}`)
					.join('\n')
			);
		if (message.content) out.push(message.content);
		for (const call of message.tool_calls ?? []) {
			const { text, language } = prettyArguments(call.function.arguments);
			out.push(`**Tool call ${inlineCode(call.function.name)}:**`, fenced(text, language));
		}
		if (message.error) out.push(`_Error: ${message.error.message.replace(/[\r\n]+/g, ' ')}_`);
		if (message.attachments.length)
			out.push(
				message.attachments
					.map(
						(file) =>
							`- 📎 [${linkText(file.file_name)}](${options.origin}/api/attachments/${encodeURIComponent(file.attachment_id)}/file) (${file.mime_type}, ${file.size_bytes} bytes)`
					)
					.join('\n')
			);
		if (message.citations?.length)
			out.push(
				'Sources:\n' +
					message.citations
						.map(
							(source) => `- [${linkText(source.title || source.url)}](<${linkTarget(source.url)}>)`
						)
						.join('\n')
			);
	}
	return out.join('\n\n') + '\n';
}

import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolFile, ToolOutcome } from '../chat/tools';

/** Results above this are cut before they reach the model. */
export const MAX_RESULT_BYTES = 1024 * 1024;

function fileName(uri: string | undefined): string | undefined {
	if (!uri) return undefined;
	try {
		return path.posix.basename(new URL(uri).pathname) || undefined;
	} catch {
		return undefined;
	}
}

/** Cuts UTF-8 text to at most `limit` bytes (on a character boundary) with a note saying so. */
export function cutToLimit(text: string, limit = MAX_RESULT_BYTES, what = 'tool result'): string {
	const size = Buffer.byteLength(text, 'utf8');
	if (size <= limit) return text;
	const note = `\n\n[Switchboard cut this ${what}: it was ${size} bytes, only the first ${limit} bytes are shown.]`;
	const budget = limit - Buffer.byteLength(note, 'utf8');
	let cut = Buffer.from(text, 'utf8').subarray(0, budget).toString('utf8');
	// A multi-byte character split at the boundary decodes to U+FFFD; drop it.
	if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
	return cut + note;
}

/**
 * Turns an MCP tool result into what the chat needs: text for the model, and images, audio and
 * binary embedded resources as files (the chat stores them as attachments and adds their links).
 */
export function toOutcome(result: CallToolResult, limit = MAX_RESULT_BYTES): ToolOutcome {
	const texts: string[] = [];
	const files: ToolFile[] = [];
	for (const block of result.content ?? []) {
		if (block.type === 'text') {
			texts.push(block.text);
		} else if (block.type === 'image' || block.type === 'audio') {
			files.push({ mimeType: block.mimeType, data: Buffer.from(block.data, 'base64') });
		} else if (block.type === 'resource') {
			const resource = block.resource;
			if ('text' in resource && typeof resource.text === 'string') {
				texts.push(`Resource ${resource.uri}:\n${resource.text}`);
			} else if ('blob' in resource && typeof resource.blob === 'string') {
				files.push({
					mimeType: resource.mimeType ?? 'application/octet-stream',
					data: Buffer.from(resource.blob, 'base64'),
					fileName: fileName(resource.uri)
				});
			}
		} else if (block.type === 'resource_link') {
			texts.push(`Resource link: ${block.name} ${block.uri}`);
		}
	}
	if (texts.length === 0 && result.structuredContent !== undefined)
		texts.push(JSON.stringify(result.structuredContent));
	if (texts.length === 0 && files.length)
		texts.push(`The tool returned ${files.length === 1 ? 'a file' : `${files.length} files`}.`);
	if (texts.length === 0)
		texts.push(result.isError ? 'The tool failed without saying why.' : '(no output)');
	const content = cutToLimit(texts.join('\n'), limit);
	return { content, isError: result.isError === true, ...(files.length ? { files } : {}) };
}

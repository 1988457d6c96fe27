import { describe, expect, it } from 'vitest';
import { upstreamHistory } from '$lib/server/chat/history';
import type { MessageRow } from '$lib/server/db/schema';
import type { UpstreamToolCall } from '$lib/server/openrouter/types';

let ids = 0;
/** A stored message as the repository returns it. */
function row(role: MessageRow['role'], fields: Partial<MessageRow> = {}): MessageRow {
	return {
		id: ++ids,
		sessionId: 'session-1',
		parentId: null,
		role,
		content: '',
		reasoning: null,
		toolCalls: null,
		toolCallId: null,
		modelId: null,
		usage: null,
		finishReason: null,
		error: null,
		citations: null,
		resources: null,
		createdAt: '2026-01-01T00:00:00.000Z',
		...fields
	};
}

const call = (id: string): UpstreamToolCall => ({
	id,
	type: 'function',
	function: { name: 'calc__add', arguments: '{"a":1}' }
});

describe('upstream history', () => {
	it('starts with the system prompt when there is one', () => {
		const rows = [row('user', { content: 'hello' })];
		expect(upstreamHistory(rows, 'Be brief.')).toEqual([
			{ role: 'system', content: 'Be brief.' },
			{ role: 'user', content: 'hello' }
		]);
		expect(upstreamHistory(rows, null)).toEqual([{ role: 'user', content: 'hello' }]);
	});

	it('sends a question with files as its text followed by the file parts', () => {
		const question = row('user', { content: 'what is this?' });
		const onlyFile = row('user', { content: '' });
		const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAA' } };
		const notes = { type: 'text' as const, text: '<attachment name="a.txt">x</attachment>' };
		const parts = new Map([
			[question.id, [image]],
			[onlyFile.id, [notes]]
		]);
		expect(upstreamHistory([question, onlyFile], null, parts)).toEqual([
			{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] },
			{ role: 'user', content: [notes] }
		]);
	});

	it('leaves out a failed reply that said nothing, but keeps one that said something', () => {
		const rows = [
			row('user', { content: 'first' }),
			row('assistant', { content: '', finishReason: 'error' }),
			row('user', { content: 'second' }),
			row('assistant', { content: 'Half an ans', finishReason: 'aborted' })
		];
		expect(upstreamHistory(rows, null)).toEqual([
			{ role: 'user', content: 'first' },
			{ role: 'user', content: 'second' },
			{ role: 'assistant', content: 'Half an ans' }
		]);
	});

	it('keeps tool calls with their answers, the call text null when the model said nothing', () => {
		const rows = [
			row('user', { content: 'add' }),
			row('assistant', { toolCalls: [call('call_1')], finishReason: 'tool_calls' }),
			row('tool', { content: '3', toolCallId: 'call_1' }),
			row('assistant', { content: 'It is 3.' })
		];
		expect(upstreamHistory(rows, null)).toEqual([
			{ role: 'user', content: 'add' },
			{ role: 'assistant', content: null, tool_calls: [call('call_1')] },
			{ role: 'tool', tool_call_id: 'call_1', content: '3' },
			{ role: 'assistant', content: 'It is 3.' }
		]);
	});

	it('drops tool calls that never got an answer, and a call message left with nothing', () => {
		const rows = [
			row('user', { content: 'use two tools' }),
			row('assistant', { toolCalls: [call('call_x'), call('call_y')] }),
			row('tool', { content: '3', toolCallId: 'call_x' }),
			row('user', { content: 'and again' }),
			row('assistant', { toolCalls: [call('call_z')] }),
			row('user', { content: 'still there?' })
		];
		expect(upstreamHistory(rows, null)).toEqual([
			{ role: 'user', content: 'use two tools' },
			{ role: 'assistant', content: null, tool_calls: [call('call_x')] },
			{ role: 'tool', tool_call_id: 'call_x', content: '3' },
			{ role: 'user', content: 'and again' },
			{ role: 'user', content: 'still there?' }
		]);
	});

	it('leaves out stored system messages and tool messages without a call id', () => {
		const rows = [
			row('system', { content: 'old prompt' }),
			row('tool', { content: 'stray' }),
			row('user', { content: 'hi' })
		];
		expect(upstreamHistory(rows, 'New prompt')).toEqual([
			{ role: 'system', content: 'New prompt' },
			{ role: 'user', content: 'hi' }
		]);
	});
});

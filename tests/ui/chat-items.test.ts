import { describe, expect, it } from 'vitest';
import { itemsFromHistory } from '../../src/lib/state/chat-items';
import { groupByDate } from '../../src/lib/format/dates';
import { formatCost, formatCount, formatTokens } from '../../src/lib/format/numbers';
import { titleFrom } from '../../src/lib/format/title';
import { apiMessage as message } from '../support/factories';

describe('chat history as shown', () => {
	it('folds a tool round and its answer into one reply with a tool card and summed usage', () => {
		const items = itemsFromHistory([
			message('user', { content: 'what is 2+3*4?' }),
			message('assistant', {
				tool_calls: [
					{
						id: 'call_1',
						type: 'function',
						function: { name: 'calculator__evaluate', arguments: '{"expression":"2+3*4"}' }
					}
				],
				usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, cost: 0.001 },
				finish_reason: 'tool_calls'
			}),
			message('tool', { content: '14', tool_call_id: 'call_1', finish_reason: 'stop' }),
			message('assistant', {
				content: 'It is 14.',
				usage: { prompt_tokens: 20, completion_tokens: 4, total_tokens: 24, cost: 0.002 },
				finish_reason: 'stop'
			})
		]);
		expect(items).toHaveLength(2);
		const reply = items[1];
		expect(reply.kind).toBe('assistant');
		if (reply.kind !== 'assistant') return;
		expect(reply.content).toBe('It is 14.');
		expect(reply.tools).toEqual([
			expect.objectContaining({
				name: 'calculator__evaluate',
				arguments: { expression: '2+3*4' },
				status: 'done',
				result: '14'
			})
		]);
		expect(reply.usage).toEqual({
			prompt_tokens: 30,
			completion_tokens: 9,
			total_tokens: 39,
			cost: 0.003
		});
	});

	it('keeps a failed reply with its error and a stopped one with its finish reason', () => {
		const items = itemsFromHistory([
			message('user', { content: 'a' }),
			message('assistant', {
				content: 'partial',
				finish_reason: 'error',
				error: { code: 'upstream_stream_error', message: 'boom' }
			}),
			message('user', { content: 'b' }),
			message('assistant', { content: 'half', finish_reason: 'aborted' })
		]);
		expect(items.map((item) => item.kind)).toEqual(['user', 'assistant', 'user', 'assistant']);
		expect(items[1]).toMatchObject({ content: 'partial', error: { message: 'boom' } });
		expect(items[3]).toMatchObject({ content: 'half', finishReason: 'aborted', error: null });
	});

	it('marks a tool call that never got a result as not finished', () => {
		const items = itemsFromHistory([
			message('user', { content: 'go' }),
			message('assistant', {
				tool_calls: [
					{ id: 'c', type: 'function', function: { name: 'x__y', arguments: 'not json' } }
				],
				finish_reason: 'tool_calls'
			})
		]);
		const reply = items[1];
		expect(reply.kind === 'assistant' && reply.tools[0]).toMatchObject({
			status: 'error',
			arguments: {}
		});
	});
});

describe('sidebar date groups', () => {
	it('groups by today, yesterday, last week and month', () => {
		const now = new Date('2026-11-25T15:00:00');
		const at = (iso: string) => ({
			session_id: iso,
			title: iso,
			created_at: iso,
			updated_at: new Date(iso).toISOString(),
			message_count: 1,
			project_id: null,
			pinned: false,
			model_id: null
		});
		const groups = groupByDate(
			[
				at('2026-11-25T09:00:00'),
				at('2026-11-24T23:00:00'),
				at('2026-11-20T12:00:00'),
				at('2026-09-02T12:00:00')
			],
			now
		);
		expect(groups.map((g) => g.label)).toEqual([
			'Today',
			'Yesterday',
			'Previous 7 days',
			'September 2026'
		]);
	});
});

describe('cost display', () => {
	it('never shows a small cost as zero', () => {
		expect(formatCost(0.00004)).toBe('<$0.0001');
		expect(formatCost(0.0042)).toBe('$0.0042');
		expect(formatCost(0.25)).toBe('$0.250');
		expect(formatCost(0)).toBe('$0');
	});

	it('writes counts as en-US does, without Intl', () => {
		for (const count of [0, 7, 999, 1_000, 12_345, 999_999, 1_000_000, 123_456_789, -4_321])
			expect(formatCount(count)).toBe(count.toLocaleString('en-US'));
		expect(formatCount(1.5)).toBe('1.5');
		expect(
			formatTokens({ prompt_tokens: 1_204, completion_tokens: 98_765, total_tokens: 99_969 })
		).toBe('1,204 in · 98,765 out');
	});
});

describe('conversation titles', () => {
	it('keeps identifiers whole and drops emphasis markers', () => {
		expect(titleFrom('why does **parse_args** fail?')).toBe('why does parse_args fail?');
		expect(titleFrom('\n\n# Heading line\nsecond')).toBe('Heading line');
		expect(titleFrom('   ', 'Attachment')).toBe('Attachment');
		expect(titleFrom('What is 12*7+3?')).toBe('What is 12*7+3?');
		expect(titleFrom('rename `my_var` __now__')).toBe('rename my_var now');
	});
});

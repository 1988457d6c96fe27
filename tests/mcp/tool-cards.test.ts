import { describe, expect, it } from 'vitest';
import { itemsFromHistory } from '$lib/state/chat-items';
import { apiMessage as message } from '../support/factories';

const call = (id: string, expression: string) => ({
	id,
	type: 'function' as const,
	function: { name: 'calculator__evaluate', arguments: JSON.stringify({ expression }) }
});

describe('tool cards of a reloaded conversation', () => {
	it('show each call with its result and how long it took', () => {
		const [, reply] = itemsFromHistory([
			message('user', { content: 'two sums' }),
			message('assistant', {
				tool_calls: [call('a', '1+1'), call('b', '2+2')],
				finish_reason: 'tool_calls',
				created_at: '2026-11-25T10:00:01.000Z'
			}),
			// Parallel calls: saved as they finish, not in call order.
			message('tool', {
				content: '4',
				tool_call_id: 'b',
				finish_reason: 'stop',
				created_at: '2026-11-25T10:00:01.250Z'
			}),
			message('tool', {
				content: 'The person denied it; calculator__evaluate did not run.',
				tool_call_id: 'a',
				finish_reason: 'error',
				created_at: '2026-11-25T10:00:03.500Z'
			}),
			message('assistant', { content: '2+2 is 4.', created_at: '2026-11-25T10:00:04.000Z' })
		]);
		expect(reply.kind === 'assistant' && reply.tools).toEqual([
			expect.objectContaining({
				id: 'a',
				arguments: { expression: '1+1' },
				status: 'error',
				result: 'The person denied it; calculator__evaluate did not run.',
				durationMs: 2500
			}),
			expect.objectContaining({ id: 'b', status: 'done', result: '4', durationMs: 250 })
		]);
	});
});

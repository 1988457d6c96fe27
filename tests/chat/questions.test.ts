import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '$lib/api';
import { ElicitationRegistry } from '$lib/server/chat/elicitations';

const params = {
	message: 'Name?',
	requestedSchema: {
		type: 'object' as const,
		properties: { name: { type: 'string' as const } },
		required: ['name']
	}
};

describe('a server question waiting on the person', () => {
	it('is cancelled when nobody answers in time, and an answer then finds nothing', async () => {
		const registry = new ElicitationRegistry(30);
		const events: ChatEvent[] = [];
		const result = await registry.ask(
			's1',
			'files',
			params,
			(event) => events.push(event),
			new AbortController().signal
		);
		expect(result).toEqual({ action: 'cancel' });
		expect(events.map((event) => event.event)).toEqual(['elicitation', 'elicitation_result']);
		const id = (events[0] as Extract<ChatEvent, { event: 'elicitation' }>).data.id;
		expect(() =>
			registry.answer({ session_id: 's1', elicitation_id: id, action: 'accept', content: {} })
		).toThrow(/No question is waiting/);
		expect(registry.size).toBe(0);
	});

	it('another chat cannot answer it', async () => {
		const registry = new ElicitationRegistry();
		const events: ChatEvent[] = [];
		const controller = new AbortController();
		const asked = registry.ask(
			's1',
			'files',
			params,
			(event) => events.push(event),
			controller.signal
		);
		const id = (events[0] as Extract<ChatEvent, { event: 'elicitation' }>).data.id;
		expect(() =>
			registry.answer({ session_id: 's2', elicitation_id: id, action: 'cancel' })
		).toThrow(/No question is waiting/);
		registry.answer({ session_id: 's1', elicitation_id: id, action: 'decline' });
		expect(await asked).toEqual({ action: 'decline' });
	});
});

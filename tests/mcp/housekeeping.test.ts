import { afterEach, describe, expect, it } from 'vitest';
import { housekeepingServer } from '$lib/server/mcp/builtin/housekeeping';
import { disposeAll, seedConversation, testRepository } from '../support/factories';
import { makeAggregator, type TestAggregator } from '../support/mcp/factory';

let setup: TestAggregator | undefined;
afterEach(async () => {
	await setup?.cleanup();
	setup = undefined;
	await disposeAll();
});

async function housekeeping(now = () => new Date('2025-03-30T00:30:00Z')) {
	const { repo } = testRepository();
	setup = await makeAggregator({
		configs: [{ id: 'housekeeping', enabled: true, transport: 'builtin' }],
		builtins: [
			housekeepingServer({
				repo,
				now,
				status: () => ({ version: '9.9.9', openrouter: { configured: true } })
			})
		]
	});
	await setup.aggregator.settled();
	const call = async (tool: string, args: Record<string, unknown> = {}) => {
		const outcome = await setup!.aggregator.callTool(`housekeeping__${tool}`, args);
		return { ...outcome, json: outcome.isError ? undefined : JSON.parse(outcome.content) };
	};
	return { repo, call };
}

describe('housekeeping server', () => {
	it('tells the time in a time zone, across a daylight-saving change', async () => {
		let clock = new Date('2025-03-30T00:30:00Z');
		const { call } = await housekeeping(() => clock);
		const before = (await call('current_time', { time_zone: 'Europe/Berlin' })).json;
		expect(before).toMatchObject({
			iso_utc: '2025-03-30T00:30:00.000Z',
			time_zone: 'Europe/Berlin',
			utc_offset: '+01:00'
		});
		expect(before.local).toMatch(/Sunday,? 30 March 2025 at 01:30:00/);
		clock = new Date('2025-03-30T01:30:00Z');
		const after = (await call('current_time', { time_zone: 'Europe/Berlin' })).json;
		expect(after).toMatchObject({ utc_offset: '+02:00', local: expect.stringMatching(/03:30:00/) });
		expect((await call('current_time', { time_zone: 'Asia/Kolkata' })).json).toMatchObject({
			utc_offset: '+05:30'
		});
		expect((await call('current_time', { time_zone: 'UTC' })).json).toMatchObject({
			utc_offset: '+00:00'
		});
	});

	it('says which time zone names work when given a wrong one', async () => {
		const { call } = await housekeeping();
		const outcome = await call('current_time', { time_zone: 'Mars/Olympus' });
		expect(outcome.isError).toBe(true);
		expect(outcome.content).toMatch(/"Mars\/Olympus" is not a time zone; use an IANA name/);
	});

	it('lists, searches and renames conversations', async () => {
		const { repo, call } = await housekeeping();
		const trip = seedConversation(repo, {
			title: 'Trip to Lisbon',
			messages: [{ content: 'What to pack for Lisbon in May?' }, { content: 'Light layers.' }]
		});
		seedConversation(repo, { title: 'Sourdough', messages: [{ content: 'Starter ratios?' }] });

		const listed = (await call('list_conversations', { limit: 10 })).json;
		expect(listed.map((c: { title: string }) => c.title)).toEqual(['Sourdough', 'Trip to Lisbon']);
		expect(listed[1]).toMatchObject({ session_id: trip, message_count: 2 });

		expect(
			(await call('search_conversations', { query: 'pack' })).json.map(
				(c: { session_id: string }) => c.session_id
			)
		).toEqual([trip]);
		expect((await call('search_conversations', { query: 'nothing like this' })).json).toEqual([]);

		expect(
			(await call('rename_conversation', { session_id: trip, title: '  Lisbon packing list ' }))
				.json
		).toEqual({ session_id: trip, title: 'Lisbon packing list' });
		expect(repo.getConversation(trip)?.title).toBe('Lisbon packing list');
		const missing = await call('rename_conversation', { session_id: 'nope', title: 'x' });
		expect(missing).toMatchObject({
			isError: true,
			content: 'There is no conversation with id nope.'
		});
	});

	it('reports app status', async () => {
		const { call } = await housekeeping();
		expect((await call('app_status')).json).toMatchObject({
			version: '9.9.9',
			openrouter: { configured: true },
			uptime_seconds: expect.any(Number)
		});
	});
});

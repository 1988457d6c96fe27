import { afterEach, describe, expect, it } from 'vitest';
import { createServices } from '$lib/server/services';
import { silentLogger } from '$lib/server/log';
import { disposeAll, onDispose, testConfig, waitUntil } from '../support/factories';

afterEach(disposeAll);

const DAY = 24 * 60 * 60 * 1000;

/** The real composition root over temp dirs, on a clock the test moves. */
function build() {
	let now = Date.now();
	const clock = { now: () => new Date(now), advance: (ms: number) => (now += ms) };
	const services = createServices(testConfig(), {
		log: silentLogger,
		demoTokenDelayMs: 0,
		now: clock.now
	});
	onDispose(() => services.close());
	const attachmentCount = () =>
		(services.db.$client.prepare('select count(*) as n from attachments').get() as { n: number }).n;
	return { services, clock, attachmentCount };
}

describe('the composition root', () => {
	it('connects no MCP server until it is started', async () => {
		const { services } = build();
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(services.mcp.counts()).toEqual({ connected: 0, unavailable: 0 });

		services.start();
		await services.mcp.settled();
		expect(services.mcp.counts().connected).toBeGreaterThan(0);
	});

	it('reaps attachments unused for too long only once started', async () => {
		const { services, clock, attachmentCount } = build();
		await services.attachments.save({ data: Buffer.from('old notes'), fileName: 'old.txt' });
		clock.advance(31 * DAY);
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(attachmentCount()).toBe(1);

		services.start();
		await waitUntil(() => attachmentCount() === 0, 5_000, 'the reaper');
	});
});

import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { ChatRepository } from '../src/lib/server/chat/repository';
import { titleFrom } from '../src/lib/format/title';
import { openDatabase } from '../src/lib/server/db/client';
import { rng, summarize, timeRuns } from './lib/stats';
import { verdict, type BenchContext, type BenchRow, type BenchSection } from './lib/harness';

export interface SessionsBenchOptions {
	/** Messages in the one long conversation. */
	longMessages?: number;
	/** Conversations for list and search, and messages in each. */
	sessions?: number;
	messagesPerSession?: number;
	runs?: number;
}

const VOCABULARY = (
	'the a of to and in is it you that for on with as are this be at or have from by not but what all were when we there can ' +
	'an your which their said if do will each about how up out them then she many some so these would other into has more her two ' +
	'like him see time could no make than first been its who now people my made over did down only way find use may water long ' +
	'little very after words called just where most know garden recipe travel budget python server database kitchen bicycle mountain ' +
	'river planet guitar camera window coffee letter market winter summer forest engine ticket museum doctor lesson pattern theory'
).split(' ');

/** A few sessions carry this word, so a rare search has something to find. */
const RARE = 'zephyrine';

function sentence(random: () => number, words: number): string {
	const out: string[] = [];
	for (let i = 0; i < words; i++) out.push(VOCABULARY[Math.floor(random() * VOCABULARY.length)]);
	out[0] = out[0][0].toUpperCase() + out[0].slice(1);
	return `${out.join(' ')}.`;
}

const paragraph = (random: () => number, sentences: number) =>
	Array.from({ length: sentences }, () => sentence(random, 8 + Math.floor(random() * 10))).join(
		' '
	);

const usage = { prompt_tokens: 812, completion_tokens: 164, total_tokens: 976, cost: 0.00431 };

async function getJson(
	ctx: BenchContext,
	path: string
): Promise<{ status: number; bytes: number; body: any }> {
	const response = await request(`${ctx.appUrl}${path}`, { dispatcher: ctx.http });
	const text = await response.body.text();
	if (response.statusCode !== 200)
		throw new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
	return { status: response.statusCode, bytes: Buffer.byteLength(text), body: JSON.parse(text) };
}

/** Times `fn` (after a warm-up), with the server CPU it cost per call. */
async function measure(ctx: BenchContext, fn: () => Promise<unknown>, runs: number) {
	await timeRuns(fn, { runs: 5, warmup: 0 });
	const cpuBefore = ctx.serverCpuMs();
	const times = await timeRuns(fn, { runs, warmup: 0 });
	return { ...summarize(times), cpu: (ctx.serverCpuMs() - cpuBefore) / runs };
}

export function sessionsBench({
	longMessages = 5_000,
	sessions = 10_000,
	messagesPerSession = 4,
	runs = 60
}: SessionsBenchOptions = {}): BenchSection[] {
	let longSessionId = '';

	const seed: BenchSection['seed'] = ({ dataDir, log }) => {
		const started = performance.now();
		const db = openDatabase(dataDir);
		const repo = new ChatRepository(db);
		const random = rng(42);
		let clock = Date.parse('2025-01-01T00:00:00Z');
		const tick = (ms = 1000) => new Date((clock += ms)).toISOString();

		db.$client.transaction(() => {
			for (let s = 0; s < sessions; s++) {
				const sessionId = randomUUID();
				// Every third conversation shares its neighbour's time: the cursor must break ties.
				const at = tick(s % 3 === 0 ? 0 : 1000);
				const first = sentence(random, 6 + Math.floor(random() * 8));
				repo.createConversation(sessionId, titleFrom(first), at);
				for (let m = 0; m < messagesPerSession; m++) {
					const user = m % 2 === 0;
					let content = m === 0 ? first : paragraph(random, user ? 1 : 3);
					if (m === 1 && s % 800 === 0) content += ` A note about ${RARE}.`;
					repo.addMessage({
						sessionId,
						role: user ? 'user' : 'assistant',
						content,
						modelId: 'openai/gpt-4o',
						usage: user ? null : usage,
						finishReason: user ? null : 'stop',
						createdAt: at
					});
				}
			}
			longSessionId = randomUUID();
			const at = tick();
			repo.createConversation(longSessionId, 'A very long conversation', at);
			for (let m = 0; m < longMessages; m++) {
				const user = m % 2 === 0;
				repo.addMessage({
					sessionId: longSessionId,
					role: user ? 'user' : 'assistant',
					content: paragraph(random, user ? 1 : 4),
					reasoning: user || m % 10 !== 1 ? null : paragraph(random, 2),
					modelId: 'openai/gpt-4o',
					usage: user ? null : usage,
					finishReason: user ? null : 'stop',
					createdAt: tick(10)
				});
			}
		})();
		db.$client.pragma('wal_checkpoint(TRUNCATE)');
		db.$client.close();
		log(
			`seeded ${sessions} conversations × ${messagesPerSession} messages and one of ${longMessages} in ${((performance.now() - started) / 1000).toFixed(1)} s`
		);
	};

	const longConversation: BenchSection = {
		name: `sessions: one conversation of ${longMessages} messages`,
		seed,
		async run(ctx) {
			let bytes = 0;
			let count = 0;
			const t = await measure(
				ctx,
				async () => {
					const { bytes: size, body } = await getJson(ctx, `/api/sessions/${longSessionId}`);
					bytes = size;
					count = body.messages.length;
				},
				runs
			);
			if (count !== longMessages)
				throw new Error(`expected ${longMessages} messages, got ${count}`);
			return [
				{
					what: `GET /api/sessions/{id}`,
					unit: 'ms',
					n: t.n,
					p50: t.p50,
					p99: t.p99,
					cpu: t.cpu,
					goal: 'p50 ≤ 50 ms',
					verdict: verdict(t.p50, 50)
				},
				{ what: 'response size', unit: 'MB', value: bytes / 1024 / 1024 }
			];
		}
	};

	const listAndSearch: BenchSection = {
		name: `sessions: list and search over ${sessions} conversations`,
		async run(ctx) {
			// A cursor halfway down the list, reached the way the UI would: page after page.
			let cursor: string | null = null;
			for (let walked = 0; walked < sessions / 2; walked += 200) {
				const page: { body: { next_cursor: string | null } } = await getJson(
					ctx,
					`/api/sessions?limit=200${cursor ? `&cursor=${cursor}` : ''}`
				);
				cursor = page.body.next_cursor;
			}
			const cases: [string, string, (body: any) => boolean][] = [
				['list, first page (limit 50)', '/api/sessions?limit=50', (b) => b.sessions.length === 50],
				[
					`list, a page ${sessions / 2} down (cursor)`,
					`/api/sessions?limit=50&cursor=${cursor}`,
					(b) => b.sessions.length === 50
				],
				[
					'search a common word (q=garden)',
					'/api/sessions?limit=50&q=garden',
					(b) => b.sessions.length === 50
				],
				[
					`search a rare word (q=${RARE})`,
					`/api/sessions?limit=50&q=${RARE}`,
					(b) => b.sessions.length > 0 && b.sessions.length < 50
				],
				[
					'search with no match (q=xylophonic)',
					'/api/sessions?limit=50&q=xylophonic',
					(b) => b.sessions.length === 0
				],
				[
					'search two characters, common (q=th)',
					'/api/sessions?limit=50&q=th',
					(b) => b.sessions.length === 50
				],
				[
					'search two characters, no match (q=qz, reads all text)',
					'/api/sessions?limit=50&q=qz',
					(b) => b.sessions.length === 0
				],
				[
					'search a phrase (q=the%20river)',
					'/api/sessions?limit=50&q=the%20river',
					(b) => b.sessions.length > 0
				]
			];
			const rows: BenchRow[] = [];
			for (const [what, path, check] of cases) {
				const first = await getJson(ctx, path);
				if (!check(first.body))
					throw new Error(`${what}: unexpected answer ${JSON.stringify(first.body).slice(0, 300)}`);
				const t = await measure(ctx, () => getJson(ctx, path), runs);
				rows.push({
					what,
					unit: 'ms',
					n: t.n,
					p50: t.p50,
					p99: t.p99,
					cpu: t.cpu,
					goal: 'p50 ≤ 15 ms',
					verdict: verdict(t.p50, 15)
				});
			}
			return rows;
		}
	};

	return [longConversation, listAndSearch];
}

import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import { ChatRepository } from '../src/lib/server/chat/repository';
import { openDatabase } from '../src/lib/server/db/client';
import { verdict, type BenchContext, type BenchSection } from './lib/harness';
import { summarize } from './lib/stats';
import { timeStream } from './lib/stream';

export interface TreeBenchOptions {
	/** Messages in the conversation (its whole tree). */
	messages?: number;
	runs?: number;
}

const usage = { prompt_tokens: 812, completion_tokens: 164, total_tokens: 976, cost: 0.00431 };

async function send(ctx: BenchContext, method: string, path: string, body?: unknown) {
	const response = await request(`${ctx.appUrl}${path}`, {
		dispatcher: ctx.http,
		method,
		headers: body === undefined ? {} : { 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	const text = await response.body.text();
	if (response.statusCode !== 200)
		throw new Error(`${method} ${path} answered ${response.statusCode}: ${text.slice(0, 300)}`);
	return JSON.parse(text);
}

/**
 * Switching versions and sending in a long tree: a conversation of `messages` messages, a trunk
 * of 40% of them, then a question in two versions, each followed by a branch of 30%. One run is
 * what the browser does on "Next version" and then a question: PATCH current_leaf_id to the
 * other version, GET the last 50 messages of the path, POST /api/chat read to `done`.
 */
export function treeBench({ messages = 5_000, runs = 40 }: TreeBenchOptions = {}): BenchSection[] {
	const sessionId = randomUUID();
	/** A single chain as long as the tree's path: the same send without branches beside it. */
	const chainId = randomUUID();
	let pathLength = 0;
	const versions: number[] = [];

	return [
		{
			name: `tree: switch version and send in a ${messages}-message chat`,
			seed({ dataDir, log }) {
				const db = openDatabase(dataDir);
				const repo = new ChatRepository(db);
				let clock = Date.parse('2025-06-01T00:00:00Z');
				const at = () => new Date((clock += 10)).toISOString();
				const trunk = Math.round(messages * 0.4);
				const branch = Math.floor((messages - trunk) / 2);
				const add = (parentId: number | null, i: number, inSession = sessionId) =>
					repo.addMessage({
						sessionId: inSession,
						parentId,
						role: i % 2 === 0 ? 'user' : 'assistant',
						content: `Message ${i}: a short line of conversation about nothing much.`,
						modelId: 'openai/gpt-4o',
						usage: i % 2 === 0 ? null : usage,
						finishReason: i % 2 === 0 ? null : 'stop',
						createdAt: at()
					}).id;
				db.$client.transaction(() => {
					repo.createConversation(sessionId, 'A long tree', at());
					let parent: number | null = null;
					for (let i = 0; i < trunk; i++) parent = add(parent, i);
					const fork = parent;
					for (let v = 0; v < 2; v++) {
						parent = fork;
						for (let i = trunk; i < trunk + branch; i++) {
							parent = add(parent, i);
							if (i === trunk) versions.push(parent);
						}
					}
					pathLength = trunk + branch;
					repo.createConversation(chainId, 'A long chain', at());
					parent = null;
					for (let i = 0; i < pathLength; i++) parent = add(parent, i, chainId);
				})();
				db.$client.pragma('wal_checkpoint(TRUNCATE)');
				db.$client.close();
				log(`seeded a tree of ${trunk + 2 * branch} messages (two versions at ${trunk})`);
			},
			async run(ctx) {
				const parts = { switch: [] as number[], send: [] as number[], both: [] as number[] };
				let cpu = 0;
				for (let i = -3; i < runs; i++) {
					const cpuBefore = ctx.serverCpuMs();
					const started = performance.now();
					await send(ctx, 'PATCH', `/api/sessions/${sessionId}`, {
						current_leaf_id: versions[(i + 4) % 2]
					});
					const page = await send(ctx, 'GET', `/api/sessions/${sessionId}?limit=50`);
					if (page.messages.length !== 50 || !page.has_more)
						throw new Error('the page of the path is not 50 messages with more above');
					const switched = performance.now();
					const turn = await timeStream(
						ctx.http,
						`${ctx.appUrl}/api/chat`,
						{ session_id: sessionId, message: `question ${i}` },
						({ event }) => event === 'delta'
					);
					if (turn.status !== 200 || turn.errors.length || turn.tokenTimes.length === 0)
						throw new Error(`send failed: ${turn.status} ${turn.errors[0] ?? ''}`);
					const ended = performance.now();
					if (i < 0) continue;
					cpu += ctx.serverCpuMs() - cpuBefore;
					parts.switch.push(switched - started);
					parts.send.push(ended - switched);
					parts.both.push(ended - started);
				}
				const chain: number[] = [];
				for (let i = -3; i < runs; i++) {
					const started = performance.now();
					const turn = await timeStream(
						ctx.http,
						`${ctx.appUrl}/api/chat`,
						{ session_id: chainId, message: `question ${i}` },
						({ event }) => event === 'delta'
					);
					if (turn.status !== 200 || turn.tokenTimes.length === 0)
						throw new Error(`send failed: ${turn.status} ${turn.errors[0] ?? ''}`);
					if (i >= 0) chain.push(performance.now() - started);
				}
				const c = summarize(chain);
				const [s, t, b] = [parts.switch, parts.send, parts.both].map(summarize);
				return [
					{
						what: 'switch version (PATCH current_leaf_id + GET ?limit=50)',
						unit: 'ms',
						n: s.n,
						p50: s.p50,
						p99: s.p99
					},
					{
						what: 'send a question to done (the path goes upstream)',
						unit: 'ms',
						n: t.n,
						p50: t.p50,
						p99: t.p99
					},
					{
						what: `the same send in a single chain of ${pathLength} (no branches)`,
						unit: 'ms',
						n: c.n,
						p50: c.p50,
						p99: c.p99
					},
					{
						what: 'switch version and send',
						unit: 'ms',
						n: b.n,
						p50: b.p50,
						p99: b.p99,
						cpu: cpu / runs,
						// Switching reads a path and a page, never the tree: it may add little to the send.
						goal: 'p50 ≤ chain send + 25 ms',
						verdict: verdict(b.p50, c.p50 + 25)
					}
				];
			}
		}
	];
}

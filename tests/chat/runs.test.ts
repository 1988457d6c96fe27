import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '$lib/api';
import { ServerShutdown, type ChatTurn, type ChatTurnInput } from '$lib/server/chat/orchestrator';
import { ChatRuns } from '$lib/server/chat/runs';
import { AppError } from '$lib/server/errors';
import { silentLogger } from '$lib/server/log';
import { collect, waitUntil } from '../support/factories';

/** A turn the test plays by hand: `say` sends a word, `end` sends done; it waits for either. */
function scriptedTurn(sessionId: string) {
	const queue: ChatEvent[] = [];
	let wake: (() => void) | undefined;
	let signal: AbortSignal | undefined;
	let finished = false;
	const push = (event: ChatEvent) => {
		queue.push(event);
		wake?.();
	};
	const turn: ChatTurn = {
		sessionId,
		async *events(abort) {
			signal = abort;
			abort?.addEventListener('abort', () => wake?.());
			yield { event: 'session', data: { session_id: sessionId, title: 'T', user_message_id: 1 } };
			while (true) {
				while (queue.length) {
					const event = queue.shift()!;
					yield event;
					if (event.event === 'done') {
						await new Promise((resolve) => setTimeout(resolve, 20)); // a generator slow to return
						finished = true;
						return;
					}
				}
				if (abort?.aborted) {
					yield {
						event: 'done',
						data: {
							message_id: 1,
							finish_reason: abort.reason instanceof ServerShutdown ? 'interrupted' : 'aborted'
						}
					};
					finished = true;
					return;
				}
				await new Promise<void>((resolve) => (wake = resolve));
			}
		}
	};
	return {
		turn,
		say: (text: string) => push({ event: 'delta', data: { text } }),
		end: () => push({ event: 'done', data: { message_id: 1, finish_reason: 'stop' } }),
		get signal() {
			return signal;
		},
		get finished() {
			return finished;
		}
	};
}

/** A registry over a chat whose `start` the test controls: known conversations, scripted turns. */
function registry(options: { maxStreams?: number; stopTimeoutMs?: number } = {}) {
	const turns = new Map<string, ReturnType<typeof scriptedTurn>>();
	const known = new Set<string>(['s1', 's2', 's3']);
	let release: (() => void) | undefined;
	let hold = false;
	const runs = new ChatRuns({
		chat: {
			async start(input: ChatTurnInput) {
				if (hold) await new Promise<void>((resolve) => (release = resolve));
				const id = input.sessionId ?? `new${turns.size}`;
				known.add(id);
				const scripted = scriptedTurn(id);
				turns.set(id, scripted);
				return scripted.turn;
			}
		},
		repo: { getConversation: (id) => (known.has(id) ? ({ sessionId: id } as never) : undefined) },
		log: silentLogger,
		maxStreams: options.maxStreams ?? 10,
		stopTimeoutMs: options.stopTimeoutMs
	});
	return {
		runs,
		turn: (id: string) => turns.get(id)!,
		/** Makes the next starts wait (a question being saved) until `release()`. */
		holdStarts: () => (hold = true),
		release: () => {
			hold = false;
			release?.();
		}
	};
}

const texts = (events: ChatEvent[]) =>
	events.map((event) => (event.event === 'delta' ? event.data.text : event.event));

const refusal = (promise: Promise<unknown>) =>
	promise.then(
		() => undefined,
		(error: AppError) => ({ status: error.status, code: error.code, headers: error.headers })
	);

describe('chat runs', () => {
	it('gives every follower the turn from its start, then the live events, until done', async () => {
		const { runs, turn } = registry();
		const run = await runs.start({ sessionId: 's1', message: 'hi' });
		const early = collect(run.follow());
		turn('s1').say('one ');
		turn('s1').say('two ');
		await new Promise((resolve) => setTimeout(resolve, 10));
		const late = collect(run.follow());
		turn('s1').say('three');
		turn('s1').end();

		const expected = ['session', 'one ', 'two ', 'three', 'done'];
		expect(texts(await early)).toEqual(expected);
		expect(texts(await late)).toEqual(expected);
		// One that comes after the end still gets the whole turn.
		expect(texts(await collect(run.follow()))).toEqual(expected);
	});

	it('pushes to a subscriber what happened so far at once, then each event, then the end', async () => {
		const { runs, turn } = registry();
		const run = await runs.start({ sessionId: 's1', message: 'hi' });
		turn('s1').say('one ');
		await new Promise((resolve) => setTimeout(resolve, 10));
		const seen: string[] = [];
		const ended = new Promise<void>((resolve) =>
			run.subscribe({ event: (event) => seen.push(texts([event])[0]), end: resolve })
		);
		expect(seen).toEqual(['session', 'one ']);
		turn('s1').say('two');
		turn('s1').end();
		await ended;
		expect(seen).toEqual(['session', 'one ', 'two', 'done']);
		const late: string[] = [];
		run.subscribe({ event: (event) => late.push(texts([event])[0]), end: () => late.push('end') });
		expect(late).toEqual(['session', 'one ', 'two', 'done', 'end']);
	});

	it('a follower that detaches ends at once; the turn and the others go on', async () => {
		const { runs, turn } = registry();
		const run = await runs.start({ sessionId: 's1', message: 'hi' });
		const controller = new AbortController();
		const leaving = collect(run.follow(controller.signal));
		const staying = collect(run.follow());
		turn('s1').say('one ');
		await new Promise((resolve) => setTimeout(resolve, 10));
		controller.abort();
		expect(texts(await leaving)).toEqual(['session', 'one ']);

		turn('s1').say('two');
		turn('s1').end();
		expect(texts(await staying)).toEqual(['session', 'one ', 'two', 'done']);
		expect(turn('s1').signal?.aborted).toBe(false);
	});

	it('frees the conversation at done, before the turn has wound down', async () => {
		const { runs, turn } = registry();
		const run = await runs.start({ sessionId: 's1', message: 'hi' });
		expect(runs.isRunning('s1')).toBe(true);
		const events: ChatEvent[] = [];
		const following = (async () => {
			for await (const event of run.follow()) {
				events.push(event);
				if (event.event === 'done') {
					expect(runs.isRunning('s1')).toBe(false);
					expect(turn('s1').finished).toBe(false);
				}
			}
		})();
		turn('s1').end();
		await following;
		await run.ended;
		expect(runs.size).toBe(0);
		await expect(runs.start({ sessionId: 's1', message: 'again' })).resolves.toBeDefined();
	});

	it('refuses a second turn for a conversation while one runs or is being set up (409)', async () => {
		const { runs, holdStarts, release } = registry();
		await runs.start({ sessionId: 's1', message: 'first' });
		expect(await refusal(runs.start({ sessionId: 's1', message: 'second' }))).toMatchObject({
			status: 409,
			code: 'already_running'
		});

		holdStarts();
		const setting = runs.start({ sessionId: 's2', message: 'first' });
		expect(await refusal(runs.start({ sessionId: 's2', message: 'second' }))).toMatchObject({
			status: 409,
			code: 'already_running'
		});
		release();
		await setting;
		expect(runs.isRunning('s2')).toBe(true);
	});

	it('counts turns being set up against the cap, and refuses past it with 429 and Retry-After', async () => {
		const { runs, turn, holdStarts, release } = registry({ maxStreams: 2 });
		await runs.start({ message: 'one' });
		holdStarts();
		const second = runs.start({ message: 'two' });
		const refused = await refusal(runs.start({ message: 'three' }));
		expect(refused).toMatchObject({ status: 429, code: 'too_many_streams' });
		expect(Number(refused?.headers?.['retry-after'])).toBeGreaterThan(0);
		release();
		await second;

		turn('new0').end();
		await waitUntil(() => runs.size === 1, 1_000, 'the first turn to end');
		await expect(runs.start({ message: 'three' })).resolves.toBeDefined();
	});

	it('a start the orchestrator refuses frees its place and its conversation', async () => {
		let refuse = true;
		const runs = new ChatRuns({
			chat: {
				start: async (input) => {
					if (refuse) throw new AppError(400, 'bad_request', 'message: must not be empty');
					return scriptedTurn(input.sessionId!).turn;
				}
			},
			repo: { getConversation: () => ({ sessionId: 's1' }) as never },
			log: silentLogger,
			maxStreams: 1
		});
		await expect(runs.start({ sessionId: 's1', message: '' })).rejects.toMatchObject({
			status: 400
		});
		refuse = false;
		await expect(runs.start({ sessionId: 's1', message: 'hi' })).resolves.toBeDefined();
		expect(runs.isRunning('s1')).toBe(true);
	});

	it('stop aborts the turn and answers once it has ended; 409 when none runs, 404 when unknown', async () => {
		const { runs, turn } = registry();
		const run = await runs.start({ sessionId: 's1', message: 'hi' });
		turn('s1').say('partial');
		const done = await runs.stop('s1');
		expect(turn('s1').signal?.aborted).toBe(true);
		expect(done).toEqual({ message_id: 1, finish_reason: 'aborted' });
		expect(run.finished).toBe(true);

		expect(await refusal(runs.stop('s1'))).toMatchObject({ status: 409, code: 'not_running' });
		expect(await refusal(runs.stop('nobody'))).toMatchObject({
			status: 404,
			code: 'session_not_found'
		});
		expect(() => runs.find('nobody')).toThrow(AppError);
	});

	it('a stop does not hang on a turn that ignores its abort signal', async () => {
		const runs = new ChatRuns({
			chat: {
				start: async () => ({
					sessionId: 's1',
					async *events() {
						yield {
							event: 'session',
							data: { session_id: 's1', title: 'T', user_message_id: 1 }
						} as ChatEvent;
						await new Promise(() => {}); // a tool that never returns
					}
				})
			},
			repo: { getConversation: () => ({ sessionId: 's1' }) as never },
			log: silentLogger,
			maxStreams: 1,
			stopTimeoutMs: 50
		});
		await runs.start({ sessionId: 's1', message: 'hi' });
		const started = performance.now();
		await expect(runs.stop('s1')).resolves.toBeUndefined();
		expect(performance.now() - started).toBeLessThan(1_000);
	});

	it('close() stops every turn as a shutdown (interrupted), not as a person’s stop', async () => {
		const { runs, turn } = registry();
		const first = await runs.start({ sessionId: 's1', message: 'a' });
		const second = await runs.start({ sessionId: 's2', message: 'b' });
		await runs.close();
		expect(turn('s1').signal?.reason).toBeInstanceOf(ServerShutdown);
		expect(first.done?.finish_reason).toBe('interrupted');
		expect(second.done?.finish_reason).toBe('interrupted');
		expect(runs.size).toBe(0);
	});
});

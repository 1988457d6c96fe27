import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * mathjs runs in a worker with a memory cap and a time limit, so an expression like
 * `zeros(1e5, 1e5)` or a long loop costs the worker, never the server. Functions that reach beyond
 * plain evaluation are replaced (mathjs "Security" guidance), and each call gets a fresh scope.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { create, all } = require(workerData.mathjs);
const math = create(all);
const evaluate = math.evaluate;
const format = math.format;
const disabled = ${JSON.stringify(['import', 'createUnit', 'reviver', 'evaluate', 'parse', 'compile', 'parser', 'simplify', 'simplifyConstant', 'simplifyCore', 'rationalize', 'derivative', 'resolve', 'leafCount', 'symbolicEqual'])};
math.import(Object.fromEntries(disabled.map((name) => [name, function () { throw new Error(name + ' is not available in this calculator'); }])), { override: true });
parentPort.on('message', ({ id, expression }) => {
	try {
		let result = evaluate(expression, new Map());
		if (result && result.isResultSet) result = result.entries[result.entries.length - 1];
		if (typeof result === 'function') throw new Error('The expression only defines a function; call it too, e.g. "f(x) = x^2; f(3)".');
		const value = result === undefined ? 'undefined' : format(result, { precision: 14, lowerExp: -9, upperExp: 21 });
		parentPort.postMessage({ id, ok: true, value });
	} catch (error) {
		parentPort.postMessage({ id, ok: false, error: String(error && error.message ? error.message : error) });
	}
});
parentPort.postMessage({ ready: true });
`;

interface Pending {
	expression: string;
	resolve(value: string): void;
	reject(error: Error): void;
	/** Set once the expression is handed to a ready worker: start-up time does not count. */
	timer?: NodeJS.Timeout;
}

/** Loading mathjs on a busy machine can take seconds; past this the worker is given up. */
const STARTUP_LIMIT_MS = 30_000;
/** A worker with mathjs loaded holds about 55 MB; one nobody asked for this long is stopped. */
const IDLE_STOP_MS = 5 * 60_000;

export interface MathEvaluatorOptions {
	timeoutMs?: number;
	maxLength?: number;
	memoryMb?: number;
	/** How long the worker stays up after its last call (default 5 minutes). */
	idleStopMs?: number;
}

export class MathEvaluator {
	readonly #timeoutMs: number;
	readonly #maxLength: number;
	readonly #memoryMb: number;
	readonly #pending = new Map<number, Pending>();
	#worker: Worker | undefined;
	#ready = false;
	#startupTimer: NodeJS.Timeout | undefined;
	#warmTimer: NodeJS.Timeout | undefined;
	#idleTimer: NodeJS.Timeout | undefined;
	readonly #idleStopMs: number;
	#closed = false;
	#nextId = 1;

	constructor({
		timeoutMs = 2000,
		maxLength = 2000,
		memoryMb = 96,
		idleStopMs = IDLE_STOP_MS
	}: MathEvaluatorOptions = {}) {
		this.#timeoutMs = timeoutMs;
		this.#maxLength = maxLength;
		this.#memoryMb = memoryMb;
		this.#idleStopMs = idleStopMs;
	}

	/** Whether a worker is up (loading or ready). */
	get running(): boolean {
		return this.#worker !== undefined;
	}

	/** The result as text; rejects with a message meant for the model when the expression fails. */
	evaluate(expression: string): Promise<string> {
		if (this.#closed) return Promise.reject(new Error('The calculator was shut down.'));
		if (!expression.trim()) return Promise.reject(new Error('The expression is empty.'));
		if (expression.length > this.#maxLength) {
			return Promise.reject(
				new Error(`The expression is longer than ${this.#maxLength} characters.`)
			);
		}
		this.#ensureWorker();
		const id = this.#nextId++;
		return new Promise<string>((resolve, reject) => {
			this.#pending.set(id, { expression, resolve, reject });
			if (this.#ready) this.#dispatch(id);
		});
	}

	#dispatch(id: number) {
		const pending = this.#pending.get(id);
		if (!pending || pending.timer || !this.#worker) return;
		pending.timer = setTimeout(() => {
			this.#restart(
				`The expression took longer than ${this.#timeoutMs} ms, so it was stopped.`,
				id
			);
		}, this.#timeoutMs);
		this.#worker.postMessage({ id, expression: pending.expression });
	}

	/**
	 * Starts the worker ahead of the first call (loading mathjs takes most of a second), after
	 * `delayMs`. Nothing calls it at start-up any more: the worker's memory is paid only once the
	 * calculator is used.
	 */
	warmUp(delayMs = 1500): void {
		if (this.#worker || this.#warmTimer || this.#closed) return;
		this.#warmTimer = setTimeout(() => {
			this.#warmTimer = undefined;
			if (!this.#closed) this.#ensureWorker();
		}, delayMs);
		this.#warmTimer.unref();
	}

	async close(): Promise<void> {
		this.#closed = true;
		clearTimeout(this.#warmTimer);
		clearTimeout(this.#startupTimer);
		clearTimeout(this.#idleTimer);
		this.#warmTimer = undefined;
		const worker = this.#worker;
		this.#worker = undefined;
		this.#failAll('The calculator was shut down.');
		await worker?.terminate();
	}

	#ensureWorker(): Worker {
		if (this.#worker) return this.#worker;
		const worker = new Worker(WORKER_SOURCE, {
			eval: true,
			workerData: { mathjs: createRequire(import.meta.url).resolve('mathjs') },
			resourceLimits: {
				maxOldGenerationSizeMb: this.#memoryMb,
				maxYoungGenerationSizeMb: 16,
				stackSizeMb: 4
			}
		});
		worker.unref();
		this.#ready = false;
		clearTimeout(this.#startupTimer);
		clearTimeout(this.#idleTimer);
		this.#idleTimer = undefined;
		this.#startupTimer = setTimeout(() => {
			if (this.#worker !== worker) return;
			this.#worker = undefined;
			this.#failAll('The calculator could not start in time; try again.');
			void worker.terminate();
		}, STARTUP_LIMIT_MS);
		this.#startupTimer.unref();
		worker.on(
			'message',
			(message: { ready?: true; id: number; ok: boolean; value?: string; error?: string }) => {
				if (message.ready) {
					if (this.#worker !== worker) return;
					clearTimeout(this.#startupTimer);
					this.#ready = true;
					for (const id of this.#pending.keys()) this.#dispatch(id);
					return;
				}
				const pending = this.#pending.get(message.id);
				if (!pending) return;
				this.#pending.delete(message.id);
				clearTimeout(pending.timer);
				if (message.ok) pending.resolve(message.value ?? '');
				else pending.reject(new Error(message.error ?? 'The expression failed.'));
				this.#idle(worker);
			}
		);
		worker.on('error', (error: Error & { code?: string }) => {
			const reason =
				error.code === 'ERR_WORKER_OUT_OF_MEMORY'
					? 'The expression needed more memory than the calculator allows.'
					: `The calculator failed: ${error.message}`;
			if (this.#worker !== worker) return;
			this.#worker = undefined;
			this.#failAll(reason);
		});
		worker.on('exit', () => {
			if (this.#worker === worker) {
				this.#worker = undefined;
				this.#failAll('The calculator stopped unexpectedly; try again.');
			}
		});
		this.#worker = worker;
		return worker;
	}

	/** (Re)starts the idle clock after a call: a worker left alone for `idleStopMs` is stopped. */
	#idle(worker: Worker) {
		if (this.#idleTimer) {
			this.#idleTimer.refresh();
			return;
		}
		this.#idleTimer = setTimeout(() => {
			this.#idleTimer = undefined;
			if (this.#worker !== worker) return;
			if (this.#pending.size > 0) {
				this.#idle(worker);
				return;
			}
			this.#worker = undefined;
			void worker.terminate();
		}, this.#idleStopMs);
		this.#idleTimer.unref();
	}

	/** Stops a stuck worker: the call that timed out gets `reason`, others are asked to retry. */
	#restart(reason: string, culprit: number) {
		const worker = this.#worker;
		this.#worker = undefined;
		for (const [id, pending] of this.#pending) {
			clearTimeout(pending.timer);
			pending.reject(
				new Error(
					id === culprit
						? reason
						: 'The calculator was restarted while this expression waited; try again.'
				)
			);
		}
		this.#pending.clear();
		void worker?.terminate();
	}

	#failAll(reason: string) {
		for (const pending of this.#pending.values()) {
			clearTimeout(pending.timer);
			pending.reject(new Error(reason));
		}
		this.#pending.clear();
	}
}

/** How long a server's question waits for the person before it is cancelled. */
export const QUESTION_TIMEOUT_MS = 10 * 60_000;

interface Waiting<Answer> {
	sessionId: string;
	finish(answer: Answer): void;
}

/**
 * Questions put to the person during a chat (elicitations, sampling approvals), each waiting
 * under an id until it is answered, the chat is stopped or the time runs out. Like the tool
 * approvals (approvals.ts), keyed by conversation so one chat cannot answer another's.
 */
export class PendingQuestions<Answer> {
	readonly #pending = new Map<string, Waiting<Answer>>();
	readonly #timeoutMs: number;

	constructor(timeoutMs = QUESTION_TIMEOUT_MS) {
		this.#timeoutMs = timeoutMs;
	}

	/** Resolves with the answer, or `fallback` when `signal` aborts or nobody answers in time. */
	wait(sessionId: string, id: string, fallback: Answer, signal?: AbortSignal): Promise<Answer> {
		return new Promise((resolve) => {
			const finish = (answer: Answer) => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				this.#pending.delete(id);
				resolve(answer);
			};
			const onAbort = () => finish(fallback);
			const timer = setTimeout(onAbort, this.#timeoutMs);
			if (signal?.aborted) return finish(fallback);
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#pending.set(id, { sessionId, finish });
		});
	}

	/** Whether the question `id` of that conversation is waiting. */
	has(sessionId: string, id: string): boolean {
		return this.#pending.get(id)?.sessionId === sessionId;
	}

	/** Answers it; false when nothing of that conversation waits under that id. */
	answer(sessionId: string, id: string, answer: Answer): boolean {
		const waiting = this.#pending.get(id);
		if (!waiting || waiting.sessionId !== sessionId) return false;
		waiting.finish(answer);
		return true;
	}

	get size(): number {
		return this.#pending.size;
	}
}

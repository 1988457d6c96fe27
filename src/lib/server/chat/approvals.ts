import { notFound } from '../errors';

export type ApprovalDecision = 'approve' | 'deny';

/** Tool calls waiting for a person's decision (servers with `approval: "ask"`). */
export class ApprovalRegistry {
	readonly #pending = new Map<string, (decision: ApprovalDecision) => void>();

	static key(sessionId: string, toolCallId: string): string {
		return `${sessionId}\u0000${toolCallId}`;
	}

	/** Resolves with the decision; 'deny' when the stream is aborted or nobody answers in time. */
	wait(key: string, signal?: AbortSignal, timeoutMs = 10 * 60_000): Promise<ApprovalDecision> {
		return new Promise((resolve) => {
			const finish = (decision: ApprovalDecision) => {
				clearTimeout(timer);
				signal?.removeEventListener('abort', onAbort);
				this.#pending.delete(key);
				resolve(decision);
			};
			const onAbort = () => finish('deny');
			const timer = setTimeout(() => finish('deny'), timeoutMs);
			signal?.addEventListener('abort', onAbort, { once: true });
			this.#pending.set(key, finish);
		});
	}

	/** Returns false when no call with that key is waiting. */
	decide(key: string, decision: ApprovalDecision): boolean {
		const finish = this.#pending.get(key);
		if (!finish) return false;
		finish(decision);
		return true;
	}

	/** A person's answer to `POST /api/chat/approvals`; 404 when no such call is waiting. */
	answer(sessionId: string, toolCallId: string, decision: ApprovalDecision): void {
		if (!this.decide(ApprovalRegistry.key(sessionId, toolCallId), decision)) {
			throw notFound(
				'No tool call is waiting for approval with that id (it may have timed out or the chat was stopped).',
				'approval_not_found'
			);
		}
	}

	get size(): number {
		return this.#pending.size;
	}
}

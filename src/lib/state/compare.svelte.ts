import { chatEvents, type ChatEvent, type ChatRequest, type Usage } from '$lib/api';
import { errorFrom } from '$lib/api/client';
import { isSseComment, readSse } from '$lib/api/sse';

/** The fewest and most models compared at once. */
export const COMPARE_MIN = 2;
export const COMPARE_MAX = 4;

/** One model's reply, side by side with the others. */
export interface CompareColumn {
	modelId: string;
	content: string;
	usage: Usage | null;
	error: string | null;
	streaming: boolean;
	/** The reply's last row, once saved: what "Continue with this reply" shows. */
	messageId: number | null;
	tools: number;
}

/**
 * Compare models: the same question answered by two to four models at once, each reply its own
 * `POST /api/chat {reply_to, model_id}` (a sibling of the question's other replies, with its own
 * tokens and cost). Choosing one is the caller's (the conversation then follows it).
 */
export class CompareState {
	#question = $state<{ sessionId: string; id: number; content: string } | null>(null);
	#columns = $state<CompareColumn[]>([]);
	#controllers: AbortController[] = [];
	chosen = $state<string[]>([]);

	get question() {
		return this.#question;
	}
	get columns() {
		return this.#columns;
	}
	get running() {
		return this.#columns.some((column) => column.streaming);
	}
	get canStart() {
		return !this.running && this.chosen.length >= COMPARE_MIN && this.chosen.length <= COMPARE_MAX;
	}

	open(sessionId: string, id: number, content: string, models: string[] = []): void {
		this.close();
		this.#question = { sessionId, id, content };
		this.chosen = models.slice(0, COMPARE_MAX);
	}

	toggle(modelId: string): void {
		if (this.chosen.includes(modelId)) this.chosen = this.chosen.filter((id) => id !== modelId);
		else if (this.chosen.length < COMPARE_MAX) this.chosen = [...this.chosen, modelId];
	}

	/** Streams one reply per chosen model, all at once; resolves when every one has ended. */
	async start(): Promise<void> {
		const question = this.#question;
		if (!question || !this.canStart) return;
		this.#columns = this.chosen.map((modelId) => ({
			modelId,
			content: '',
			usage: null,
			error: null,
			streaming: true,
			messageId: null,
			tools: 0
		}));
		await Promise.all(
			this.#columns.map((_, index) =>
				this.#stream(index, {
					session_id: question.sessionId,
					message: '',
					reply_to: question.id,
					model_id: this.chosen[index]
				})
			)
		);
	}

	/** Stops following the replies (the server finishes them; they stay as versions). */
	/** The conversation of the question being compared (null when closed). */
	get sessionId(): string | null {
		return this.#question?.sessionId ?? null;
	}

	close(): void {
		for (const controller of this.#controllers.splice(0)) controller.abort();
		this.#question = null;
		this.#columns = [];
		this.chosen = [];
	}

	async #stream(index: number, body: ChatRequest): Promise<void> {
		const controller = new AbortController();
		this.#controllers.push(controller);
		const column = this.#columns[index];
		try {
			const response = await fetch('/api/chat', {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				signal: controller.signal
			});
			if (!response.ok || !response.body) {
				column.error = (await errorFrom(response)).message;
				return;
			}
			for await (const item of readSse(response.body)) {
				if (isSseComment(item) || !item.event) continue;
				const schema = chatEvents[item.event as keyof typeof chatEvents];
				const parsed = schema?.safeParse(JSON.parse(item.data));
				if (parsed?.success) apply(column, { event: item.event, data: parsed.data } as ChatEvent);
			}
		} catch (error) {
			if (!controller.signal.aborted) column.error = (error as Error).message;
		} finally {
			column.streaming = false;
		}
	}
}

function apply(column: CompareColumn, event: ChatEvent) {
	switch (event.event) {
		case 'delta':
			column.content += event.data.text;
			break;
		case 'tool_call':
			column.tools++;
			break;
		case 'usage':
			column.usage = event.data;
			break;
		case 'error':
			column.error = event.data.message;
			break;
		case 'done':
			column.messageId = event.data.message_id;
			break;
	}
}

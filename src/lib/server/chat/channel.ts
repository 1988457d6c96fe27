/** A tiny async queue: producers push, one consumer iterates until close(). */
export class Channel<T> implements AsyncIterable<T> {
	#items: T[] = [];
	#waiting: (() => void) | undefined;
	#closed = false;

	push(item: T): void {
		this.#items.push(item);
		this.#wake();
	}

	close(): void {
		this.#closed = true;
		this.#wake();
	}

	#wake() {
		const wake = this.#waiting;
		this.#waiting = undefined;
		wake?.();
	}

	async *[Symbol.asyncIterator](): AsyncIterator<T> {
		while (true) {
			while (this.#items.length) yield this.#items.shift()!;
			if (this.#closed) return;
			await new Promise<void>((resolve) => (this.#waiting = resolve));
		}
	}
}

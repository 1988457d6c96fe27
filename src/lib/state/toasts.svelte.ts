export interface Toast {
	id: number;
	kind: 'success' | 'error' | 'info';
	message: string;
}

/** Short notices: saves confirmed, failures reported (nothing fails silently). */
export class Toasts {
	#items = $state<Toast[]>([]);
	#next = 1;

	get items(): Toast[] {
		return this.#items;
	}

	show(kind: Toast['kind'], message: string, timeoutMs = kind === 'error' ? 8000 : 3500): void {
		const id = this.#next++;
		this.#items = [...this.#items, { id, kind, message }];
		setTimeout(() => this.dismiss(id), timeoutMs);
	}

	success = (message: string) => this.show('success', message);
	error = (message: string) => this.show('error', message);
	info = (message: string) => this.show('info', message);

	dismiss(id: number): void {
		this.#items = this.#items.filter((toast) => toast.id !== id);
	}

	reset(): void {
		this.#items = [];
	}
}

export type ThemeChoice = 'system' | 'light' | 'dark';
const STORAGE_KEY = 'switchboard:theme';

/** Light/dark follows the system unless the person picks one (remembered per browser). */
export class Theme {
	#choice = $state<ThemeChoice>('system');

	get choice(): ThemeChoice {
		return this.#choice;
	}

	load(): void {
		const saved = localStorage.getItem(STORAGE_KEY);
		this.#choice = saved === 'light' || saved === 'dark' ? saved : 'system';
	}

	set(choice: ThemeChoice): void {
		this.#choice = choice;
		if (choice === 'system') {
			localStorage.removeItem(STORAGE_KEY);
			delete document.documentElement.dataset.theme;
		} else {
			localStorage.setItem(STORAGE_KEY, choice);
			document.documentElement.dataset.theme = choice;
		}
	}

	/** system -> light -> dark -> system */
	cycle(): void {
		this.set(this.#choice === 'system' ? 'light' : this.#choice === 'light' ? 'dark' : 'system');
	}
}

import {
	defaultSpeechSettings,
	speechSettings as speechSettingsSchema,
	type SpeechSettings
} from '$lib/api/speech';

export const SPEECH_SETTINGS_STORAGE_KEY = 'switchboard.speech-settings';

/** What the form holds: the settings' shape, but a field may be mid-edit (empty number → null). */
export type SpeechSettingsForm = { [K in keyof SpeechSettings]: SpeechSettings[K] | null };

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const browserStorage = (): StorageLike | null =>
	typeof localStorage === 'undefined' ? null : localStorage;

/**
 * Dictation settings, remembered per browser (localStorage). Kept as typed, even when invalid, so
 * the panel shows the person's own value next to its error; `valid` is what a socket may use.
 */
export class SpeechSettingsState {
	values = $state<SpeechSettingsForm>({ ...defaultSpeechSettings });
	readonly #storage: () => StorageLike | null;

	readonly #result = $derived(speechSettingsSchema.safeParse(this.values));

	/** One message per field with a problem, keyed by field name. */
	readonly errors = $derived.by(() => {
		const errors: Partial<Record<keyof SpeechSettings, string>> = {};
		if (this.#result.success) return errors;
		for (const issue of this.#result.error.issues) {
			const field = issue.path[0] as keyof SpeechSettings;
			errors[field] ??= issue.message;
		}
		return errors;
	});

	constructor(storage: () => StorageLike | null = browserStorage) {
		this.#storage = storage;
		this.load();
	}

	get valid(): SpeechSettings | null {
		return this.#result.success ? this.#result.data : null;
	}

	load(): void {
		const raw = this.#storage()?.getItem(SPEECH_SETTINGS_STORAGE_KEY);
		let stored: Record<string, unknown> = {};
		try {
			stored = raw ? JSON.parse(raw) : {};
		} catch {
			stored = {};
		}
		const values: SpeechSettingsForm = { ...defaultSpeechSettings };
		for (const key of Object.keys(values) as (keyof SpeechSettings)[]) {
			const value = stored[key];
			if (value === null || typeof value === typeof defaultSpeechSettings[key]) {
				(values as Record<string, unknown>)[key] = value;
			}
		}
		this.values = values;
	}

	save(): void {
		this.#storage()?.setItem(SPEECH_SETTINGS_STORAGE_KEY, JSON.stringify(this.values));
	}

	update(patch: Partial<SpeechSettingsForm>): void {
		this.values = { ...this.values, ...patch };
		this.save();
	}

	reset(): void {
		this.values = { ...defaultSpeechSettings };
		this.#storage()?.removeItem(SPEECH_SETTINGS_STORAGE_KEY);
	}
}

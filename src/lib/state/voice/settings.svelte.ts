import {
	defaultVoiceSettings,
	voiceSettings as voiceSettingsSchema,
	type VoiceSettings
} from '$lib/api/voice';

export const VOICE_SETTINGS_STORAGE_KEY = 'switchboard.voice-settings';

/** What the form holds: the settings' shape, but a field may be mid-edit (empty number → null). */
export type VoiceSettingsForm = { [K in keyof VoiceSettings]: VoiceSettings[K] | null };

type StorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

const browserStorage = (): StorageLike | null =>
	typeof localStorage === 'undefined' ? null : localStorage;

/**
 * Reading-aloud settings (voice, Read replies aloud, speaking rate), remembered per browser like
 * the dictation settings; `valid` is what a speak socket may use.
 */
export class VoiceSettingsState {
	values = $state<VoiceSettingsForm>({ ...defaultVoiceSettings });
	readonly #storage: () => StorageLike | null;

	readonly #result = $derived(voiceSettingsSchema.safeParse(this.values));

	/** One message per field with a problem, keyed by field name. */
	readonly errors = $derived.by(() => {
		const errors: Partial<Record<keyof VoiceSettings, string>> = {};
		if (this.#result.success) return errors;
		for (const issue of this.#result.error.issues) {
			const field = issue.path[0] as keyof VoiceSettings;
			errors[field] ??= issue.message;
		}
		return errors;
	});

	constructor(storage: () => StorageLike | null = browserStorage) {
		this.#storage = storage;
		this.load();
	}

	get valid(): VoiceSettings | null {
		return this.#result.success ? this.#result.data : null;
	}

	/** "voice: An Aura voice such as …", for a message that sends the person to the settings. */
	get problem(): string | null {
		const [field, message] = Object.entries(this.errors)[0] ?? [];
		return field ? `${field.replaceAll('_', ' ')}: ${message}` : null;
	}

	load(): void {
		const raw = this.#storage()?.getItem(VOICE_SETTINGS_STORAGE_KEY);
		let stored: Record<string, unknown> = {};
		try {
			stored = raw ? JSON.parse(raw) : {};
		} catch {
			stored = {};
		}
		const values: VoiceSettingsForm = { ...defaultVoiceSettings };
		for (const key of Object.keys(values) as (keyof VoiceSettings)[]) {
			const value = stored[key];
			if (value === null || typeof value === typeof defaultVoiceSettings[key]) {
				(values as Record<string, unknown>)[key] = value;
			}
		}
		this.values = values;
	}

	save(): void {
		this.#storage()?.setItem(VOICE_SETTINGS_STORAGE_KEY, JSON.stringify(this.values));
	}

	update(patch: Partial<VoiceSettingsForm>): void {
		this.values = { ...this.values, ...patch };
		this.save();
	}

	reset(): void {
		this.values = { ...defaultVoiceSettings };
		this.#storage()?.removeItem(VOICE_SETTINGS_STORAGE_KEY);
	}
}

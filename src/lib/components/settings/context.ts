import { ModelSettingsState, setModelSettings } from '$lib/state/model-settings.svelte';
import { ModelsState, setModels } from '$lib/state/models.svelte';
import { PresetsState, setPresets } from '$lib/state/presets.svelte';
import { SuggestionsState, setSuggestions } from '$lib/state/suggestions.svelte';

/** Creates the model-setup states once for the app (call from the root layout's script). */
export function provideSettingsState() {
	const modelSettings = setModelSettings(new ModelSettingsState());
	const models = setModels(new ModelsState());
	const presets = setPresets(new PresetsState(modelSettings));
	const suggestions = setSuggestions(new SuggestionsState());
	return { modelSettings, models, presets, suggestions };
}

import { createContext } from 'svelte';
import { goto, invalidateAll } from '$app/navigation';
import { DEMO_MODEL_ID } from '$lib/api';
import { ChatPlace } from './chat-place.svelte';
import { ChatState } from './chat.svelte';
import { McpChatState } from './mcp-chat.svelte';
import { ModelSettingsState } from './model-settings.svelte';
import { ModelsState } from './models.svelte';
import { PresetsState } from './presets.svelte';
import { ProjectsState } from './projects.svelte';
import { SessionsState } from './sessions.svelte';
import { SignedUrls } from './signed-urls';
import { Dictation } from './speech/dictation.svelte';
import { SpeechSettingsState } from './speech/settings.svelte';
import { SuggestionsState } from './suggestions.svelte';
import { Theme } from './theme.svelte';
import { VoiceSettingsState } from './voice/settings.svelte';
import { Voice } from './voice/voice.svelte';
import { Toasts } from './toasts.svelte';

/** What the state needs from SvelteKit's router; tests can pass stand-ins. */
export interface Navigation {
	goto: typeof goto;
	invalidateAll: typeof invalidateAll;
}

/**
 * The browser's state, built once for the app by the root layout, each piece wired to the others
 * it needs. Components reach a piece through its typed context (`getChat()`, `getToasts()`...).
 * Page-scoped state (the MCP list, the Google connection, a composer's uploads) is created by
 * the page or component it belongs to, so it starts fresh on each visit.
 */
export class AppState {
	readonly toasts = new Toasts();
	readonly theme = new Theme();
	readonly sessions = new SessionsState();
	readonly chat = new ChatState();
	readonly place = new ChatPlace();
	readonly projects = new ProjectsState();
	readonly modelSettings = new ModelSettingsState();
	readonly models = new ModelsState();
	readonly presets = new PresetsState(this.modelSettings, undefined, () => this.chat.webSearch);
	readonly suggestions = new SuggestionsState();
	readonly speechSettings = new SpeechSettingsState();
	readonly dictation = new Dictation(this.speechSettings);
	readonly voiceSettings = new VoiceSettingsState();
	readonly voice = new Voice(this.voiceSettings, this.speechSettings, this.dictation);
	readonly signedUrls = new SignedUrls();
	readonly mcpChat = new McpChatState();
	readonly #navigation: Navigation;

	constructor(navigation: Navigation = { goto, invalidateAll }) {
		this.#navigation = navigation;
		this.chat.hooks = {
			beforeSend: () => this.modelSettings.settled(),
			newConversation: () => this.place.newConversation(),
			onSessionStarted: (sessionId, title) => {
				const now = new Date().toISOString();
				const projectId = this.place.newProjectId;
				const temporary = this.place.newTemporary;
				this.place.started(sessionId);
				// A temporary chat is never listed.
				if (!temporary) {
					this.sessions.upsert({
						session_id: sessionId,
						title,
						created_at: now,
						updated_at: now,
						message_count: 1,
						project_id: projectId,
						pinned: false,
						model_id: null
					});
					this.projects.countMove(null, projectId);
				}
				void navigation.goto(`/c/${sessionId}`, {
					replaceState: true,
					keepFocus: true,
					noScroll: true
				});
			},
			onTurnFinished: () => this.sessions.refresh()
		};
	}

	/** Once the page is interactive: the theme saved in this browser, the conversation list. */
	start(): void {
		// Marks the page interactive (tests wait for it instead of racing hydration).
		document.documentElement.dataset.ready = 'true';
		this.theme.load();
		void this.sessions.refresh();
		void this.projects.load();
	}

	/** The setup banner's way out: through the picker's state, so the header shows it at once. */
	async useDemoModel(): Promise<void> {
		if (await this.modelSettings.selectModel(DEMO_MODEL_ID)) {
			this.toasts.success(`Now using the offline demo model (${DEMO_MODEL_ID}).`);
			await this.#navigation.invalidateAll();
		} else {
			this.toasts.error(this.modelSettings.modelError ?? 'Could not switch to the demo model.');
		}
	}
}

export const [getToasts, setToasts] = createContext<Toasts>();
export const [getSessions, setSessions] = createContext<SessionsState>();
export const [getChat, setChat] = createContext<ChatState>();
export const [getModelSettings, setModelSettings] = createContext<ModelSettingsState>();
export const [getModels, setModels] = createContext<ModelsState>();
export const [getPresets, setPresets] = createContext<PresetsState>();
export const [getSuggestions, setSuggestions] = createContext<SuggestionsState>();
export const [getSpeechSettings, setSpeechSettings] = createContext<SpeechSettingsState>();
export const [getDictation, setDictation] = createContext<Dictation>();
export const [getVoiceSettings, setVoiceSettings] = createContext<VoiceSettingsState>();
export const [getVoice, setVoice] = createContext<Voice>();
export const [getSignedUrls, setSignedUrls] = createContext<SignedUrls>();
export const [getMcpChat, setMcpChat] = createContext<McpChatState>();
export const [getChatPlace, setChatPlace] = createContext<ChatPlace>();
export const [getProjects, setProjects] = createContext<ProjectsState>();

/** Builds the app's state and provides every piece to the tree (call from the root layout). */
export function provideAppState(app = new AppState()): AppState {
	setToasts(app.toasts);
	setSessions(app.sessions);
	setChat(app.chat);
	setModelSettings(app.modelSettings);
	setModels(app.models);
	setPresets(app.presets);
	setSuggestions(app.suggestions);
	setSpeechSettings(app.speechSettings);
	setDictation(app.dictation);
	setVoiceSettings(app.voiceSettings);
	setVoice(app.voice);
	setSignedUrls(app.signedUrls);
	setMcpChat(app.mcpChat);
	setChatPlace(app.place);
	setProjects(app.projects);
	return app;
}

import { version } from '../../../package.json';
import { ApprovalRegistry } from './chat/approvals';
import { createAttachments, type AttachmentService } from './attachments';
import { ChatAttachmentService, type ChatAttachments } from './chat/attachments';
import { ChatToolChoice } from './chat/chat-tools';
import { ElicitationRegistry } from './chat/elicitations';
import { chatInteractions } from './chat/interactions';
import { ChatOrchestrator } from './chat/orchestrator';
import { SamplingRegistry } from './chat/samplings';
import { INTERRUPTED, STREAMING } from './chat/reply-draft';
import { ChatRepository } from './chat/repository';
import { ChatRuns } from './chat/runs';
import type { ToolProvider } from './chat/tools';
import type { Config } from './config';
import { holdDataDir } from './db/backup';
import { openDatabase, type Db } from './db/client';
import { createLogger, type Logger } from './log';
import { OpenRouterClient } from './openrouter/client';
import { createDemoTransport } from './openrouter/demo';
import { createHttpTransport, type Transport } from './openrouter/transport';
import { ModelCatalogue } from './models/catalogue';
import { ModelSettingsService } from './settings/model';
import { PresetService } from './settings/presets';
import { SuggestionService } from './settings/suggestions';
import type { ModelSettingsSource } from './settings/model-settings';
import { SessionService } from './chat/sessions';
import { SpeechTokenService } from './speech/deepgram';
import { GoogleService } from './google/service';
import { googleBuiltin, GOOGLE_SERVER_ID } from './google/builtin';
import { McpAggregator } from './mcp/aggregator';
import { calculatorServer } from './mcp/builtin/calculator';
import { housekeepingServer } from './mcp/builtin/housekeeping';
import { BuiltinRegistry } from './mcp/builtin/registry';
import { createMcpConfigStore } from './mcp/config-store';
import { McpOAuth } from './mcp/oauth';
import { McpPrompts } from './mcp/prompts';
import { McpResources } from './mcp/resources';
import { AuthService } from './auth';
import { Placement } from './projects/placement';
import { ProjectRepository } from './projects/repository';
import { ChatScope } from './projects/scope';
import { ProjectService } from './projects/service';
import { TemporaryChatReaper, withoutTemporaryLogs } from './projects/temporary';
import { TransferService } from './transfer/service';

/** The few settings routes read: the upload limit, the storage kind, what is set up, the password. */
export interface RouteConfig {
	attachments: Pick<Config['attachments'], 'maxSizeBytes' | 'gcsBucket'>;
	deepgram: Pick<Config['deepgram'], 'apiKey'>;
	server: Pick<Config['server'], 'appPassword'>;
}

/** What routes see as `event.locals.services`: the domain services, no database or wiring. */
export interface AppServices {
	/** The chat turns running on the server: start, follow, stop. */
	runs: ChatRuns;
	approvals: ApprovalRegistry;
	elicitations: ElicitationRegistry;
	samplings: SamplingRegistry;
	toolChoice: ChatToolChoice;
	sessions: SessionService;
	projects: ProjectService;
	/** Export and import of conversations. */
	transfer: TransferService;
	attachments: AttachmentService;
	modelSettings: ModelSettingsService;
	models: ModelCatalogue;
	presets: PresetService;
	suggestions: SuggestionService;
	mcp: McpAggregator;
	prompts: McpPrompts;
	resources: McpResources;
	mcpOAuth: McpOAuth;
	speech: SpeechTokenService;
	google: GoogleService;
	auth: AuthService;
	openrouter: Pick<OpenRouterClient, 'configured'>;
	config: RouteConfig;
	log: Logger;
	version: string;
}

/** Everything the composition root built: for the server's start and shutdown, and for tests. */
export interface Services extends AppServices {
	/** Runs one turn; routes go through `runs`, which keeps it going without a browser. */
	chat: ChatOrchestrator;
	config: Config;
	openrouter: OpenRouterClient;
	db: Db;
	repo: ChatRepository;
	settings: ModelSettingsSource;
	tools: ToolProvider;
	chatAttachments: ChatAttachments;
	/**
	 * Marks replies a previous process left half-written as interrupted, then starts the
	 * background work: MCP connections (in the background), the attachment reaper and the
	 * temporary chats' reaper (which deletes every temporary chat at start).
	 */
	start(): void;
	close(): Promise<void>;
}

export interface ServiceOverrides {
	log?: Logger;
	transport?: Transport;
	demoTokenDelayMs?: number;
	now?: () => Date;
}

/**
 * The composition root: every service built once, collaborators passed in. Nothing runs in the
 * background until `start()`.
 */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
	const log =
		overrides.log ?? createLogger({ dir: config.logDir, level: config.logLevel, echo: true });
	const db = openDatabase(config.dataDir);
	const repo = new ChatRepository(db);
	const httpTransport = overrides.transport
		? undefined
		: createHttpTransport(config.openrouter.baseUrl, config.openrouter.timeoutMs, {
				// Every running reply holds a connection, plus the model list and a retry or two.
				connections: config.chat.maxStreams + 16
			});
	const openrouter = new OpenRouterClient({
		apiKey: config.openrouter.apiKey,
		transport: overrides.transport ?? httpTransport!,
		demoTransport: createDemoTransport({ tokenDelayMs: overrides.demoTokenDelayMs }),
		appUrl: config.server.origin
	});
	const modelSettings = new ModelSettingsService({
		dataDir: config.dataDir,
		env: config.openrouter
	});
	const settings: ModelSettingsSource = modelSettings;
	const models = new ModelCatalogue({ source: openrouter, log, now: overrides.now });
	const google = new GoogleService({ config, log });
	const builtins: BuiltinRegistry = new BuiltinRegistry([
		calculatorServer(),
		housekeepingServer({
			repo,
			now: overrides.now,
			status: async (): Promise<Record<string, unknown>> => ({
				version,
				openrouter: { configured: openrouter.configured },
				model: (await settings.current()).modelId,
				mcp_servers: (await mcp.listServers()).map(({ id, status, error, tools }) => ({
					id,
					status,
					error,
					tools: tools.length
				}))
			})
		}),
		googleBuiltin(google)
	]);
	const mcp: McpAggregator = new McpAggregator({
		store: createMcpConfigStore(config.dataDir, builtins),
		builtins,
		log: log.child({ component: 'mcp' }),
		version
	});
	// The OAuth callback, a disconnect and a lost grant connect or drop the `google` server.
	google.onChange(() => mcp.reconnect(GOOGLE_SERVER_ID));
	const mcpOAuth = new McpOAuth({
		dataDir: config.dataDir,
		origin: config.server.origin,
		log: log.child({ component: 'mcp' }),
		config: async (id) => (await mcp.listConfigs()).find((server) => server.id === id),
		reconnect: (id) => mcp.reconnect(id)
	});
	mcp.oauth = mcpOAuth;
	const prompts = new McpPrompts(mcp);
	const resources = new McpResources(mcp);
	const presets = new PresetService({
		dataDir: config.dataDir,
		modelSettings,
		mcp,
		models,
		now: overrides.now
	});
	const suggestions = new SuggestionService({ dataDir: config.dataDir });
	const tools: ToolProvider = mcp;
	const { service: attachments, reaper } = createAttachments(config, {
		db,
		log,
		now: overrides.now
	});
	const chatAttachments = new ChatAttachmentService({
		store: attachments,
		log: log.child({ component: 'attachments' }),
		modelInputs: async (id) =>
			(await models.list()).models.find((model) => model.id === id)?.input_modalities
	});
	const approvals = new ApprovalRegistry();
	const elicitations = new ElicitationRegistry();
	const samplings = new SamplingRegistry({
		client: openrouter,
		policy: (serverId) => mcp.samplingPolicy(serverId),
		log: log.child({ component: 'mcp' })
	});
	const toolChoice = new ChatToolChoice(db);
	const speech = new SpeechTokenService({ ...config.deepgram, log });
	const auth = new AuthService({
		password: config.server.appPassword,
		publicOrigin: config.server.publicOrigin,
		db,
		log: log.child({ component: 'auth' }),
		now: overrides.now
	});
	const projectRepo = new ProjectRepository(db);
	const chat = new ChatOrchestrator({
		repo,
		client: openrouter,
		settings,
		tools,
		attachments: chatAttachments,
		approvals,
		// Temporary chats are never written to the conversation logs.
		log: withoutTemporaryLogs(log, repo),
		models,
		now: overrides.now,
		scope: new ChatScope(repo, projectRepo),
		toolChoice,
		resources,
		interactions: chatInteractions(elicitations, samplings)
	});
	const runs = new ChatRuns({ chat, repo, log, maxStreams: config.chat.maxStreams });
	const sessions = new SessionService(
		repo,
		attachments,
		runs,
		new Placement(projectRepo, models, overrides.now),
		toolChoice
	);
	const deleteSession = (sessionId: string) => sessions.delete(sessionId);
	const projects = new ProjectService({
		projects: projectRepo,
		deleteSession,
		models,
		now: overrides.now
	});
	const temporaryReaper = new TemporaryChatReaper({
		projects: projectRepo,
		deleteSession,
		log,
		now: overrides.now
	});
	const transfer = new TransferService({ db, now: overrides.now });
	let releaseDataDir: (() => void) | undefined;

	return {
		config,
		log,
		db,
		repo,
		openrouter,
		chat,
		runs,
		approvals,
		elicitations,
		samplings,
		toolChoice,
		settings,
		modelSettings,
		models,
		presets,
		suggestions,
		tools,
		mcp,
		prompts,
		resources,
		mcpOAuth,
		attachments,
		chatAttachments,
		sessions,
		projects,
		transfer,
		speech,
		google,
		auth,
		version,
		start() {
			// `npm run restore` refuses while this mark says the database is in use.
			releaseDataDir = holdDataDir(config.dataDir);
			const interrupted = repo.markUnfinished(STREAMING, INTERRUPTED);
			if (interrupted) log.warn('replies interrupted by the last shutdown', { count: interrupted });
			void mcp.start(); // connects in the background; requests are served meanwhile
			reaper.start();
			temporaryReaper.start();
		},
		async close() {
			await runs.close();
			await mcp.close();
			await reaper.stop();
			await temporaryReaper.stop();
			await httpTransport?.close();
			db.$client.close();
			releaseDataDir?.();
			await log.close();
		}
	};
}

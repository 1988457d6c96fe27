import { version } from '../../../package.json';
import { ApprovalRegistry } from './chat/approvals';
import { noAttachments, type ChatAttachments } from './chat/attachments';
import { ChatOrchestrator } from './chat/orchestrator';
import { ChatRepository } from './chat/repository';
import { noTools, type ToolProvider } from './chat/tools';
import type { Config } from './config';
import { openDatabase, type Db } from './db/client';
import { createLogger, type Logger } from './log';
import { OpenRouterClient } from './openrouter/client';
import { createDemoTransport } from './openrouter/demo';
import { createHttpTransport, type Transport } from './openrouter/transport';
import { envModelSettings } from './settings/env-model-settings';
import type { ModelSettingsSource } from './settings/model-settings';
import { SessionService } from './chat/sessions';

export interface Services {
	config: Config;
	log: Logger;
	db: Db;
	repo: ChatRepository;
	openrouter: OpenRouterClient;
	chat: ChatOrchestrator;
	approvals: ApprovalRegistry;
	settings: ModelSettingsSource;
	tools: ToolProvider;
	attachments: ChatAttachments;
	sessions: SessionService;
	version: string;
	close(): Promise<void>;
}

export interface ServiceOverrides {
	log?: Logger;
	transport?: Transport;
	demoTokenDelayMs?: number;
	now?: () => Date;
}


/** The composition root (DESIGN §1): every service built once, collaborators passed in. */
export function createServices(config: Config, overrides: ServiceOverrides = {}): Services {
	const log = overrides.log ?? createLogger({ dir: config.logDir, level: config.logLevel, echo: true });
	const db = openDatabase(config.dataDir);
	const repo = new ChatRepository(db);
	const httpTransport = overrides.transport ? undefined : createHttpTransport(config.openrouter.baseUrl, config.openrouter.timeoutMs);
	const openrouter = new OpenRouterClient({
		apiKey: config.openrouter.apiKey,
		transport: overrides.transport ?? httpTransport!,
		demoTransport: createDemoTransport({ tokenDelayMs: overrides.demoTokenDelayMs }),
		appUrl: config.server.origin
	});
	const settings = envModelSettings(config);
	const tools = noTools;
	const attachments = noAttachments;
	const approvals = new ApprovalRegistry();
	const sessions = new SessionService(repo);
	const chat = new ChatOrchestrator({ repo, client: openrouter, settings, tools, attachments, approvals, log, now: overrides.now });

	return {
		config,
		log,
		db,
		repo,
		openrouter,
		chat,
		approvals,
		settings,
		tools,
		attachments,
		sessions,
		version,
		async close() {
			await httpTransport?.close();
			db.$client.close();
			await log.close();
		}
	};
}

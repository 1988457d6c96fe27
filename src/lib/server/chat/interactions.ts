import type { ChatEvent, Usage } from '$lib/api';
import type { ElicitationRegistry } from './elicitations';
import type { SamplingRegistry } from './samplings';
import type { ChatInteractions } from './tools';

/** What a turn lends its tool calls so their servers can ask things (tool-runner.ts). */
export interface CallContext {
	sessionId: string;
	modelId: string;
	emit: (event: ChatEvent) => void;
	onUsage: (usage: Usage) => void;
	/** The turn's signal: a stop cancels the server's questions. */
	signal?: AbortSignal;
}

export type InteractionsFactory = (context: CallContext) => ChatInteractions;

/** Joins the server's own cancellation of its request with the chat's stop. */
function both(a: AbortSignal, b: AbortSignal | undefined): AbortSignal {
	return b ? AbortSignal.any([a, b]) : a;
}

/** The questions of a tool call's server go to the person of the chat it runs in. */
export function chatInteractions(
	elicitations: ElicitationRegistry,
	samplings: SamplingRegistry
): InteractionsFactory {
	return (context) => ({
		elicit: (serverId, params, signal) =>
			elicitations.ask(
				context.sessionId,
				serverId,
				params,
				context.emit,
				both(signal, context.signal)
			),
		sample: (serverId, params, signal) =>
			samplings.sample(serverId, params, context, both(signal, context.signal))
	});
}

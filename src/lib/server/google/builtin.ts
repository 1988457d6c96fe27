import type { BuiltinServer } from '../mcp/builtin/registry';
import type { GoogleService } from './service';

export const GOOGLE_SERVER_ID = 'google';

/** The `google` entry of the built-in MCP server registry. */
export function googleBuiltin(google: GoogleService): BuiltinServer {
	return {
		id: GOOGLE_SERVER_ID,
		create: () => google.createServer(),
		unavailableReason: async () => {
			await google.ready;
			return google.unavailableReason();
		},
		close: () => google.closeServers()
	};
}

import { z } from 'zod';

export const health = z.object({
	status: z.literal('ok'),
	version: z.string(),
	openrouter: z.object({ configured: z.boolean() }),
	mcp: z.object({ connected: z.number(), unavailable: z.number() }),
	storage: z.enum(['gcs', 'local']),
	speech: z.object({ configured: z.boolean() })
});
export type Health = z.infer<typeof health>;

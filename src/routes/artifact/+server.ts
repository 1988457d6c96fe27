import { endpoint } from '$lib/server/http';
import { artifactShell } from '$lib/server/security/artifact-page';
import type { RequestHandler } from './$types';

/** The sandboxed page an artifact preview runs in (see security/artifact-page.ts). */
export const GET: RequestHandler = endpoint(() => artifactShell());

/**
 * The reply renderer (markdown/reply.ts), loaded with the first reply a page shows, or as its first
 * question is written (Composer): a new chat's page has no reply to show, and does without marked,
 * DOMPurify and the block renderer (some 30 kB gzip) until then.
 */
type ReplyRenderer = typeof import('./reply');

let renderer: ReplyRenderer | undefined;
let loading: Promise<ReplyRenderer> | undefined;

export function loadReplyRenderer(): Promise<ReplyRenderer> {
	loading ??= import('./reply').then(
		(module) =>
			new Promise<ReplyRenderer>((resolve) => {
				// Its first run in a task of its own: on the first reply's first frame, it would
				// make that frame three times as long.
				setTimeout(() => {
					module.warmUp();
					resolve((renderer = module));
				});
			})
	);
	// A failed chunk (offline) is tried again by the next reply.
	loading.catch(() => (loading = undefined));
	return loading;
}

/** The renderer, once it has loaded. */
export function loadedReplyRenderer(): ReplyRenderer | undefined {
	return renderer;
}

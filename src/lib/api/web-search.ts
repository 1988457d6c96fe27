import { z } from 'zod';

/** A web source of a reply (an OpenRouter `url_citation` annotation). */
export const citation = z.object({
	url: z.string(),
	title: z.string(),
	/** The text of the page the model was given, when the search engine returned one. */
	content: z.string().optional()
});
export type Citation = z.infer<typeof citation>;

/** The `citations` event: every source of the reply so far (each event replaces the last). */
export const citationsEvent = z.object({ items: z.array(citation) });

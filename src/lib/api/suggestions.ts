import { z } from 'zod';

export const suggestionTitle = z
	.string()
	.trim()
	.min(1, 'must not be empty')
	.max(80, 'is longer than 80 characters');
// Not trimmed: a template may end in blank lines on purpose, so the cursor lands below it.
export const suggestionPrompt = z
	.string()
	.max(20_000, 'is longer than 20000 characters')
	.refine((prompt) => prompt.trim().length > 0, 'must not be empty');

export const suggestion = z.object({ id: z.string(), title: z.string(), prompt: z.string() });
export type Suggestion = z.infer<typeof suggestion>;

export const suggestionList = z.object({ suggestions: z.array(suggestion) });
export type SuggestionList = z.infer<typeof suggestionList>;

export const createSuggestionRequest = z
	.object({ title: suggestionTitle, prompt: suggestionPrompt })
	.strict();
export type CreateSuggestionRequest = z.infer<typeof createSuggestionRequest>;

export const updateSuggestionRequest = z
	.object({ title: suggestionTitle.optional(), prompt: suggestionPrompt.optional() })
	.strict();
export type UpdateSuggestionRequest = z.infer<typeof updateSuggestionRequest>;

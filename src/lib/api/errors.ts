import { z } from 'zod';

/** Every non-2xx JSON answer of the API has this shape. */
export const apiErrorBody = z.object({
	error: z.object({
		code: z.string(),
		message: z.string()
	})
});
export type ApiErrorBody = z.infer<typeof apiErrorBody>;

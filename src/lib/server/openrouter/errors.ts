/** A failure of the upstream model provider, with a message a person can act on. */
export class UpstreamError extends Error {
	constructor(
		readonly code: string,
		message: string,
		readonly status?: number
	) {
		super(message);
		this.name = 'UpstreamError';
	}
}

const HINTS: Record<number, [string, string]> = {
	400: ['upstream_bad_request', 'OpenRouter rejected the request'],
	401: ['upstream_unauthorized', 'OpenRouter rejected the API key; check OPENROUTER_API_KEY'],
	402: [
		'upstream_payment_required',
		'Your OpenRouter account is out of credits; add credits at https://openrouter.ai/credits'
	],
	403: ['upstream_forbidden', 'OpenRouter refused the request (moderation or guardrail)'],
	404: ['upstream_not_found', 'OpenRouter does not know this model; pick another one'],
	408: ['upstream_timeout', 'The model took too long to answer'],
	429: ['upstream_rate_limited', 'Rate limited by OpenRouter; wait a moment and retry'],
	502: ['upstream_unavailable', 'The model provider is down or returned an invalid answer'],
	503: ['upstream_unavailable', 'No provider is available for this model right now']
};

/** Maps an HTTP error answer before the stream started (body per OpenRouter's error envelope). */
export function upstreamHttpError(
	status: number,
	bodyText: string,
	retryAfter?: string | null
): UpstreamError {
	let detail = '';
	try {
		const body = JSON.parse(bodyText) as { error?: { message?: unknown } };
		if (typeof body.error?.message === 'string') detail = body.error.message;
	} catch {
		detail = bodyText.slice(0, 300).trim();
	}
	const [code, hint] =
		HINTS[status] ??
		(status >= 500
			? ['upstream_error', 'The model provider failed']
			: ['upstream_error', 'OpenRouter returned an error']);
	const wait = status === 429 && retryAfter ? ` (retry after ${retryAfter} s)` : '';
	const message = `${hint}${wait}${detail && !hint.includes(detail) ? `: ${detail}` : ''} [HTTP ${status}]`;
	return new UpstreamError(code, message, status);
}

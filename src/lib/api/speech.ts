import { z } from 'zod';

/** `POST /api/stt/deepgram/token`: a short-lived Deepgram token and where to use it. */
export const speechTokenResponse = z.object({
	access_token: z.string().min(1),
	expires_in: z.number().int().positive(),
	/** websocket base for the browser, e.g. `wss://api.deepgram.com` (no path) */
	url: z.string().regex(/^wss?:\/\//)
});
export type SpeechTokenResponse = z.infer<typeof speechTokenResponse>;

const wholeMs = (min: number, max: number) =>
	z
		.number({ message: 'Enter a number of milliseconds.' })
		.int('Use a whole number of milliseconds.')
		.min(min, `At least ${min} ms.`)
		.max(max, `At most ${max} ms.`);

/**
 * Dictation settings, remembered per browser and validated before the websocket opens.
 * Deepgram's own names are kept (snake_case) because they go on the wire as query parameters.
 */
export const speechSettings = z
	.object({
		model: z
			.string()
			.trim()
			.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'A Deepgram model name such as nova-3.'),
		language: z
			.string()
			.trim()
			.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$|^multi$/, 'A language code such as en or en-US.'),
		interim_results: z.boolean(),
		/** silence (ms) that ends an utterance with `speech_final`; 0 turns endpointing off */
		endpointing: wholeMs(0, 10_000).refine(
			(ms) => ms === 0 || ms >= 10,
			'Use 0 (off) or at least 10 ms.'
		),
		/** silence (ms) after the last word before `UtteranceEnd`; 0 turns it off */
		utterance_end_ms: wholeMs(0, 5000).refine(
			(ms) => ms === 0 || ms >= 1000,
			'Use 0 (off) or at least 1000 ms.'
		),
		vad_events: z.boolean(),
		smart_format: z.boolean(),
		auto_submit: z.boolean(),
		auto_submit_delay_ms: wholeMs(0, 30_000)
	})
	.superRefine((settings, ctx) => {
		if (settings.utterance_end_ms > 0 && !settings.interim_results) {
			ctx.addIssue({
				code: 'custom',
				path: ['utterance_end_ms'],
				message: 'Needs interim results on (Deepgram sends UtteranceEnd only with them).'
			});
		}
		if (settings.auto_submit && settings.endpointing === 0 && settings.utterance_end_ms === 0) {
			ctx.addIssue({
				code: 'custom',
				path: ['auto_submit'],
				message: 'Auto-submit needs endpointing or utterance end to notice when you stop talking.'
			});
		}
	});
export type SpeechSettings = z.infer<typeof speechSettings>;

export const defaultSpeechSettings: SpeechSettings = {
	model: 'nova-3',
	language: 'en',
	interim_results: true,
	endpointing: 300,
	utterance_end_ms: 1000,
	vad_events: true,
	smart_format: true,
	auto_submit: true,
	auto_submit_delay_ms: 1500
};

/** The audio format the browser streams: raw 16-bit PCM, mono, 16 kHz. */
export const SPEECH_AUDIO = { encoding: 'linear16', sample_rate: 16_000, channels: 1 } as const;

/** Query parameters of `GET {url}/v1/listen` for these settings (booleans as "true"/"false"). */
export function listenQuery(settings: SpeechSettings): URLSearchParams {
	const query = new URLSearchParams({
		model: settings.model,
		language: settings.language,
		interim_results: String(settings.interim_results),
		endpointing: settings.endpointing === 0 ? 'false' : String(settings.endpointing),
		vad_events: String(settings.vad_events),
		smart_format: String(settings.smart_format),
		encoding: SPEECH_AUDIO.encoding,
		sample_rate: String(SPEECH_AUDIO.sample_rate),
		channels: String(SPEECH_AUDIO.channels)
	});
	if (settings.utterance_end_ms > 0)
		query.set('utterance_end_ms', String(settings.utterance_end_ms));
	return query;
}

/** Messages the Deepgram listen socket sends (wire-formats §2.5); unknown fields pass through. */
const word = z.looseObject({ word: z.string(), start: z.number(), end: z.number() });
export const listenResults = z.looseObject({
	type: z.literal('Results'),
	is_final: z.boolean().default(false),
	speech_final: z.boolean().default(false),
	start: z.number().optional(),
	duration: z.number().optional(),
	channel: z.looseObject({
		alternatives: z
			.array(z.looseObject({ transcript: z.string(), words: z.array(word).optional() }))
			.default([])
	})
});
export const listenMessage = z.discriminatedUnion('type', [
	listenResults,
	z.looseObject({ type: z.literal('UtteranceEnd'), last_word_end: z.number().optional() }),
	z.looseObject({ type: z.literal('SpeechStarted'), timestamp: z.number().optional() }),
	z.looseObject({ type: z.literal('Metadata'), request_id: z.string().optional() }),
	z.looseObject({
		type: z.literal('Error'),
		description: z.string().optional(),
		message: z.string().optional()
	})
]);
export type ListenMessage = z.infer<typeof listenMessage>;

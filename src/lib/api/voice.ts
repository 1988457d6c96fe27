import { z } from 'zod';

/**
 * Reading replies aloud (Deepgram's streaming TTS websocket `/v1/speak`): the settings, remembered
 * per browser and validated before the socket opens, and the socket's messages.
 */

/** Aura (`aura-asteria-en`) and Aura-2 (`aura-2-thalia-en`) voices: `aura[-2]-{name}-{language}`. */
const AURA_VOICE = /^aura-(2-)?[a-z]+-[a-z]{2}$/;
/** Speaking rate: Aura-2 voices take 0.7–1.5; the first Aura voices have no rate. */
export const SPEAK_SPEED = { min: 0.7, max: 1.5, step: 0.05 } as const;

export const voiceSettings = z
	.object({
		voice: z.string().trim().regex(AURA_VOICE, 'An Aura voice such as aura-2-thalia-en.'),
		/** outside voice mode, each new reply is read as it streams */
		read_replies: z.boolean(),
		speed: z
			.number({ message: 'Enter a speaking rate such as 1.' })
			.min(SPEAK_SPEED.min, `At least ${SPEAK_SPEED.min}.`)
			.max(SPEAK_SPEED.max, `At most ${SPEAK_SPEED.max}.`)
			.refine(
				(speed) => Math.abs(Math.round(speed / SPEAK_SPEED.step) * SPEAK_SPEED.step - speed) < 1e-9,
				`Use steps of ${SPEAK_SPEED.step}.`
			)
	})
	.superRefine((settings, ctx) => {
		if (settings.speed !== 1 && !supportsSpeed(settings.voice)) {
			ctx.addIssue({
				code: 'custom',
				path: ['speed'],
				message: 'Only Aura-2 voices (aura-2-…) can change the speaking rate; use 1.'
			});
		}
	});
export type VoiceSettings = z.infer<typeof voiceSettings>;

export const defaultVoiceSettings: VoiceSettings = {
	voice: 'aura-2-thalia-en',
	read_replies: false,
	speed: 1
};

export const supportsSpeed = (voice: string) => voice.trim().startsWith('aura-2-');

/** The audio the speak socket is asked for: headerless 16-bit PCM, mono, 24 kHz. */
export const SPEAK_AUDIO = { encoding: 'linear16', sample_rate: 24_000 } as const;

/** Query parameters of `{url}/v1/speak` for these settings. */
export function speakQuery(settings: VoiceSettings): URLSearchParams {
	const query = new URLSearchParams({
		model: settings.voice,
		encoding: SPEAK_AUDIO.encoding,
		sample_rate: String(SPEAK_AUDIO.sample_rate)
	});
	if (settings.speed !== 1 && supportsSpeed(settings.voice)) {
		query.set('speed', String(settings.speed));
	}
	return query;
}

/** What the speak socket sends as text frames (audio comes as binary frames). */
export const speakMessage = z.discriminatedUnion('type', [
	z.looseObject({ type: z.literal('Metadata'), request_id: z.string().optional() }),
	z.looseObject({ type: z.literal('Flushed'), sequence_id: z.number() }),
	z.looseObject({ type: z.literal('Cleared'), sequence_id: z.number() }),
	z.looseObject({
		type: z.literal('Warning'),
		description: z.string().optional(),
		code: z.string().optional()
	}),
	z.looseObject({
		type: z.literal('Error'),
		description: z.string().optional(),
		message: z.string().optional()
	})
]);
export type SpeakMessage = z.infer<typeof speakMessage>;

/**
 * Plays headless 16-bit PCM frames (what Deepgram's speak socket sends) through Web Audio, gap
 * free: each frame becomes an AudioBuffer scheduled to start exactly where the one before ends.
 * `stop()` silences everything at once (barge-in, Stop reading).
 */

export interface Player {
	/** One binary frame of little-endian 16-bit mono PCM (any length, even odd). */
	play(frame: ArrayBuffer): void;
	/** Stops what plays and drops what is scheduled, at once. */
	stop(): void;
	/** Nothing is playing or scheduled. */
	readonly idle: boolean;
	/** Called when the last scheduled audio has finished playing. */
	onIdle: (() => void) | null;
	/** Called as the first frame after a silence is scheduled (latency marks). */
	onStart: (() => void) | null;
	close(): void;
}

export class AudioDeviceError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'AudioDeviceError';
	}
}

/** Scheduling a frame this far ahead keeps the first one from starting in the past. */
const LEAD_SECONDS = 0.02;

export function openPlayer(sampleRate: number): Player {
	let context: AudioContext;
	try {
		context = new AudioContext({ latencyHint: 'interactive' });
		// Not awaited: without a user gesture it waits for one, and the frames wait with it.
		if (context.state === 'suspended') void context.resume().catch(() => {});
	} catch (error) {
		throw new AudioDeviceError(
			`The speaker could not be started${error instanceof Error ? ` (${error.message})` : ''}.`
		);
	}
	const sources = new Set<AudioBufferSourceNode>();
	let nextTime = 0;
	let carry: number | null = null;

	const player: Player = {
		onIdle: null,
		onStart: null,
		get idle() {
			return sources.size === 0;
		},
		play(frame) {
			let bytes = new Uint8Array(frame);
			if (carry !== null) {
				const joined = new Uint8Array(bytes.length + 1);
				joined[0] = carry;
				joined.set(bytes, 1);
				bytes = joined;
				carry = null;
			}
			if (bytes.length % 2) {
				carry = bytes[bytes.length - 1];
				bytes = bytes.subarray(0, bytes.length - 1);
			}
			const count = bytes.length / 2;
			if (!count) return;
			const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
			const buffer = context.createBuffer(1, count, sampleRate);
			const channel = buffer.getChannelData(0);
			for (let i = 0; i < count; i++) channel[i] = view.getInt16(i * 2, true) / 32768;
			const source = context.createBufferSource();
			source.buffer = buffer;
			source.connect(context.destination);
			const starting = sources.size === 0;
			const at = Math.max(nextTime, context.currentTime + LEAD_SECONDS);
			source.start(at);
			nextTime = at + buffer.duration;
			sources.add(source);
			source.onended = () => {
				sources.delete(source);
				source.disconnect();
				if (sources.size === 0) player.onIdle?.();
			};
			if (starting) player.onStart?.();
		},
		stop() {
			carry = null;
			nextTime = 0;
			const playing = [...sources];
			sources.clear();
			for (const source of playing) {
				source.onended = null;
				try {
					source.stop();
				} catch {
					// never started: nothing to stop
				}
				source.disconnect();
			}
		},
		close() {
			player.stop();
			void context.close();
		}
	};
	return player;
}

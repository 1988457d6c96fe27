import { SPEECH_AUDIO } from '$lib/api/speech';
// A file of its own, never inlined as a data: URL: the page's policy runs scripts from 'self' only.
import workletUrl from './pcm16-worklet.js?url&no-inline';

/**
 * Microphone → 16-bit PCM, mono, 16 kHz, in 100 ms chunks, through an AudioWorklet.
 *
 * Why raw PCM rather than MediaRecorder's webm/opus: Deepgram accepts both, but PCM frames are
 * independent (a reconnect can resume mid-stream, where a webm stream would need its header
 * again), and the test stand-in can measure loudness in PCM without an opus decoder.
 */

export interface MicrophoneCapture {
	stop(): void;
}

export class MicrophoneError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'MicrophoneError';
	}
}

/** The name pcm16-worklet.js registers its processor under. */
const PROCESSOR = 'switchboard-pcm16';
const CHUNK_MS = 100;

function describeFailure(error: unknown): MicrophoneError {
	const name = error instanceof DOMException || error instanceof Error ? error.name : '';
	if (name === 'NotAllowedError' || name === 'SecurityError') {
		return new MicrophoneError(
			'Microphone access is blocked. Allow the microphone for this site (the icon in the address bar), then press Dictate again.'
		);
	}
	if (name === 'NotFoundError' || name === 'OverconstrainedError') {
		return new MicrophoneError('No microphone was found. Connect one and press Dictate again.');
	}
	if (name === 'NotReadableError' || name === 'AbortError') {
		return new MicrophoneError(
			'The microphone could not be started; another application may be using it.'
		);
	}
	return new MicrophoneError(
		`The microphone could not be started${error instanceof Error ? ` (${error.message})` : ''}.`
	);
}

export async function openMicrophone(
	onAudio: (chunk: ArrayBuffer) => void
): Promise<MicrophoneCapture> {
	if (!navigator.mediaDevices?.getUserMedia) {
		throw new MicrophoneError(
			'This page cannot use the microphone: browsers allow it only over HTTPS or on localhost.'
		);
	}
	let stream: MediaStream;
	try {
		stream = await navigator.mediaDevices.getUserMedia({
			audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true }
		});
	} catch (error) {
		throw describeFailure(error);
	}
	let context: AudioContext | undefined;
	try {
		try {
			context = new AudioContext({ sampleRate: SPEECH_AUDIO.sample_rate });
		} catch {
			context = new AudioContext();
		}
		await context.audioWorklet.addModule(workletUrl);
		const source = context.createMediaStreamSource(stream);
		const node = new AudioWorkletNode(context, PROCESSOR, {
			numberOfInputs: 1,
			numberOfOutputs: 0,
			channelCount: 1,
			processorOptions: {
				targetRate: SPEECH_AUDIO.sample_rate,
				chunkSamples: (SPEECH_AUDIO.sample_rate * CHUNK_MS) / 1000
			}
		});
		node.port.onmessage = (event: MessageEvent<ArrayBuffer>) => onAudio(event.data);
		source.connect(node);
		if (context.state === 'suspended') await context.resume();
		const opened = context;
		return {
			stop() {
				node.port.onmessage = null;
				source.disconnect();
				for (const track of stream.getTracks()) track.stop();
				void opened.close();
			}
		};
	} catch (error) {
		for (const track of stream.getTracks()) track.stop();
		void context?.close();
		throw error instanceof MicrophoneError ? error : describeFailure(error);
	}
}

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Builds a WAV for Chromium's fake microphone (`--use-file-for-fake-audio-capture`): real speech
 * from espeak-ng (Debian package `espeak-ng`) with digital silence between the phrases, so the
 * Deepgram stand-in sees speech and pauses exactly where the script puts them. 16 kHz mono 16-bit,
 * the rate the app streams to Deepgram. Only `npm run make:speech-wavs` calls this: the e2e uses
 * the committed files in tests/fixtures/speech/, so tests never need espeak-ng.
 */
export type SpeechPart = { say: string } | { silenceMs: number };

interface Pcm {
	sampleRate: number;
	samples: Buffer;
}

function chunk(wav: Buffer, id: string): { offset: number; size: number } {
	for (let offset = 12; offset + 8 <= wav.length;) {
		const size = wav.readUInt32LE(offset + 4);
		if (wav.toString('ascii', offset, offset + 4) === id) {
			// espeak-ng --stdout writes a streaming header whose data size may overrun the file.
			return { offset: offset + 8, size: Math.min(size, wav.length - offset - 8) };
		}
		offset += 8 + size + (size % 2);
	}
	throw new Error(`WAV without a ${id} chunk`);
}

function speak(text: string): Pcm {
	const wav = execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '--stdout', text], {
		maxBuffer: 64 * 1024 * 1024
	});
	const fmt = chunk(wav, 'fmt ');
	if (wav.readUInt16LE(fmt.offset) !== 1 || wav.readUInt16LE(fmt.offset + 14) !== 16) {
		throw new Error('espeak-ng did not produce 16-bit PCM');
	}
	if (wav.readUInt16LE(fmt.offset + 2) !== 1) throw new Error('espeak-ng did not produce mono');
	const data = chunk(wav, 'data');
	return {
		sampleRate: wav.readUInt32LE(fmt.offset + 4),
		samples: wav.subarray(data.offset, data.offset + data.size)
	};
}

export const SPEECH_SAMPLE_RATE = 16_000;

/** Linear-interpolation resampling of 16-bit mono PCM, after a 3-tap smoothing against aliasing. */
function resample(pcm: Pcm, rate: number): Buffer {
	const input = pcm.samples;
	const count = input.length >> 1;
	const at = (i: number) => input.readInt16LE(Math.min(Math.max(i, 0), count - 1) * 2);
	const smooth = (i: number) => (at(i - 1) + 2 * at(i) + at(i + 1)) / 4;
	const outCount = Math.floor((count * rate) / pcm.sampleRate);
	const out = Buffer.alloc(outCount * 2);
	for (let j = 0; j < outCount; j++) {
		const x = (j * pcm.sampleRate) / rate;
		const i = Math.floor(x);
		const value = smooth(i) + (smooth(i + 1) - smooth(i)) * (x - i);
		out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(value))), j * 2);
	}
	return out;
}

function wavFile(sampleRate: number, samples: Buffer): Buffer {
	const header = Buffer.alloc(44);
	header.write('RIFF', 0, 'ascii');
	header.writeUInt32LE(36 + samples.length, 4);
	header.write('WAVE', 8, 'ascii');
	header.write('fmt ', 12, 'ascii');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(1, 20); // PCM
	header.writeUInt16LE(1, 22); // mono
	header.writeUInt32LE(sampleRate, 24);
	header.writeUInt32LE(sampleRate * 2, 28);
	header.writeUInt16LE(2, 32);
	header.writeUInt16LE(16, 34);
	header.write('data', 36, 'ascii');
	header.writeUInt32LE(samples.length, 40);
	return Buffer.concat([header, samples]);
}

/** Writes `file` from the parts and returns its path. */
export function speechWav(file: string, parts: SpeechPart[]): string {
	const sampleRate = SPEECH_SAMPLE_RATE;
	const pieces = parts.map((part) =>
		'say' in part
			? resample(speak(part.say), sampleRate)
			: Buffer.alloc(Math.round((sampleRate * part.silenceMs) / 1000) * 2)
	);
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, wavFile(sampleRate, Buffer.concat(pieces)));
	return file;
}

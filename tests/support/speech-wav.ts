import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Builds a WAV for Chromium's fake microphone (`--use-file-for-fake-audio-capture`): real speech
 * from espeak-ng (Debian package `espeak-ng`) with digital silence between the phrases, so the
 * Deepgram stand-in sees speech and pauses exactly where the script puts them.
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
	const spoken = parts.map((part) => ('say' in part ? speak(part.say) : null));
	const sampleRate = spoken.find((pcm) => pcm)?.sampleRate ?? 22_050;
	const pieces = parts.map((part, i) =>
		'say' in part
			? spoken[i]!.samples
			: Buffer.alloc(Math.round((sampleRate * part.silenceMs) / 1000) * 2)
	);
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, wavFile(sampleRate, Buffer.concat(pieces)));
	return file;
}

// @ts-nocheck -- runs in the AudioWorkletGlobalScope (AudioWorkletProcessor, registerProcessor and
// `sampleRate` are its globals), which TypeScript's DOM library does not describe.
//
// Microphone samples → 16-bit PCM chunks for microphone.ts, which loads this file as a module of
// the app's own origin: the page's Content-Security-Policy (script-src 'self') would refuse a
// blob: URL. Resamples linearly when the context could not be opened at 16 kHz.
class Pcm16Capture extends AudioWorkletProcessor {
	constructor(options) {
		super();
		const { targetRate, chunkSamples } = options.processorOptions;
		this.step = sampleRate / targetRate;
		this.position = 0;
		this.size = chunkSamples;
		this.chunk = new Int16Array(chunkSamples);
		this.filled = 0;
	}
	process(inputs) {
		const input = inputs[0] && inputs[0][0];
		if (!input) return true;
		for (; this.position < input.length; this.position += this.step) {
			const index = Math.floor(this.position);
			const fraction = this.position - index;
			const before = input[index];
			const after = index + 1 < input.length ? input[index + 1] : before;
			const value = Math.max(-1, Math.min(1, before + (after - before) * fraction));
			this.chunk[this.filled++] = value < 0 ? value * 0x8000 : value * 0x7fff;
			if (this.filled === this.size) {
				// Transferred, so the old array is detached (length 0) afterwards.
				this.port.postMessage(this.chunk.buffer, [this.chunk.buffer]);
				this.chunk = new Int16Array(this.size);
				this.filled = 0;
			}
		}
		this.position -= input.length;
		return true;
	}
}
registerProcessor('switchboard-pcm16', Pcm16Capture);

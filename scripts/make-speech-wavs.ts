// `npm run make:speech-wavs`: regenerates the committed dictation recordings in
// tests/fixtures/speech/ from espeak-ng (Debian: `apt-get install espeak-ng`).
import { speechFixture, speechRecordings } from '../tests/support/speech-recordings';
import { speechWav } from '../tests/support/speech-wav';

for (const [name, parts] of Object.entries(speechRecordings)) {
	console.log(`wrote ${speechWav(speechFixture(name), parts)}`);
}

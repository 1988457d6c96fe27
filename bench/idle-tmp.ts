import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cpuMs, freePort, startApp, startStandin } from './lib/harness';
const dir = mkdtempSync(path.join(tmpdir(), 'calib-'));
const standin = await startStandin();
const port = await freePort();
const app = await startApp(path.resolve('build-bench'), { HOST: '127.0.0.1', PORT: String(port), ORIGIN: `http://127.0.0.1:${port}`, DATA_DIR: dir + '/data', LOG_DIR: dir + '/logs', OPENROUTER_API_KEY: 'sk-or-v1-x', OPENROUTER_BASE_URL: standin.url });
await new Promise((r) => setTimeout(r, 3000));
for (let k = 0; k < 3; k++) { const c0 = cpuMs(app.pid); await new Promise((r) => setTimeout(r, 3000)); console.log('idle app cpu ms per s', ((cpuMs(app.pid) - c0) / 3).toFixed(1)); }
const s0 = cpuMs(standin.process.pid!); await new Promise((r) => setTimeout(r, 3000)); console.log('idle standin cpu ms per s', ((cpuMs(standin.process.pid!) - s0) / 3).toFixed(1));
await app.stop(); await standin.stop();

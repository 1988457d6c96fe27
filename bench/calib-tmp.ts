import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { cpuMs, freePort, startApp, startStandin } from './lib/harness';
const dir = mkdtempSync(path.join(tmpdir(), 'calib-'));
const standin = await startStandin();
const port = await freePort();
const app = await startApp(path.resolve('build-bench'), {
	HOST: '127.0.0.1',
	PORT: String(port),
	ORIGIN: `http://127.0.0.1:${port}`,
	DATA_DIR: dir + '/data',
	LOG_DIR: dir + '/logs',
	OPENROUTER_API_KEY: 'sk-or-v1-x',
	OPENROUTER_BASE_URL: standin.url
});
const http = new Agent();
const sp = standin.process.pid!;
async function measure(name: string, pid: number, fn: () => Promise<unknown>, n = 400) {
	for (let i = 0; i < 50; i++) await fn();
	const c0 = cpuMs(pid);
	const t0 = performance.now();
	for (let i = 0; i < n; i++) await fn();
	console.log(
		name.padEnd(30),
		'cpu/req',
		((cpuMs(pid) - c0) / n).toFixed(2),
		'ms  wall/req',
		((performance.now() - t0) / n).toFixed(2)
	);
}
await measure('app GET /api/health', app.pid, async () =>
	(await request(`${app.url}/api/health`, { dispatcher: http })).body.text()
);
await measure('app GET /api/sessions', app.pid, async () =>
	(await request(`${app.url}/api/sessions`, { dispatcher: http })).body.text()
);
await measure('standin chat', sp, async () =>
	(
		await request(`${standin.url}/chat/completions`, {
			dispatcher: http,
			method: 'POST',
			headers: { authorization: 'Bearer x' },
			body: JSON.stringify({ messages: [{ role: 'user', content: 'ping' }] })
		})
	).body.text()
);
let i = 0;
await measure('app POST /api/chat', app.pid, async () =>
	(
		await request(`${app.url}/api/chat`, {
			dispatcher: http,
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ message: `ping ${i++}` })
		})
	).body.text()
);
await measure(
	'app POST /api/chat demo',
	app.pid,
	async () =>
		(
			await request(`${app.url}/api/chat`, {
				dispatcher: http,
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify({ message: `ping ${i++}`, model_id: 'switchboard/demo' })
			})
		).body.text(),
	100
);
await app.stop();
await standin.stop();
await http.close();

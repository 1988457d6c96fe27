/** Fixed ports for the e2e run, moved together by E2E_PORT_BASE so two runs can coexist. */
const base = Number(process.env.E2E_PORT_BASE ?? 4173);

export const e2ePorts = {
	app: base,
	openrouter: base + 1,
	gcs: base + 2,
	deepgram: base + 3,
	google: base + 4,
	mcpHttp: base + 5
};

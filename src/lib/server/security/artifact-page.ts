/**
 * The page an artifact preview (an html or svg block of a reply) runs in: `/artifact`, framed by
 * the chat with `sandbox="allow-scripts"` and served with the same sandbox in its own policy, so
 * its scripts run in an opaque origin: no cookies, no storage, and no request to the app's API
 * (nor anywhere else: connect-src 'none'). The app's pages keep their strict policy; this one
 * allows inline scripts and styles, which an srcdoc or blob: frame could not have (it would
 * inherit the chat's policy). The chat posts the document to the shell, which writes it.
 */
export const ARTIFACT_PATH = '/artifact';

export const ARTIFACT_POLICY = [
	'sandbox allow-scripts',
	"default-src 'none'",
	"script-src 'unsafe-inline'",
	"style-src 'unsafe-inline'",
	'img-src data: blob:',
	'media-src data: blob:',
	'font-src data:',
	"connect-src 'none'",
	"form-action 'none'",
	"base-uri 'none'",
	"frame-ancestors 'self'"
].join('; ');

/** Takes the first document its parent posts (only its parent's), and becomes it. */
const SHELL = `<!doctype html>
<html><head><meta charset="utf-8"><title>Preview</title></head><body><script>
addEventListener('message', function once(event) {
	if (event.source !== parent || !event.data || typeof event.data.html !== 'string') return;
	removeEventListener('message', once);
	document.open();
	document.write(event.data.html);
	document.close();
});
parent.postMessage({ type: 'artifact-ready' }, '*');
</script></body></html>`;

export function artifactShell(): Response {
	return new Response(SHELL, {
		headers: {
			'content-type': 'text/html; charset=utf-8',
			'content-security-policy': ARTIFACT_POLICY,
			'cache-control': 'no-store',
			'cross-origin-resource-policy': 'same-origin',
			// Framed by the chat only (frame-ancestors 'self' says the same to browsers that read it).
			'x-frame-options': 'SAMEORIGIN'
		}
	});
}

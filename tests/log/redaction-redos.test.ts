import { describe, expect, it } from 'vitest';
import { redact, redactString } from '$lib/server/log';
import { titleFrom } from '$lib/format/title';

/** About 1 MB of `unit`, the shape a hostile chat message takes to stall a pattern. */
const mb = (unit: string) => unit.repeat(Math.ceil(1_000_000 / unit.length));

const JWT =
	'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
const KEY_BODY = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';

/*
 * Each case is about 1 MB of one pattern's prefix, most with a real secret after it: the junk
 * must come back as it was (or masked, where it is itself a secret) and the secret after it must
 * still be found. Before the patterns were rewritten the first case took minutes, the private
 * key ones seconds; the test timeout is the only clock here.
 */
describe('redaction of 1 MB hostile strings', () => {
	const pairs = 'sk-or-v1-sk-or-v1-'.length;
	it.each([
		['"eyJ-" (JWT starts)', mb('eyJ-') + ` ${JWT}`, mb('eyJ-') + ' [redacted-jwt]'],
		['"eyJ" without a break', mb('eyJ') + ` ${JWT}`, mb('eyJ') + ' [redacted-jwt]'],
		[
			'JWTs with short payloads',
			mb('eyJaaaaaaaaa.b.') + ` ${JWT}`,
			mb('eyJaaaaaaaaa.b.') + ' [redacted-jwt]'
		],
		['"sk-" (one long key)', mb('sk-'), 'sk-[redacted]'],
		[
			'"sk-or-v1-"',
			'sk-or-v1-sk-or-v1-'.repeat(1_000_000 / pairs),
			'sk-or-v1-[redacted]-or-v1-'.repeat(1_000_000 / pairs)
		],
		['"Bearer "', mb('Bearer ') + 'Bearer abcdefgh12345', mb('Bearer ') + 'Bearer [redacted]'],
		[
			'"Token " and spaces',
			mb('Token   ') + 'Token 0123456789abcdef',
			mb('Token   ') + 'Token [redacted]'
		],
		['"ya29."', mb('ya29.'), 'ya29.[redacted]'],
		[
			'private key BEGIN lines without an END',
			mb('-----BEGIN PRIVATE KEY-----'),
			mb('-----BEGIN PRIVATE KEY-----')
		],
		[
			'private key BEGIN lines, then one END',
			mb('-----BEGIN RSA PRIVATE KEY-----\n') + `${KEY_BODY}\n-----END RSA PRIVATE KEY-----`,
			'[redacted-key]'
		],
		['"-----BEGIN "', mb('-----BEGIN '), mb('-----BEGIN ')],
		['"?key="', mb('?key='), '?key=[redacted]'],
		[
			'"a:b@" (user:pass without a scheme)',
			mb('a:b@') + ' https://me:hunter2@example.com/',
			mb('a:b@') + ' https://[redacted]@example.com/'
		],
		[
			'"http://a:b" (no @ ever)',
			mb('http://a:b') + ' https://me:hunter2@example.com/',
			mb('http://a:b') + ' https://[redacted]@example.com/'
		],
		[
			'"a." (one long scheme-like run)',
			mb('a.') + ' ftp://me:hunter2@example.com/',
			mb('a.') + ' ftp://[redacted]@example.com/'
		],
		['"api_key="', mb('api_key=') + ' api_key=abc123', 'api_key=[redacted] api_key=[redacted]'],
		['"apikey= "', mb('apikey= ') + 'apikey=abc123', mb('apikey= ') + 'apikey=[redacted]'],
		[
			'"client_secret=&"',
			mb('client_secret=&') + 'client_secret=abc123',
			mb('client_secret=&') + 'client_secret=[redacted]'
		],
		[
			'"refresh_token=&"',
			mb('refresh_token=&') + 'refresh_token=abc123',
			mb('refresh_token=&') + 'refresh_token=[redacted]'
		],
		[
			'"access_token=&"',
			mb('access_token=&') + 'access_token=abc123',
			mb('access_token=&') + 'access_token=[redacted]'
		]
	])('%s', (_what, input, expected) => {
		// Not toBe: a failure would print two megabytes.
		expect(redactString(input) === expected).toBe(true);
	});

	it('walks a log record holding a hostile message in one go', () => {
		const record = redact({ msg: 'chat turn', content: mb('eyJ-') + JWT, tries: [mb('Bearer ')] });
		expect(JSON.stringify(record)).not.toContain('SflKxwRJ');
	});
});

describe('redaction of parameters and URLs', () => {
	it.each([
		['api_key=abc123&x=1', 'api_key=[redacted]&x=1'],
		['APIKEY=abc123', 'APIKEY=[redacted]'],
		['api-key=abc123', 'api-key=[redacted]'],
		[
			'grant_type=refresh_token&refresh_token=1//0abc',
			'grant_type=refresh_token&refresh_token=[redacted]'
		],
		['client_id=42&client_secret=GOCSPX-abc', 'client_id=42&client_secret=[redacted]'],
		['body access_token=ya.abc', 'body access_token=[redacted]'],
		['password=hunter2', 'password=[redacted]'],
		['https://me:hunter2@example.com/x', 'https://[redacted]@example.com/x'],
		['git clone https://ghp_abc123@github.com/o/r', 'git clone https://[redacted]@github.com/o/r'],
		['postgres://u:p@db:5432/app', 'postgres://[redacted]@db:5432/app']
	])('masks %s', (input, output) => {
		expect(redactString(input)).toBe(output);
	});

	it.each([
		'https://example.com/a?email=someone@example.com',
		'http://127.0.0.1:3000/api/sessions',
		'mail someone@example.com at 10:30',
		'key: value, token count 12'
	])('keeps %s', (input) => {
		expect(redactString(input)).toBe(input);
	});
});

describe('titles of 1 MB hostile messages', () => {
	it.each([
		[
			'"**a " (openers that never close)',
			mb('**a '),
			Array.from({ length: 15 }, () => '**a').join(' ') + '…'
		],
		['"**"', mb('**'), null],
		['"__a "', mb('__a '), null],
		['"** "', mb('** '), null]
	])('%s', (_what, message, expected) => {
		const title = titleFrom(message);
		if (expected !== null) expect(title).toBe(expected);
		expect([...title].length).toBeLessThanOrEqual(61);
	});

	it('still drops paired markers after a long run of unpaired ones', () => {
		expect(titleFrom('**bold** then' + ' **a'.repeat(100_000))).toMatch(/^bold then \*\*a/);
	});
});

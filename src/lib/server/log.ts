import * as fs from 'node:fs';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const SECRET_KEY =
	/(api[-_]?key|token|secret|password|passwd|authorization|cookie|credential|private[-_]?key|refresh|bearer)/i;

/*
 * Secrets recognised by their shape. Log lines carry whole chat messages, so every pattern must
 * cost linear time on any input: each one starts at a literal prefix, and each repeated run is
 * followed by a character the run cannot contain, so a failed attempt gives up after one pass
 * over its run. Two shapes cannot be written that way as a single pattern (a JWT's first part and
 * a private key's body both rescanned to the end of the text from every later start: a 160 KB
 * message of "eyJ-" took 18 s), so they are scanned by hand below.
 */
const JWT_START = /\beyJ/g;
const BASE64URL_RUN = /[A-Za-z0-9_-]*/y;

function runEnd(text: string, from: number): number {
	BASE64URL_RUN.lastIndex = from;
	BASE64URL_RUN.exec(text);
	return BASE64URL_RUN.lastIndex;
}

/** `eyJ<8+>.<8+>.<any>` in base64url. */
function redactJwts(text: string): string {
	let out = '';
	let copied = 0;
	JWT_START.lastIndex = 0;
	for (let start; (start = JWT_START.exec(text));) {
		const header = runEnd(text, start.index + 3);
		const payload = text[header] === '.' ? runEnd(text, header + 1) : header;
		if (header - start.index >= 11 && payload - header > 8 && text[payload] === '.') {
			const end = runEnd(text, payload + 1);
			out += text.slice(copied, start.index) + '[redacted-jwt]';
			copied = JWT_START.lastIndex = end;
		} else {
			// A later "eyJ" inside the same run has a shorter first part followed by the same text,
			// so it fails as well: go on after the run.
			JWT_START.lastIndex = header;
		}
	}
	return copied === 0 ? text : out + text.slice(copied);
}

const KEY_BEGIN = /-----BEGIN [A-Z ]*PRIVATE KEY-----/g;
const KEY_END = /-----END [A-Z ]*PRIVATE KEY-----/g;

/** A PEM private key, from its BEGIN line to the first END line after it. */
function redactPrivateKeys(text: string): string {
	let out = '';
	let copied = 0;
	KEY_BEGIN.lastIndex = 0;
	for (let begin; (begin = KEY_BEGIN.exec(text));) {
		KEY_END.lastIndex = KEY_BEGIN.lastIndex;
		// No END after this BEGIN means none after a later one either.
		if (!KEY_END.exec(text)) break;
		out += text.slice(copied, begin.index) + '[redacted-key]';
		copied = KEY_BEGIN.lastIndex = KEY_END.lastIndex;
	}
	return copied === 0 ? text : out + text.slice(copied);
}

const replacing =
	(pattern: RegExp, replacement: string) =>
	(text: string): string =>
		text.replace(pattern, replacement);

/** In this order, so that a JWT sent as a bearer token reads `Bearer [redacted]`. */
const REDACTIONS: ((text: string) => string)[] = [
	replacing(/sk-or-v1-[A-Za-z0-9]+/g, 'sk-or-v1-[redacted]'),
	replacing(/sk-[A-Za-z0-9_-]{16,}/g, 'sk-[redacted]'),
	replacing(/\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'),
	replacing(/\bya29\.[A-Za-z0-9._-]+/g, 'ya29.[redacted]'),
	redactJwts,
	redactPrivateKeys,
	replacing(
		/([?&](?:key|token|access_token|code|X-Goog-Signature|signature)=)[^&\s"]+/gi,
		'$1[redacted]'
	),
	// Also outside a query string: form bodies and error messages that echo them.
	replacing(
		/((?:api[-_]?key|client[-_]?secret|refresh[-_]?token|access[-_]?token|id[-_]?token|password)=)[^&\s"]+/gi,
		'$1[redacted]'
	),
	// `scheme://user:pass@host` (or a token as the user name). Found from the `://`, the scheme
	// checked behind it: a scheme matched (or looked behind for) first would be tried from every
	// letter of a long word, rescanning it.
	replacing(/:\/\/(?<=(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '://[redacted]@')
];

export function redactString(value: string): string {
	let out = value;
	for (const redaction of REDACTIONS) out = redaction(out);
	return out;
}

/** Copies a value with secrets masked: by key name (api keys, tokens, cookies…) and by shape. */
export function redact(value: unknown, depth = 0): unknown {
	if (typeof value === 'string') return redactString(value);
	if (value === null || typeof value !== 'object') return value;
	// Past the depth limit nothing is checked any more, so nothing is written either.
	if (depth > 8) return '[too deep]';
	if (value instanceof Error) {
		return {
			name: value.name,
			message: redactString(value.message),
			stack: value.stack && redactString(value.stack)
		};
	}
	if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
	const out: Record<string, unknown> = {};
	for (const [key, item] of Object.entries(value)) {
		out[key] =
			SECRET_KEY.test(key) &&
			item !== null &&
			item !== undefined &&
			typeof item !== 'boolean' &&
			typeof item !== 'number'
				? '[redacted]'
				: redact(item, depth + 1);
	}
	return out;
}

export interface Logger {
	debug(msg: string, fields?: Record<string, unknown>): void;
	info(msg: string, fields?: Record<string, unknown>): void;
	warn(msg: string, fields?: Record<string, unknown>): void;
	error(msg: string, fields?: Record<string, unknown>): void;
	child(fields: Record<string, unknown>): Logger;
	/** Appends one record to `conversations/YYYY-MM-DD/{sessionId}.jsonl`. */
	conversation(sessionId: string, record: Record<string, unknown>): void;
	close(): Promise<void>;
}

interface LoggerOptions {
	dir: string;
	level?: LogLevel;
	now?: () => Date;
	/** Also echo warnings and errors to stderr (on in the server, off in tests). */
	echo?: boolean;
}

const day = (date: Date) => date.toISOString().slice(0, 10);
const SAFE_SESSION = /^[A-Za-z0-9_-]{1,100}$/;

/** A log file nobody wrote to for this long is closed (conversations end; days change). */
const IDLE_CLOSE_MS = 60_000;

/** Loggers with lines still to write, flushed synchronously when the process exits. */
const unflushed = new Set<() => void>();
let exitHooked = false;
function flushAtExit(flush: () => void) {
	unflushed.add(flush);
	if (exitHooked) return;
	exitHooked = true;
	process.once('exit', () => {
		for (const pending of [...unflushed]) pending();
	});
}

/**
 * JSON-lines logger writing daily folders under LOG_DIR.
 *
 * Debug and info lines and conversation records are queued and written together right after
 * the current turn of the event loop (setImmediate), so a chat request's own work comes first:
 * writing the question's conversation line (mkdir + open of a new file, about 0.6 ms) used to
 * delay the upstream request, and every `request` line the first byte of its response.
 * Redaction and JSON encoding happen then too. Warnings and errors are written at once (with
 * everything queued before them, in order), so what explains a crash is on disk before it; the
 * queue is also written on close() and when the process exits.
 *
 * Writes stay synchronous, to files kept open while in use, in folders made once. The thread
 * pool is slower here, not faster: on a busy machine, waking a pool thread for an open or a
 * write costs the event loop more (measured: 0.3-0.5 ms a call on 2 shared cores) than the
 * append itself.
 */
export function createLogger({
	dir,
	level = 'info',
	now = () => new Date(),
	echo = false
}: LoggerOptions): Logger {
	const threshold = LEVELS[level];
	const files = new Map<string, { fd: number; idle: NodeJS.Timeout }>();
	/** Folders made already: a conversation is a new file, but seldom in a new folder. */
	const folders = new Set<string>();
	/** Records to write, by file, in call order (a Map keeps the order files were first used). */
	let queue = new Map<string, Record<string, unknown>[] & { conversation: boolean }>();
	let scheduled: NodeJS.Immediate | undefined;

	/** New conversation files being created in the thread pool, with the text waiting for them. */
	const opening = new Map<string, string>();
	const openedWaiters = new Set<() => void>();

	function folderFor(file: string): string {
		// Logs hold whole conversations: the owner's alone.
		const folder = path.dirname(file);
		if (!folders.has(folder)) {
			mkdirSync(folder, { recursive: true, mode: 0o700 });
			folders.add(folder);
		}
		return folder;
	}

	function openNow(file: string): number {
		const folder = folderFor(file);
		try {
			return openSync(file, 'a', 0o600);
		} catch (error) {
			// The folder was removed meanwhile: once more with it.
			folders.delete(folder);
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			folderFor(file);
			return openSync(file, 'a', 0o600);
		}
	}

	function keepOpen(file: string, fd: number) {
		const idle = setTimeout(() => {
			files.delete(file);
			try {
				closeSync(fd);
			} catch {
				// already gone
			}
		}, IDLE_CLOSE_MS).unref();
		const entry = { fd, idle };
		files.set(file, entry);
		return entry;
	}

	/**
	 * Appends to a log file, opened once and kept open. A file that does not exist yet is created
	 * in the thread pool when `create` says so (each conversation is a new file, and creating one
	 * costs 0.7-1.2 ms on this kind of disk, in the middle of the reply's first round trip); the
	 * text waits for it. Appends themselves stay synchronous: waking a pool thread costs the
	 * event loop more than a write to the page cache.
	 */
	function writeFile(file: string, text: string, create: 'now' | 'in the pool' = 'now') {
		try {
			const open = files.get(file);
			if (open) {
				open.idle.refresh();
				writeSync(open.fd, text);
				return;
			}
			const waiting = opening.get(file);
			if (waiting !== undefined) {
				opening.set(file, waiting + text);
				return;
			}
			if (create === 'now') {
				writeSync(keepOpen(file, openNow(file)).fd, text);
				return;
			}
			folderFor(file);
			opening.set(file, text);
			fs.open(file, 'a', 0o600, (error, fd) => {
				const pending = opening.get(file);
				opening.delete(file);
				try {
					if (pending !== undefined) {
						const entry = files.get(file) ?? keepOpen(file, error ? openNow(file) : fd);
						if (error === null && entry.fd !== fd) closeSync(fd);
						writeSync(entry.fd, pending);
					} else if (!error) closeSync(fd);
				} catch {
					// as below
				}
				if (opening.size === 0) {
					if (!scheduled) unflushed.delete(flushAll);
					for (const resolve of [...openedWaiters]) resolve();
					openedWaiters.clear();
				}
			});
		} catch {
			// A full disk or a read-only LOG_DIR must not break a chat; the echo still reaches stderr.
		}
	}

	/** At exit the pool's opens will not finish: what waits for them is written here. */
	function writeOpeningNow() {
		for (const [file, text] of opening) {
			opening.delete(file);
			try {
				writeSync(keepOpen(file, openNow(file)).fd, text);
			} catch {
				// nothing more can be done at exit
			}
		}
	}

	function flush() {
		clearImmediate(scheduled);
		scheduled = undefined;
		const batch = queue;
		queue = new Map();
		for (const [file, records] of batch) {
			let text = '';
			for (const record of records) {
				try {
					text += JSON.stringify(redact(record)) + '\n';
				} catch {
					// a record that cannot be encoded (a cycle past the depth limit) is dropped
				}
			}
			writeFile(file, text, records.conversation ? 'in the pool' : 'now');
		}
		if (opening.size === 0) unflushed.delete(flushAll);
	}

	function flushAll() {
		flush();
		writeOpeningNow();
		unflushed.delete(flushAll);
	}

	function enqueue(file: string, record: Record<string, unknown>, conversation = false) {
		const records = queue.get(file);
		if (records) records.push(record);
		else queue.set(file, Object.assign([record], { conversation }));
		if (!scheduled) {
			scheduled = setImmediate(flush);
			flushAtExit(flushAll);
		}
	}

	function write(
		lvl: LogLevel,
		msg: string,
		base: Record<string, unknown>,
		fields?: Record<string, unknown>
	) {
		if (LEVELS[lvl] < threshold) return;
		const date = now();
		const record = { time: date.toISOString(), level: lvl, msg, ...base, ...fields };
		enqueue(path.join(dir, 'app', day(date), 'app.log'), record);
		if (LEVELS[lvl] >= LEVELS.warn) {
			flush();
			if (echo) process.stderr.write(JSON.stringify(redact(record)) + '\n');
		}
	}

	function make(base: Record<string, unknown>): Logger {
		return {
			debug: (msg, fields) => write('debug', msg, base, fields),
			info: (msg, fields) => write('info', msg, base, fields),
			warn: (msg, fields) => write('warn', msg, base, fields),
			error: (msg, fields) => write('error', msg, base, fields),
			child: (fields) => make({ ...base, ...fields }),
			conversation(sessionId, record) {
				if (!SAFE_SESSION.test(sessionId)) return;
				const date = now();
				enqueue(
					path.join(dir, 'conversations', day(date), `${sessionId}.jsonl`),
					{ time: date.toISOString(), ...record },
					true
				);
			},
			close: async () => {
				flush();
				if (opening.size) await new Promise<void>((resolve) => openedWaiters.add(resolve));
				for (const { fd, idle } of files.values()) {
					clearTimeout(idle);
					closeSync(fd);
				}
				files.clear();
			}
		};
	}
	return make({});
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
	debug() {},
	info() {},
	warn() {},
	error() {},
	child: () => silentLogger,
	conversation() {},
	close: async () => {}
};

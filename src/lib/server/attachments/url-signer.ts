import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../errors';

/** The local download route; GET /api/attachments/{id}/download is the legacy one (410). */
export const contentPath = (attachmentId: string) => `/api/attachments/${attachmentId}/content`;

/** Reads the HMAC secret, creating it (mode 0600, never overwritten) on first start. */
export function loadOrCreateSecret(file: string): Buffer {
	mkdirSync(path.dirname(file), { recursive: true });
	try {
		writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600, flag: 'wx' });
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
	}
	const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
	if (secret.length < 32)
		throw new Error(
			`The attachment URL secret in ${file} is too short; delete the file to make a new one.`
		);
	return secret;
}

const forbidden = (code: string, message: string) => new AppError(403, code, message);

/** HMAC-signed, expiring URLs for attachments kept on local disk. */
export class LocalUrlSigner {
	constructor(private readonly secret: Buffer) {}

	#mac(attachmentId: string, expires: number): Buffer {
		return createHmac('sha256', this.secret)
			.update(`GET\n${contentPath(attachmentId)}\n${expires}`)
			.digest();
	}

	sign(attachmentId: string, expiresAt: Date): string {
		const expires = Math.floor(expiresAt.getTime() / 1000);
		const signature = this.#mac(attachmentId, expires).toString('hex');
		return `${contentPath(attachmentId)}?expires=${expires}&signature=${signature}`;
	}

	/** Throws 403 for a forged, altered or expired URL. */
	verify(attachmentId: string, expires: number, signature: string, now: Date): void {
		const given = Buffer.from(signature, 'hex');
		const expected = this.#mac(attachmentId, expires);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
			throw forbidden('invalid_signature', 'This attachment link is not valid.');
		}
		if (expires * 1000 <= now.getTime()) {
			throw forbidden(
				'signed_url_expired',
				'This attachment link has expired; reload to get a new one.'
			);
		}
	}
}

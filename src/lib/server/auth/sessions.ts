import { createHash, randomBytes } from 'node:crypto';
import { eq, lte } from 'drizzle-orm';
import type { Db } from '../db/client';
import { authSessions } from '../db/schema';

/** How long a login lasts, counted from the login (not extended by use). */
export const SESSION_TTL_MS = 30 * 24 * 60 * 60 * 1000;

/** `last_seen_at` is written at most this often, so reading pages does not write on every request. */
const SEEN_RESOLUTION_MS = 60 * 1000;

/** 32 random bytes in base64url: what the cookie carries. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The stored form of a token: the database never holds one that would log anyone in. */
export const hashToken = (token: string): string =>
	createHash('sha256').update(token).digest('hex');

/** Login sessions in SQLite, keyed by the SHA-256 of their random token. */
export class LoginSessions {
	constructor(
		private readonly db: Db,
		private readonly now: () => Date = () => new Date()
	) {}

	/** A new session; the token goes into the cookie and nowhere else. */
	create(): { token: string; expiresAt: Date } {
		const token = randomBytes(32).toString('base64url');
		const now = this.now();
		const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
		this.db
			.insert(authSessions)
			.values({
				tokenHash: hashToken(token),
				createdAt: now.toISOString(),
				expiresAt: expiresAt.toISOString(),
				lastSeenAt: now.toISOString()
			})
			.run();
		return { token, expiresAt };
	}

	/** Whether `token` names a live session. An expired one is deleted on the way. */
	verify(token: string): boolean {
		if (!TOKEN_SHAPE.test(token)) return false;
		const tokenHash = hashToken(token);
		const row = this.db
			.select()
			.from(authSessions)
			.where(eq(authSessions.tokenHash, tokenHash))
			.get();
		if (!row) return false;
		const now = this.now();
		if (Date.parse(row.expiresAt) <= now.getTime()) {
			this.revoke(token);
			return false;
		}
		if (now.getTime() - Date.parse(row.lastSeenAt) >= SEEN_RESOLUTION_MS) {
			this.db
				.update(authSessions)
				.set({ lastSeenAt: now.toISOString() })
				.where(eq(authSessions.tokenHash, tokenHash))
				.run();
		}
		return true;
	}

	revoke(token: string): void {
		this.db
			.delete(authSessions)
			.where(eq(authSessions.tokenHash, hashToken(token)))
			.run();
	}

	/** Deletes every expired session; answers how many. */
	removeExpired(): number {
		return this.db
			.delete(authSessions)
			.where(lte(authSessions.expiresAt, this.now().toISOString()))
			.run().changes;
	}
}

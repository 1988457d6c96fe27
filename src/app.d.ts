import type { AppServices } from '$lib/server/services';

declare global {
	namespace App {
		interface Error {
			code?: string;
			message: string;
		}
		interface Locals {
			/** The domain services (hooks.server.ts hands them to every request). */
			services: AppServices;
		}
	}
}

export {};

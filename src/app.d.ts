import type { Services } from '$lib/server/services';

declare global {
	namespace App {
		interface Error {
			code?: string;
			message: string;
		}
		interface Locals {
			services: Services;
		}
	}
}

export {};

import type { Handle } from '@sveltejs/kit';
import { carriesBody, refuse, routePath } from './request';

const BODY_METHODS = ['POST', 'PUT', 'PATCH'];
/** API routes whose body may be other than JSON (multipart; their parsers check the type). */
const NOT_JSON = ['/api/uploads', '/api/sessions/import'];

const mediaType = (contentType: string | null) =>
	contentType?.split(';')[0].trim().toLowerCase() ?? '';

/**
 * An API body must say it is JSON. Besides clear errors, this keeps cross-site "simple" requests
 * (text/plain, form encodings, which a page may send without asking) from ever being parsed.
 */
export const jsonBodies: Handle = function jsonBodies({ event, resolve }) {
	const { request } = event;
	const path = routePath(event.url);
	if (
		!BODY_METHODS.includes(request.method) ||
		!path.startsWith('/api/') ||
		NOT_JSON.includes(path) ||
		!carriesBody(request) ||
		mediaType(request.headers.get('content-type')) === 'application/json'
	)
		return resolve(event);
	return refuse(
		415,
		'unsupported_media_type',
		`${request.method} ${event.url.pathname} takes a JSON body: send it with Content-Type: application/json.`
	);
};

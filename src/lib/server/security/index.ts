/**
 * Request guards, run before anything else in hooks.server.ts (in this order: every answer gets
 * the security headers and pages their content policy, then Host, parameters, origin, content
 * type, body size).
 */
export { bodyLimit, bodyLimits, limitedBody } from './body-limits';
export { contentPolicy, runtimeSources, withSources } from './content-policy';
export { crossSiteWrites } from './cross-site';
export { hostAllowlist, hostName } from './host-allowlist';
export { jsonBodies } from './json-bodies';
export { plainParameters } from './plain-parameters';
export { SECURITY_HEADERS, securityHeaders } from './security-headers';

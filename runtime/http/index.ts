/**
 * HTTP plumbing with no Nova knowledge: the fastify server factory (request ids, body rules, size
 * limit), OpenStack fault bodies, 404/405 handling, microversion negotiation and query helpers.
 */
export {
  createHttpServer, newRequestId, DEFAULT_BODY_LIMIT, REQUEST_ID_HEADER, COMPUTE_REQUEST_ID_HEADER,
} from './server.ts';
export type { HttpServer, HttpServerOptions } from './server.ts';
export {
  HttpError, classifyError, novaFaultBody, novaFaultName, renderNovaFault, statusTitle, unexpectedErrorMessage,
} from './faults.ts';
export type { FaultRenderer, HttpFault } from './faults.ts';
export { installFaultHandling, sendFault } from './errors-hook.ts';
export type { FaultHandlingOptions } from './errors-hook.ts';
export { DEFAULT_JSON_CONTENT_TYPES, installJsonBodyParsers, parseJsonBody } from './body.ts';
export { RouteTable } from './route-table.ts';
export {
  APIVersion, InvalidAPIVersionString, InvalidGlobalAPIVersion, microversionOf, negotiateVersion,
  novaMicroversions, registerMicroversions, requestedVersion, versionHeaders,
} from './microversion.ts';
export type { MicroversionSpec, VersionLike } from './microversion.ts';
export { NONE_LITERAL, normalizeQuery, ownProperty, ownValue, prototypeQueryName, queryRaw, queryValue, queryValues } from './query.ts';
export type { RawQuery } from './query.ts';
export { mountHealthcheck, mountMetrics } from './observability.ts';
export type { HealthcheckRoute } from './observability.ts';
export { boundPort } from './bound-port.ts';
export type { Listening } from './bound-port.ts';

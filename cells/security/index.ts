/**
 * Broker security for one process per cell: who may connect to a cell's broker (cell services, child
 * links, compute agents), with which client ids and passwords, and which topics each may read and
 * write. Pure functions; the embedded broker and the Mosquitto renderer both apply them.
 */
export * from './principals.ts';
export { brokerPassword, passwordVerifier } from './credentials.ts';
export { aclFor, brokerGuards, clientIdAllowed, knows, mayPublish, maySubscribe, patternWithin } from './policy.ts';
export type { AclRule, BrokerCell } from './policy.ts';
export { brokerPrincipals, mosquittoFiles, type MosquittoFiles } from './mosquitto.ts';
export { cellCertificates, deploymentCertificates, type CertificatePlan } from './certificates.ts';

/**
 * The embedded T-Gate sandbox: an OAuth2 authorization server (the company portal's grant page and the
 * token endpoint) plus the partner API, on loopback, following T-Gate's documented behaviour, with fault
 * injection for tests, serving a seeded catalog from an indexed in-memory store. See server.ts for the
 * routes, store.ts for the integration-scope rules, seed.ts for the catalog.
 *
 * This file exports what the rest of the component, the specs and the benchmarks start and drive a
 * sandbox with; a spec of one of the sandbox's own modules imports that module.
 */
export { FaultSpec, IntegrationScope, RequestRecord, Sandbox, SandboxClient, SandboxOptions } from './types';
export { isLoopbackHost, startSandbox } from './server';
export { defaultIntegrationScopes } from './seed';

/**
 * Platform (elastic.io v2) API clients. Tenant OAuth clients:
 *
 * ```ts
 * import { createTenantOAuthClients, PlatformApiError, isClientInUseError } from './lib/platform';
 * const clients = createTenantOAuthClients({ apiUrl, username, apiKey, tenantId });
 * await clients.list({ componentId });          // OAuthClient[], every page
 * await clients.get(id);                        // OAuthClient
 * await clients.create({ clientId, clientSecret, componentId });
 * await clients.update(id, { clientSecret });   // GET, merge, PATCH the whole object
 * await clients.delete(id);                     // refused while a flow uses it
 * ```
 */
export * from './jsonApi';
export * from './errors';
export * from './oauthClients';

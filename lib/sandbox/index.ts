/**
 * The embedded T-Gate sandbox: an OAuth2 authorization server (the company portal's grant page and the
 * token endpoint) plus the partner API, on loopback, following T-Gate's documented behaviour, with fault
 * injection for tests, serving a seeded catalog from an indexed in-memory store. See server.ts for the
 * routes, store.ts for the integration-scope rules, seed.ts for the catalog.
 */
export {
  SandboxClient,
  SandboxOptions,
  TokenRequestRecord,
  RequestRecord,
  FaultSpec,
  Sandbox,
  IntegrationScope,
  IssuedTokens,
} from './types';
export {
  startSandbox,
  isLoopbackHost,
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
  DEFAULT_AUTHORIZATION_CODE_LIFETIME_SECONDS,
  DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS,
  AUTHORIZE_PATH,
  TOKEN_PATH,
  API_PREFIX,
  FAULTS_CONTROL_PATH,
  CONTROL_PREFIX,
} from './server';
export { UNAUTHORIZED_MESSAGE, DEFAULT_PAGE_ITEMS, MAX_PAGE_ITEMS } from './partnerApi';
export { defaultIntegrationScopes, seedCatalog, DEFAULT_ITEM_COUNT, SeedOptions, SeedSummary } from './seed';
export { CatalogStore, StoreError, RecordMeta, Change, ListQuery, ListResult, CHANGE_LOG_LIMIT } from './store';
export { encodeBasicClientAuth } from './clientAuth';
export { SandboxClock } from './clock';
export { OrderDesk, OrderRefusedError, CompanyOrderUpdate } from './orderDesk';
export { ORDER_RULES, ORDER_STATUSES, PAYMENT_STATUSES, INITIAL_ORDER_STATUS, OrderCalculation, PricedItem, partnerStatusTargets } from './orderRules';
export {
  WebhookSender, WebhookConfig, Webhook, WebhookDelivery, WebhookStats, WebhookEvent, WebhookBodyShape, WebhookConfigError,
  WEBHOOK_EVENTS, WEBHOOK_BODY_SHAPES, DEFAULT_WEBHOOK_TIMEOUT_MS, webhookBody, webhookEvent,
} from './webhooks';

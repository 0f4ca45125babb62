/**
 * The sandbox sends webhooks as T-Gate does (guides: Webhooks, Setup Webhooks; reference: Webhooks
 * Items, Sections, Menus, Branches, Orders):
 *   - a webhook is a URL, a set of events ("each trigger is unique": an event is bound to one webhook),
 *     optional static Meta Data sent as-is, and an on/off status;
 *   - `.update` fires only when a critical field changed (the fields T-Gate lists per event); names,
 *     logos and other fields fire nothing; orders fire `order.update` on order_status and estimated_time;
 *   - the body carries ids only: `{id, resource_type, action}` (the Webhooks guide) or `{id, event_type}`
 *     (the reference overview), chosen per webhook; the Meta Data goes in as `meta_data` (assumed);
 *   - one POST per event, never retried; any answer is taken, a 2xx counts as delivered.
 * Deliveries run in the background, one at a time per webhook in the order of the changes (assumed:
 * T-Gate publishes no ordering), each on its own connection; `idle()` waits for those under way.
 */
import http from 'http';
import https from 'https';
import type { TGateResourceName } from '../tgate/resources';
import { TGATE_WEBHOOK_EVENTS, TGateWebhookEventName } from '../tgate/webhooks';
import type { Change, StoredRecord } from './store';

/** The events T-Gate documents: the client's list, so both sides agree. */
export type WebhookEvent = TGateWebhookEventName;

/** 'resource_action': {id, resource_type, action}; 'event_type': {id, event_type}. */
export const WEBHOOK_BODY_SHAPES = ['resource_action', 'event_type'] as const;
export type WebhookBodyShape = (typeof WEBHOOK_BODY_SHAPES)[number];

export interface WebhookConfig {
  url: string;
  /** Default: every event. */
  events?: WebhookEvent[];
  /** Static data sent with every delivery as `meta_data` (e.g. a shared secret the receiver checks). */
  metaData?: Record<string, unknown> | null;
  /** Default true. */
  enabled?: boolean;
  /** Default 'resource_action'. */
  bodyShape?: WebhookBodyShape;
  description?: string;
}

export interface Webhook {
  id: number;
  url: string;
  events: WebhookEvent[];
  metaData: Record<string, unknown> | null;
  enabled: boolean;
  bodyShape: WebhookBodyShape;
  description: string;
}

export interface WebhookDelivery {
  at: string;
  webhookId: number;
  event: WebhookEvent;
  body: Record<string, unknown>;
  /** The receiver's status; 0 when no answer came (refused, timed out, dropped). */
  status: number;
  error?: string;
}

export interface WebhookStats {
  delivered: number;
  failed: number;
  lastError: string | null;
  /** The latest deliveries, oldest first (at most DELIVERY_LOG_LIMIT). */
  deliveries: WebhookDelivery[];
}

export class WebhookConfigError extends Error {}

export const DELIVERY_LOG_LIMIT = 1000;
/** T-Gate has a webhook timeout whose value it does not publish (assumed). */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * What fires per resource: its name in events, whether create/destroy fire, the fields whose change
 * fires `.update`.
 */
const WATCHED: Partial<Record<TGateResourceName, { type: string; createAndDestroy: boolean; critical: string[] }>> = {
  items: {
    type: 'item',
    createAndDestroy: true,
    critical: [
      'max',
      'min',
      'max_num_of_same_item',
      'price',
      'name_ar',
      'name_en',
      'image_url',
      'is_active',
      'inactive_in_branches',
      'description_ar',
      'description_en',
    ],
  },
  sections: { type: 'section', createAndDestroy: true, critical: ['is_force_closed', 'force_closed_in_branches'] },
  menus: { type: 'menu', createAndDestroy: false, critical: ['is_active', 'inactive_in_branches'] },
  branches: {
    type: 'branch',
    createAndDestroy: false,
    critical: ['is_force_closed', 'timezone', 'currency', 'address', 'services', 'force_closed_in_brands'],
  },
  orders: { type: 'order', createAndDestroy: false, critical: ['order_status', 'estimated_time'] },
};

/** The event a store change fires, if any. */
export function webhookEvent(
  change: Change,
  before: Readonly<StoredRecord> | undefined,
  after: Readonly<StoredRecord> | undefined,
): WebhookEvent | undefined {
  const watched = WATCHED[change.resource];
  if (!watched) return undefined;
  if (change.action !== 'update')
    return watched.createAndDestroy ? (`${watched.type}.${change.action}` as WebhookEvent) : undefined;
  const changed = watched.critical.some((field) => JSON.stringify(before?.[field]) !== JSON.stringify(after?.[field]));
  return changed ? (`${watched.type}.update` as WebhookEvent) : undefined;
}

export function webhookBody(
  shape: WebhookBodyShape,
  event: WebhookEvent,
  id: number,
  metaData: Record<string, unknown> | null,
): Record<string, unknown> {
  const [resourceType, action] = event.split('.');
  const body: Record<string, unknown> =
    shape === 'event_type' ? { id, event_type: event } : { id, resource_type: resourceType, action };
  if (metaData) body.meta_data = metaData;
  return body;
}

function checkConfig(input: unknown, base?: Webhook): Omit<Webhook, 'id'> {
  if (!input || typeof input !== 'object' || Array.isArray(input))
    throw new WebhookConfigError('a webhook must be an object {url, events?, metaData?, enabled?, bodyShape?}');
  const raw = input as Record<string, unknown>;
  const known = ['url', 'events', 'metaData', 'enabled', 'bodyShape', 'description'];
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length)
    throw new WebhookConfigError(`unknown webhook field(s): ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const url = raw.url ?? base?.url;
  let protocol = '';
  try {
    if (typeof url === 'string') protocol = new URL(url).protocol;
  } catch {
    // reported below
  }
  if (typeof url !== 'string' || (protocol !== 'http:' && protocol !== 'https:'))
    throw new WebhookConfigError(`webhook url must be an http(s) URL, not ${JSON.stringify(url) ?? 'undefined'}`);
  const events = raw.events ?? base?.events ?? [...TGATE_WEBHOOK_EVENTS];
  const undocumented = (e: unknown): boolean => !TGATE_WEBHOOK_EVENTS.includes(e as WebhookEvent);
  if (!Array.isArray(events) || events.length === 0 || events.some(undocumented)) {
    throw new WebhookConfigError(`webhook events must be a non-empty list of: ${TGATE_WEBHOOK_EVENTS.join(', ')}`);
  }
  const metaData = raw.metaData !== undefined ? raw.metaData : (base?.metaData ?? null);
  if (metaData !== null && (typeof metaData !== 'object' || Array.isArray(metaData)))
    throw new WebhookConfigError('webhook metaData must be an object');
  const enabled = raw.enabled ?? base?.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new WebhookConfigError('webhook enabled must be a boolean');
  const bodyShape = raw.bodyShape ?? base?.bodyShape ?? 'resource_action';
  if (!WEBHOOK_BODY_SHAPES.includes(bodyShape as WebhookBodyShape))
    throw new WebhookConfigError(`webhook bodyShape must be one of ${WEBHOOK_BODY_SHAPES.join(', ')}`);
  const description = raw.description ?? base?.description ?? '';
  if (typeof description !== 'string') throw new WebhookConfigError('webhook description must be a string');
  return {
    url,
    events: [...new Set(events as WebhookEvent[])],
    metaData: metaData as Record<string, unknown> | null,
    enabled,
    bodyShape: bodyShape as WebhookBodyShape,
    description,
  };
}

export class WebhookSender {
  private readonly webhooks = new Map<number, Webhook>();
  private nextId = 1;
  private readonly inFlight = new Set<Promise<void>>();
  /** Per webhook, the end of its delivery queue. */
  private readonly queues = new Map<number, Promise<void>>();
  private readonly requests = new Set<http.ClientRequest>();
  private stopped = false;
  private delivered = 0;
  private failed = 0;
  private lastError: string | null = null;
  private deliveries: WebhookDelivery[] = [];

  constructor(private readonly timeoutMs = DEFAULT_WEBHOOK_TIMEOUT_MS) {
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new TypeError('startSandbox: webhookTimeoutMs must be a positive number');
  }

  /** Add a webhook. An event already bound to another webhook is refused ("each trigger is unique"). */
  configure(config: WebhookConfig): Webhook {
    const webhook = { id: this.nextId, ...checkConfig(config) };
    this.refuseBoundEvents(webhook);
    this.nextId += 1;
    this.webhooks.set(webhook.id, webhook);
    return { ...webhook };
  }

  /** Change some fields of a webhook (e.g. `{enabled: false}`). */
  update(id: number, patch: Partial<WebhookConfig>): Webhook {
    const old = this.webhooks.get(id);
    if (!old) throw new WebhookConfigError(`no webhook ${id}`);
    const webhook = { id, ...checkConfig(patch, old) };
    this.refuseBoundEvents(webhook);
    this.webhooks.set(id, webhook);
    return { ...webhook };
  }

  remove(id: number): void {
    if (!this.webhooks.delete(id)) throw new WebhookConfigError(`no webhook ${id}`);
  }

  /** Remove every webhook and forget the delivery counts. */
  clear(): void {
    this.webhooks.clear();
    this.delivered = 0;
    this.failed = 0;
    this.lastError = null;
    this.deliveries = [];
  }

  list(): Webhook[] {
    return [...this.webhooks.values()].map((w) => ({ ...w }));
  }

  get stats(): WebhookStats {
    return {
      delivered: this.delivered,
      failed: this.failed,
      lastError: this.lastError,
      deliveries: this.deliveries.slice(-DELIVERY_LOG_LIMIT),
    };
  }

  /** Resolves when every delivery under way has ended (including those started meanwhile). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  /** The store's change listener: one POST per enabled webhook bound to the event. */
  notify(change: Change, before: Readonly<StoredRecord> | undefined, after: Readonly<StoredRecord> | undefined): void {
    if (this.stopped) return;
    const event = webhookEvent(change, before, after);
    if (!event) return;
    for (const webhook of this.webhooks.values()) {
      if (!webhook.enabled || !webhook.events.includes(event)) continue;
      const body = webhookBody(webhook.bodyShape, event, change.id, webhook.metaData);
      const delivery = (this.queues.get(webhook.id) ?? Promise.resolve()).then(() =>
        this.deliver(webhook, event, body),
      );
      this.queues.set(webhook.id, delivery);
      this.inFlight.add(delivery);
      void delivery.finally(() => {
        this.inFlight.delete(delivery);
        if (this.queues.get(webhook.id) === delivery) this.queues.delete(webhook.id);
      });
    }
  }

  /** No new deliveries; those under way are cut off. */
  stop(): void {
    this.stopped = true;
    for (const request of this.requests) request.destroy();
  }

  private refuseBoundEvents(webhook: Webhook): void {
    for (const other of this.webhooks.values()) {
      if (other.id === webhook.id) continue;
      const taken = webhook.events.filter((e) => other.events.includes(e));
      if (taken.length)
        throw new WebhookConfigError(
          `event(s) ${taken.join(', ')} already bound to webhook ${other.id} (${other.url}): ` +
            'each event goes to one URL',
        );
    }
  }

  private deliver(webhook: Webhook, event: WebhookEvent, body: Record<string, unknown>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const record: WebhookDelivery = { at: new Date().toISOString(), webhookId: webhook.id, event, body, status: 0 };
    const text = JSON.stringify(body);
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = (status: number, error?: string) => {
        if (settled) return;
        settled = true;
        record.status = status;
        if (error) {
          record.error = error;
          this.failed += 1;
          this.lastError = `${event} to ${webhook.url}: ${error}`;
        } else {
          this.delivered += 1;
        }
        this.deliveries.push(record);
        if (this.deliveries.length >= 2 * DELIVERY_LOG_LIMIT)
          this.deliveries = this.deliveries.slice(-DELIVERY_LOG_LIMIT);
        resolve();
      };
      const client = webhook.url.startsWith('https:') ? https : http;
      const request = client.request(
        webhook.url,
        {
          method: 'POST',
          agent: false,
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(text),
            'User-Agent': 'T-Gate sandbox webhooks',
          },
          timeout: this.timeoutMs,
        },
        (res) => {
          res.resume();
          const status = res.statusCode ?? 0;
          const finish = () => done(status, status >= 200 && status < 300 ? undefined : `HTTP ${status}`);
          res.once('end', finish);
          res.once('error', finish);
        },
      );
      this.requests.add(request);
      request.once('close', () => this.requests.delete(request));
      request.once('timeout', () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      request.on('error', (err: NodeJS.ErrnoException) =>
        done(0, err.code ? `${err.code}: ${err.message}` : err.message),
      );
      request.end(text);
    });
  }
}

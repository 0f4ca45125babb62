/**
 * T-Gate's webhook deliveries, read as the component needs them (guides: Webhooks, Setup Webhooks;
 * reference: Webhooks Items, Sections, Menus, Branches, Orders).
 *
 * - Bodies carry ids only, in one of two documented shapes: `{id, resource_type, action}` (the Webhooks
 *   guide) or `{id, event_type}` (the reference overview). Both are read into one event.
 * - T-Gate does not sign deliveries. It sends the static Meta Data configured with the webhook, assumed to
 *   arrive as a `meta_data` object in the body (a JSON text holding an object is read too). A shared
 *   secret in `meta_data.secret` is the only way to tell T-Gate's deliveries from anyone else's.
 * - Messages here name what is wrong and never carry `meta_data` or any value of it.
 */
import crypto from 'node:crypto';
import { InvalidInputError } from '../errors';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http';
import { TGateResourceName } from './resources';

/** The events T-Gate sends per resource type (the `resource_type` of a delivery) and the resource they name. */
const WEBHOOK_RESOURCES = {
  item: { resource: 'items', actions: ['create', 'update', 'destroy'] },
  section: { resource: 'sections', actions: ['create', 'update', 'destroy'] },
  menu: { resource: 'menus', actions: ['update'] },
  branch: { resource: 'branches', actions: ['update'] },
  order: { resource: 'orders', actions: ['update'] },
} as const satisfies Record<string, { resource: TGateResourceName; actions: readonly string[] }>;

type WebhookResourceType = keyof typeof WEBHOOK_RESOURCES;
export type TGateWebhookAction = 'create' | 'update' | 'destroy';
export type TGateWebhookEventName = {
  [T in WebhookResourceType]: `${T}.${(typeof WEBHOOK_RESOURCES)[T]['actions'][number]}`;
}[WebhookResourceType];

/** Every event T-Gate documents: item.create, item.update, ..., order.update. */
export const TGATE_WEBHOOK_EVENTS = Object.entries(WEBHOOK_RESOURCES).flatMap(([type, spec]) =>
  spec.actions.map((action) => `${type}.${action}`),
) as TGateWebhookEventName[];

function isTGateWebhookEvent(name: unknown): name is TGateWebhookEventName {
  return typeof name === 'string' && (TGATE_WEBHOOK_EVENTS as string[]).includes(name);
}

/** The resource table's name of the records an event is about: `item.update` → `items`. */
export function webhookEventResource(event: TGateWebhookEventName): TGateResourceName {
  return WEBHOOK_RESOURCES[event.split('.')[0] as WebhookResourceType].resource;
}

/** One delivery, normalised whatever its shape. */
export interface TGateWebhookEvent {
  event: TGateWebhookEventName;
  resourceType: TGateResourceName;
  action: TGateWebhookAction;
  id: number | string;
}

/** A delivery this component cannot read: no object body, no id, an event T-Gate does not document. */
export class WebhookDeliveryError extends InvalidInputError {}

/** A delivery refused because its `meta_data.secret` is missing or does not equal the step's shared secret. */
export class WebhookSecretError extends InvalidInputError {}

const PLAIN_ID = /^[A-Za-z0-9_-]{1,64}$/;

function bodyObject(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** What a field held, for messages: short, and only for the fields that name the event (never meta_data). */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? `(${typeof value})`;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function malformed(field: string, problem: string, body?: Record<string, unknown>): WebhookDeliveryError {
  const names = Object.keys(body ?? {});
  const listed = names.length ? `the fields ${names.slice(0, 12).join(', ')}` : 'no fields';
  const fields = body ? ` (the body has ${listed})` : '';
  return new WebhookDeliveryError(
    field,
    `Not a T-Gate webhook delivery this trigger can read: ${problem}${fields}. ` +
      'T-Gate sends {"id", "resource_type", "action"} or {"id", "event_type"}; ' +
      'the delivery is reported here rather than dropped because T-Gate does not send it again',
  );
}

function readId(body: Record<string, unknown>): number | string {
  const id = body.id;
  if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  if (typeof id === 'string' && PLAIN_ID.test(id)) return /^[0-9]{1,15}$/.test(id) ? Number(id) : id;
  throw malformed('id', id === undefined ? 'it has no id' : `its id ${shown(id)} is not a record id`, body);
}

/** `item`, `Item` or `items` → `item`. */
function readResourceType(value: unknown): WebhookResourceType | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  for (const [type, spec] of Object.entries(WEBHOOK_RESOURCES))
    if (lower === type || lower === spec.resource) return type as WebhookResourceType;
  return undefined;
}

function eventName(type: WebhookResourceType, action: unknown): TGateWebhookEventName | undefined {
  const name = `${type}.${typeof action === 'string' ? action.trim().toLowerCase() : ''}`;
  return isTGateWebhookEvent(name) ? name : undefined;
}

/** The event of a delivery in either shape; shapes that disagree are refused rather than guessed. */
function readEvent(body: Record<string, unknown>): TGateWebhookEventName {
  const fromShape = (): TGateWebhookEventName | undefined => {
    if (body.resource_type === undefined && body.action === undefined) return undefined;
    const type = readResourceType(body.resource_type);
    const event = type && eventName(type, body.action);
    if (!event)
      throw malformed(
        'resource_type',
        `T-Gate sends no webhook for resource_type ${shown(body.resource_type)} with action ${shown(body.action)}; ` +
          `the events are ${TGATE_WEBHOOK_EVENTS.join(', ')}`,
      );
    return event;
  };
  const fromEventType = (): TGateWebhookEventName | undefined => {
    if (body.event_type === undefined) return undefined;
    const [type, action, ...rest] = typeof body.event_type === 'string' ? body.event_type.split('.') : [];
    const resourceType = readResourceType(type);
    const event = resourceType && rest.length === 0 ? eventName(resourceType, action) : undefined;
    if (!event)
      throw malformed(
        'event_type',
        `T-Gate sends no webhook with event_type ${shown(body.event_type)}; ` +
          `the events are ${TGATE_WEBHOOK_EVENTS.join(', ')}`,
      );
    return event;
  };
  const a = fromShape();
  const b = fromEventType();
  if (a && b && a !== b)
    throw malformed('event_type', `its event_type ${b} contradicts its resource_type and action (${a})`);
  const event = a ?? b;
  if (!event)
    throw malformed('event_type', 'it names no event (neither event_type nor resource_type and action)', body);
  return event;
}

/** Reads a delivery's event, or throws a {@link WebhookDeliveryError} naming what is wrong. */
export function parseWebhookDelivery(body: unknown): TGateWebhookEvent {
  const object = bodyObject(body);
  if (!object) {
    const what = Array.isArray(body) ? 'a list' : body === null || body === undefined ? 'empty' : `a ${typeof body}`;
    throw malformed('body', `its body is ${what}, not a JSON object`);
  }
  const event = readEvent(object);
  return {
    event,
    resourceType: webhookEventResource(event),
    action: event.split('.')[1] as TGateWebhookAction,
    id: readId(object),
  };
}

/** The delivery's Meta Data: an object, or a JSON text of one; anything else is none. */
function metaData(body: unknown): Record<string, unknown> | undefined {
  let value = bodyObject(body)?.meta_data;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return bodyObject(value);
}

const digest = (text: string): Buffer => crypto.createHash('sha256').update(text, 'utf8').digest();

/**
 * Refuses a delivery whose `meta_data.secret` is not `expected`. The comparison runs in constant time
 * over SHA-256 digests (equal lengths whatever was sent); the error never says what was sent.
 */
export function checkWebhookSecret(body: unknown, expected: string): void {
  const sent = metaData(body)?.secret;
  const text =
    typeof sent === 'string' ? sent : typeof sent === 'number' && Number.isFinite(sent) ? String(sent) : undefined;
  const howToFix =
    'Set the same value as the "secret" of the webhook\'s Meta Data in T-Gate\'s Webhook Management ' +
    '({"secret": "..."}) and in the step\'s Shared secret';
  if (text === undefined || text === '') {
    throw new WebhookSecretError(
      'meta_data.secret',
      `Webhook delivery refused: it carries no meta_data.secret, and the step's Shared secret is set. ` +
        `Nothing was emitted for it. ${howToFix}`,
    );
  }
  if (!crypto.timingSafeEqual(digest(text), digest(expected))) {
    throw new WebhookSecretError(
      'meta_data.secret',
      `Webhook delivery refused: its meta_data.secret does not match the step's Shared secret. ` +
        `Nothing was emitted for it. ${howToFix}`,
    );
  }
}

/** What T-Gate sent, for the flow: the body without `meta_data.secret` (the rest of the Meta Data is kept). */
export function deliveryWithoutSecret(body: unknown): Record<string, unknown> {
  const object = bodyObject(body);
  if (!object) return {};
  const copy = structuredClone(object);
  if (copy.meta_data === undefined) return copy;
  const meta = metaData(copy);
  if (!meta) {
    // Meta Data this component cannot read may still hold the secret: it is not passed on.
    delete copy.meta_data;
    return copy;
  }
  // Meta Data sent as a JSON text is parsed here, after the body's depth was checked: it gets its own check.
  if (nestedDeeperThan(meta)) {
    throw malformed('meta_data', `its meta_data is nested more than ${MAX_JSON_DEPTH} levels deep`);
  }
  delete meta.secret;
  copy.meta_data = meta;
  return copy;
}

/**
 * Receive T-Gate Webhooks (a webhook trigger). The platform answers T-Gate's POST itself and hands the
 * request body to `process` as `msg.body`; T-Gate takes any answer and never sends a delivery again, so
 * what happens here is the delivery's only trace:
 *
 * - emitted: one normalised event `{event, resourceType, action, id, receivedAt, delivery}`, and with
 *   enrichment the record fetched from T-Gate (`record`, `deleted`);
 * - skipped: an event the step's filter leaves out (not an error: the user chose not to receive it);
 * - refused: a wrong or missing `meta_data.secret` while the step has a Shared secret, and a body that
 *   is not a delivery this trigger can read; each is an error naming the problem (never the secret nor
 *   what was sent in its place), so it shows in the execution log instead of disappearing;
 * - rebounded: a fetch that fails for a transient reason (the step scaffold), so the platform retries.
 */
import { defineStep, Step } from '../step';
import { recordSchema } from '../step/resources';
import { TGateRefusedError } from '../tgate';
import {
  checkWebhookSecret,
  deliveryWithoutSecret,
  parseWebhookDelivery,
  TGATE_WEBHOOK_EVENTS,
  TGateWebhookEvent,
  TGateWebhookEventName,
  webhookEventResource,
} from '../tgate/webhooks';
import eventSchema from '../schemas/webhookEvent.out.json';

interface Fields {
  sharedSecret?: string;
  enrich: boolean;
  events?: TGateWebhookEventName[];
}

/** What the trigger emits. */
export interface WebhookEventMessage extends TGateWebhookEvent {
  receivedAt: string;
  delivery: Record<string, unknown>;
  /** With enrichment: true for a destroy, or when T-Gate no longer has the record (404). */
  deleted?: boolean;
  /** With enrichment: the record as T-Gate serves it now; null when deleted. */
  record?: Record<string, unknown> | null;
}

export const process = defineStep<Fields, unknown>({
  fields: {
    type: 'object',
    properties: {
      sharedSecret: { type: 'string' },
      enrich: { type: 'boolean', default: false },
      events: { type: 'array', items: { type: 'string', enum: TGATE_WEBHOOK_EVENTS } },
    },
    required: ['enrich'],
  },
  // Any body: the delivery is read by lib/tgate/webhooks.ts, whose errors never echo the Meta Data.
  body: {},
  // Authenticate before reading: an unauthenticated body is not looked at further, however deep.
  authenticate: (fields, body) => {
    if (fields.sharedSecret !== undefined) checkWebhookSecret(body, fields.sharedSecret);
  },
  run: receive,
});

async function receive(step: Step<Fields, unknown>): Promise<void> {
  const receivedAt = new Date().toISOString();
  const { enrich, events } = step.fields;
  const event = parseWebhookDelivery(step.body);
  const what = `${event.event} for ${event.resourceType} ${event.id}`;
  if (events && events.length > 0 && !events.includes(event.event)) {
    step.sailor.logger?.info?.(`Skipped ${what}: the step's event filter leaves ${event.event} out`);
    return;
  }
  step.sailor.logger?.info?.(`Received ${what}`);
  const message: WebhookEventMessage = { ...event, receivedAt, delivery: deliveryWithoutSecret(step.body) };
  if (enrich) Object.assign(message, await fetchRecord(step, event));
  await step.emitData(message);
}

/**
 * The record now, or deleted: a destroy is not fetched, and a 404 means the record is gone (or left the
 * granted integration scopes) since the delivery. Transient failures propagate and become a rebound.
 */
async function fetchRecord(
  step: Step<Fields, unknown>,
  event: TGateWebhookEvent,
): Promise<Pick<WebhookEventMessage, 'deleted' | 'record'>> {
  if (event.action === 'destroy') return { deleted: true, record: null };
  try {
    return { deleted: false, record: await step.tgate.get(event.resourceType, event.id) };
  } catch (err) {
    if (err instanceof TGateRefusedError && err.status === 404) {
      step.sailor.logger?.info?.(
        `T-Gate has no ${event.resourceType} ${event.id} any more: emitting ${event.event} as deleted`,
      );
      return { deleted: true, record: null };
    }
    throw err;
  }
}

/** The events a step passes on: those chosen, or all. */
function chosenEvents(value: unknown): TGateWebhookEventName[] {
  const chosen = Array.isArray(value) ? TGATE_WEBHOOK_EVENTS.filter((e) => value.includes(e)) : [];
  return chosen.length > 0 ? chosen : TGATE_WEBHOOK_EVENTS;
}

/**
 * The mapper's view of the event: the chosen event types only, and with enrichment the record; its schema
 * is the resource's when the chosen events are all about one type of object.
 */
export async function getMetaModel(cfg: { enrich?: unknown; events?: unknown }): Promise<{ in: object; out: object }> {
  const events = chosenEvents(cfg?.events);
  const resources = [...new Set(events.map(webhookEventResource))];
  const base = eventSchema as { properties: Record<string, object>; required: string[] };
  const properties: Record<string, object> = {
    ...base.properties,
    event: { ...base.properties.event, enum: events },
    resourceType: { ...base.properties.resourceType, enum: resources },
  };
  const required = [...base.required];
  if (cfg?.enrich === true || cfg?.enrich === 'true') {
    const record =
      resources.length === 1
        ? recordSchema(resources[0])
        : { type: 'object', description: `The ${resources.join(', ')} record, by resourceType` };
    properties.deleted = {
      type: 'boolean',
      title: 'Deleted',
      description:
        'true for a destroy, or when T-Gate no longer has the object (or it left the granted integration scopes)',
    };
    properties.record = {
      ...record,
      type: ['object', 'null'],
      title: 'Record',
      description: 'The object as T-Gate serves it now (fetched when the delivery is processed); null when deleted',
    };
    required.push('deleted', 'record');
  }
  return { in: { type: 'object', properties: {} }, out: { ...base, properties, required } };
}

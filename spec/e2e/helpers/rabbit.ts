/**
 * The RabbitMQ side of an end-to-end run of the real sailor: the topology the platform would create
 * (the sailor declares nothing: sailor.md 4.4 step 2), publishing encrypted input messages with the
 * sailor's own Encryptor, and collecting what the sailor publishes.
 *
 * Every name carries a random suffix and every queue an `x-expires`, so parallel runs do not meet and a
 * crashed run leaves nothing behind for long; `deleteTopology` removes everything at once.
 */
import amqplib, { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { withTimeout } from './wait';

// The sailor's own message encryption (AES-256-CBC, key sha256(password), IV as given).
import Encryptor from 'elasticio-sailor-nodejs/lib/encryptor.js';

export const DEFAULT_AMQP_URI = 'amqp://guest:guest@127.0.0.1:5672';

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  try {
    const u = new URL(uri);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable AMQP URI>';
  }
}

/** Connects, or throws an error that says RabbitMQ is not reachable (the e2e suite must fail, not skip). */
export async function connectOrFail(uri: string, timeoutMs = 5000): Promise<ChannelModel> {
  try {
    return await withTimeout(amqplib.connect(uri, { timeout: timeoutMs }), timeoutMs + 500, 'AMQP connect');
  } catch (err) {
    throw new Error(
      `RabbitMQ is not reachable at ${redactUri(uri)} (${err instanceof Error ? err.message : String(err)}). ` +
        'The end-to-end suite runs the real sailor against a real broker and needs one (CI provides RabbitMQ on 127.0.0.1:5672); ' +
        'start RabbitMQ or point E2E_AMQP_URI at one. This is a failure, not a skip.',
      { cause: err },
    );
  }
}

export interface Topology {
  suffix: string;
  exchange: string;
  input: string;
  /** Input messages the sailor rejects (reject(msg, false)) are dead-lettered here: proof of reject vs ack. */
  rejected: string;
  queues: { data: string; error: string; rebound: string; snapshot: string };
  routingKeys: { data: string; error: string; rebound: string; snapshot: string; rejected: string };
}

const QUEUE_TTL_MS = 10 * 60 * 1000;

export async function declareTopology(ch: Channel, suffix: string): Promise<Topology> {
  const base = `e2e-sailor-${suffix}`;
  const t: Topology = {
    suffix,
    exchange: `${base}:exchange`,
    input: `${base}:input`,
    rejected: `${base}:rejected`,
    queues: { data: `${base}:data`, error: `${base}:error`, rebound: `${base}:rebound`, snapshot: `${base}:snapshot` },
    routingKeys: {
      data: `${base}.data`,
      error: `${base}.error`,
      rebound: `${base}.rebound`,
      snapshot: `${base}.snapshot`,
      rejected: `${base}.rejected`,
    },
  };
  await ch.assertExchange(t.exchange, 'direct', { durable: false, autoDelete: false });
  await ch.assertQueue(t.input, {
    durable: false,
    arguments: {
      'x-expires': QUEUE_TTL_MS,
      'x-dead-letter-exchange': t.exchange,
      'x-dead-letter-routing-key': t.routingKeys.rejected,
    },
  });
  await ch.assertQueue(t.rejected, { durable: false, arguments: { 'x-expires': QUEUE_TTL_MS } });
  await ch.bindQueue(t.rejected, t.exchange, t.routingKeys.rejected);
  for (const kind of ['data', 'error', 'rebound', 'snapshot'] as const) {
    await ch.assertQueue(t.queues[kind], { durable: false, arguments: { 'x-expires': QUEUE_TTL_MS } });
    await ch.bindQueue(t.queues[kind], t.exchange, t.routingKeys[kind]);
  }
  return t;
}

export async function deleteTopology(ch: Channel, t: Topology): Promise<void> {
  for (const q of [t.input, t.rejected, ...Object.values(t.queues)]) await ch.deleteQueue(q);
  await ch.deleteExchange(t.exchange);
}

export interface SailorEncryptor {
  encryptMessageContent(payload: unknown, outputEncoding?: 'base64' | 'hex'): Buffer;
  decryptMessageContent(payload: Buffer | string, inputEncoding?: 'base64' | 'hex'): unknown;
}

export function sailorEncryptor(password: string, iv: string): SailorEncryptor {
  return new Encryptor(password, iv);
}

export interface Received {
  queue: string;
  content: Buffer;
  headers: Record<string, unknown>;
  properties: ConsumeMessage['properties'];
  routingKey: string;
  receivedAt: number;
}

/** Consumes the output queues (and the dead-letter queue) into arrays, acknowledging each message. */
export class Collector {
  readonly byQueue = new Map<string, Received[]>();
  private readonly tags: string[] = [];

  constructor(private readonly ch: Channel) {}

  async consume(queue: string): Promise<void> {
    this.byQueue.set(queue, []);
    const { consumerTag } = await this.ch.consume(queue, (msg) => {
      if (!msg) return;
      this.byQueue.get(queue)!.push({
        queue,
        content: msg.content,
        headers: msg.properties.headers ?? {},
        properties: msg.properties,
        routingKey: msg.fields.routingKey,
        receivedAt: Date.now(),
      });
      this.ch.ack(msg);
    });
    this.tags.push(consumerTag);
  }

  get(queue: string): Received[] {
    return this.byQueue.get(queue) ?? [];
  }

  async stop(): Promise<void> {
    for (const tag of this.tags.splice(0)) await this.ch.cancel(tag);
  }
}

/**
 * One flow step of the component, run as the platform runs it: its RabbitMQ topology, the embedded T-Gate
 * sandbox, the platform stand-in (step data, accounts) and one or more real `run.js` containers consuming
 * the step's input queue. Specs talk to the containers only through encrypted messages on the queues.
 *
 * Built on the other helpers (rabbit.ts, sailorProcess.ts, fakePlatformApi.ts, wait.ts); sailor.spec.ts
 * keeps its own, more detailed set-up.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import type { Channel, ChannelModel } from 'amqplib';
import { Sandbox, SandboxClient, SandboxOptions, startSandbox } from '../../../lib/sandbox';
import { FakePlatformApi, startFakePlatformApi, StepData } from './fakePlatformApi';
import {
  Collector,
  connectOrFail,
  declareTopology,
  DEFAULT_AMQP_URI,
  deleteTopology,
  Received,
  sailorEncryptor,
  SailorEncryptor,
  Topology,
} from './rabbit';
import { SailorProcess } from './sailorProcess';
import { waitFor } from './wait';

export const COMPONENT_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const AMQP_URI = process.env.E2E_AMQP_URI || DEFAULT_AMQP_URI;
const STARTUP_TIMEOUT_MS = 20_000;

/** One attempt per T-Gate request (stepEnv): a 503 is a transient failure at once, not after backing off. */
export const ONE_ATTEMPT = { TGATE_RETRY_MAX_ATTEMPTS: '1' };

export interface StepRunOptions {
  /** The component function (component.json actions or triggers). */
  function: string;
  /** The step's fields (go into cfg beside the credential's keys). */
  fields?: Record<string, unknown>;
  /** How many run.js containers consume the step's queue (default 1). */
  containers?: number;
  /** Extra environment of every container (e.g. TGATE_RETRY_MAX_ATTEMPTS). */
  stepEnv?: NodeJS.ProcessEnv;
  /** Sandbox options (the OAuth client is added). */
  sandbox?: Omit<SandboxOptions, 'clients'>;
  /** The step's snapshot in the platform's step data (default {}). */
  snapshot?: Record<string, unknown>;
  /** The sailor's LOG_LEVEL (default 'info'). */
  logLevel?: string;
  /** The component tree the containers run from (default: this repository's root). */
  componentRoot?: string;
  /**
   * A sandbox several StepRuns share (steps of one flow on one T-Gate): the step's OAuth client is added
   * to it, and close() leaves it running (its owner closes it). Default: a sandbox of the step's own.
   */
  sharedSandbox?: Sandbox;
  /** Changes the credential's keys (as the platform stores them and cfg carries them), e.g. an expired token. */
  credential?: (keys: { environment: string; oauth: Record<string, unknown> }) => Record<string, unknown>;
}

export interface SentMessage {
  messageId: string;
  threadId: string;
  payload: {
    id: string;
    body: unknown;
    headers: Record<string, unknown>;
    attachments: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

export interface SailorErrorPayload {
  name: string;
  message: string;
  stack: string;
}

export class StepRun {
  readonly suffix = crypto.randomBytes(4).toString('hex');
  readonly ids = {
    flowId: `flow-${this.suffix}`,
    stepId: 'step_2',
    execId: `exec-${this.suffix}`,
    workspaceId: `workspace-${this.suffix}`,
    userId: `user-${this.suffix}`,
    compId: `comp-${this.suffix}`,
    account: `account-${this.suffix}`,
  };
  readonly client: SandboxClient = {
    clientId: `e2e client ${this.suffix}`,
    clientSecret: `secret/${crypto.randomBytes(8).toString('hex')}`,
    redirectUris: ['https://platform.example.io/callback/oauth2'],
  };
  readonly apiUser = 'task-user@example.com';
  readonly apiKey = `platform-api-key-${crypto.randomBytes(12).toString('hex')}`;
  private readonly cryptoPassword = crypto.randomBytes(16).toString('hex');
  private readonly cryptoIv = crypto.randomBytes(8).toString('hex');
  readonly enc: SailorEncryptor = sailorEncryptor(this.cryptoPassword, this.cryptoIv);
  readonly sent: SentMessage[] = [];
  readonly sailors: SailorProcess[] = [];
  conn!: ChannelModel;
  ch!: Channel;
  topo!: Topology;
  collector!: Collector;
  sandbox!: Sandbox;
  platform!: FakePlatformApi;
  cfg!: Record<string, unknown>;
  /** The step data the platform stand-in serves to each container at start-up (change it before starting one). */
  stepData!: StepData;

  private constructor(readonly opts: StepRunOptions) {}

  static async start(opts: StepRunOptions): Promise<StepRun> {
    const run = new StepRun(opts);
    try {
      await run.setUp();
    } catch (err) {
      await run.close();
      throw err;
    }
    return run;
  }

  private async setUp(): Promise<void> {
    this.conn = await connectOrFail(AMQP_URI);
    this.ch = await this.conn.createChannel();
    this.topo = await declareTopology(this.ch, this.suffix);
    this.collector = new Collector(this.ch);
    for (const q of [...Object.values(this.topo.queues), this.topo.rejected]) await this.collector.consume(q);

    if (this.opts.sharedSandbox) {
      this.sandbox = this.opts.sharedSandbox;
      this.sandbox.addClient(this.client);
    } else {
      this.sandbox = await startSandbox({ ...this.opts.sandbox, clients: [this.client] });
    }
    const tokens = await this.sandbox.issueTokens(this.client.clientId);
    const issued = {
      environment: 'company-sandbox',
      oauth: { ...tokens, expires_at: new Date(Date.now() + tokens.expires_in * 1000).toISOString() },
    };
    const keys = this.opts.credential ? this.opts.credential(issued) : issued;
    this.cfg = { ...this.opts.fields, _account: this.ids.account, ...keys };
    this.stepData = { config: this.cfg, snapshot: this.opts.snapshot ?? {}, is_passthrough: false, variables: {} };
    this.platform = await startFakePlatformApi({
      username: this.apiUser,
      apiKey: this.apiKey,
      flowId: this.ids.flowId,
      stepId: this.ids.stepId,
      step: this.stepData,
    });
    this.platform.accounts.set(this.ids.account, { keys: JSON.parse(JSON.stringify(keys)) });
    const n = this.opts.containers ?? 1;
    for (let i = 0; i < n; i += 1) this.startContainer();
    await Promise.all(this.sailors.map((s) => s.waitForIpc('init:ended', STARTUP_TIMEOUT_MS)));
  }

  /** Starts one more run.js container on the step's queue (not awaited: wait for its 'init:ended'). */
  startContainer(): SailorProcess {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      LOG_LEVEL: this.opts.logLevel ?? 'info',
      ELASTICIO_FLOW_ID: this.ids.flowId,
      ELASTICIO_EXEC_ID: this.ids.execId,
      ELASTICIO_STEP_ID: this.ids.stepId,
      ELASTICIO_CONTAINER_ID: `container-${this.suffix}-${this.sailors.length + 1}`,
      ELASTICIO_WORKSPACE_ID: this.ids.workspaceId,
      ELASTICIO_USER_ID: this.ids.userId,
      ELASTICIO_COMP_ID: this.ids.compId,
      ELASTICIO_FUNCTION: this.opts.function,
      ELASTICIO_API_URI: this.platform.url,
      ELASTICIO_API_USERNAME: this.apiUser,
      ELASTICIO_API_KEY: this.apiKey,
      ELASTICIO_AMQP_URI: AMQP_URI,
      ELASTICIO_LISTEN_MESSAGES_ON: this.topo.input,
      ELASTICIO_PUBLISH_MESSAGES_TO: this.topo.exchange,
      ELASTICIO_DATA_ROUTING_KEY: this.topo.routingKeys.data,
      ELASTICIO_ERROR_ROUTING_KEY: this.topo.routingKeys.error,
      ELASTICIO_REBOUND_ROUTING_KEY: this.topo.routingKeys.rebound,
      ELASTICIO_SNAPSHOT_ROUTING_KEY: this.topo.routingKeys.snapshot,
      ELASTICIO_MESSAGE_CRYPTO_PASSWORD: this.cryptoPassword,
      ELASTICIO_MESSAGE_CRYPTO_IV: this.cryptoIv,
      OAUTH_CLIENT_ID: this.client.clientId,
      OAUTH_CLIENT_SECRET: this.client.clientSecret,
      TGATE_TOKEN_URI: this.sandbox.tokenUrl,
      TGATE_API_BASE_URL: this.sandbox.apiBaseUrl,
      ...this.opts.stepEnv,
    };
    const sailor = new SailorProcess(this.opts.componentRoot ?? COMPONENT_ROOT, env);
    this.sailors.push(sailor);
    return sailor;
  }

  /** Publishes one encrypted input message to the step's queue, as the previous step of a flow would. */
  publish(body: unknown, headers: Record<string, unknown> = {}): SentMessage {
    const n = this.sent.length + 1;
    const messageId = `e2e-msg-${n}-${crypto.randomUUID()}`;
    const threadId = `e2e-thread-${n}-${this.suffix}`;
    const payload = { id: messageId, body, headers, attachments: {}, metadata: {} };
    const ok = this.ch.sendToQueue(this.topo.input, this.enc.encryptMessageContent(payload, 'base64'), {
      contentType: 'application/json',
      headers: { messageId, threadId, stepId: 'step_1', protocolVersion: 1 },
    });
    if (!ok) throw new Error('publishing to the input queue: the channel is full');
    const sent = { messageId, threadId, payload };
    this.sent.push(sent);
    return sent;
  }

  received(kind: keyof Topology['queues']): Received[] {
    return this.collector.get(this.topo.queues[kind]);
  }

  /** Messages of a kind the sailor published for an input (data, error, snapshot: parentMessageId; rebound: the input's own messageId). */
  for(kind: keyof Topology['queues'], m: SentMessage): Received[] {
    const key = kind === 'rebound' ? 'messageId' : 'parentMessageId';
    return this.received(kind).filter((r) => r.headers[key] === m.messageId);
  }

  decrypt(r: Received): Record<string, unknown> {
    return this.enc.decryptMessageContent(r.content, 'base64') as Record<string, unknown>;
  }

  /** The messages of the errors the sailor published for an input. */
  errorTexts(m: SentMessage): string[] {
    return this.for('error', m).map((e) => this.decryptError(e).error.message);
  }

  /** The error of an error-queue message (its content is JSON {error, errorInput}, each encrypted). */
  decryptError(r: Received): { error: SailorErrorPayload; errorInput: unknown } {
    const envelope = JSON.parse(r.content.toString('utf8')) as { error: string; errorInput: string };
    return {
      error: this.enc.decryptMessageContent(envelope.error, 'base64') as SailorErrorPayload,
      errorInput: this.enc.decryptMessageContent(envelope.errorInput, 'base64'),
    };
  }

  /** Waits until `check` holds, failing with the containers' last lines. */
  async until<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
    return waitFor(check, { timeoutMs, what, context: () => this.context() });
  }

  /** Waits for the first of data, error or rebound for an input. */
  async outcome(
    m: SentMessage,
    timeoutMs = 15_000,
  ): Promise<{ data: Received[]; error: Received[]; rebound: Received[] }> {
    return this.until(
      () => {
        const o = { data: this.for('data', m), error: this.for('error', m), rebound: this.for('rebound', m) };
        return o.data.length + o.error.length + o.rebound.length > 0 && o;
      },
      `an outcome for ${m.messageId}`,
      timeoutMs,
    );
  }

  context(): string {
    const counts = Object.keys(this.topo?.queues ?? {})
      .map((k) => `${k}=${this.received(k as keyof Topology['queues']).length}`)
      .join(' ');
    return `queues: ${counts}\n${this.sailors.map((s, i) => `--- container ${i + 1} ---\n${s.tail(8)}`).join('\n')}`;
  }

  async inputQueue(): Promise<{ messageCount: number; consumerCount: number }> {
    const q = await this.ch.checkQueue(this.topo.input);
    return { messageCount: q.messageCount, consumerCount: q.consumerCount };
  }

  async close(): Promise<void> {
    const steps: Array<[string, () => unknown]> = [
      ['stop the sailor children', () => Promise.all(this.sailors.map((s) => s.kill()))],
      ['stop consuming', () => this.collector?.stop()],
      ['delete the queues and exchange', () => (this.topo && this.ch ? deleteTopology(this.ch, this.topo) : undefined)],
      ['close the AMQP connection', () => this.conn?.close()],
      ['close the sandbox', () => (this.opts.sharedSandbox ? undefined : this.sandbox?.close())],
      ['close the platform stand-in', () => this.platform?.close()],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        console.warn(`e2e cleanup: could not ${what}: ${(err as Error).message}`);
      }
    }
  }
}

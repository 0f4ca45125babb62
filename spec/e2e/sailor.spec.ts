/**
 * END-TO-END: the REAL sailor (elasticio-sailor-nodejs run.js, as a child process, cwd = component root)
 * runs the listIntegrationScopes action on a real RabbitMQ, against the embedded T-Gate sandbox and a
 * fake platform API (sailor.md 4.4). Nothing of the sailor is stubbed: messages go in and out through
 * the broker, encrypted with the sailor's own Encryptor, and updateKeys goes over HTTP to the fake API.
 *
 * Token lifetime: the sandbox issues access tokens that live ACCESS_TOKEN_LIFETIME_S (2) seconds, and the
 * spec waits past that before each message. So the token is expired on both sides: the step cfg says so
 * (cfg.oauth.expires_at in the past), the sandbox agrees (checked: it answers 401 to the original token),
 * and every message must refresh, which lets the spec check that each refresh used the refresh token the
 * previous one returned (rotation, tokens kept in memory across messages of one container).
 *
 * The `it`s run in order against ONE container, as a flow step's container lives through many messages.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import axios from 'axios';
import { expect } from 'chai';
import type { Channel, ChannelModel } from 'amqplib';
import { defaultIntegrationScopes, Sandbox, SandboxClient, startSandbox } from '../../lib/sandbox';
import { basicAuthHeader, ConnectedTokens, connectViaGrantFlow } from '../helpers/sandboxConnect';
import { FakePlatformApi, PlatformCall, startFakePlatformApi } from './helpers/fakePlatformApi';
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
} from './helpers/rabbit';
import { SailorProcess } from './helpers/sailorProcess';
import { sleepUntil, waitFor } from './helpers/wait';

const COMPONENT_ROOT = path.resolve(__dirname, '..', '..', '..');
const AMQP_URI = process.env.E2E_AMQP_URI || DEFAULT_AMQP_URI;
const ACCESS_TOKEN_LIFETIME_S = 2;
/** Past the sandbox's expiry of a token issued at or before a moment we observed. */
const EXPIRY_MARGIN_MS = ACCESS_TOKEN_LIFETIME_S * 1000 + 250;
const STARTUP_TIMEOUT_MS = 15_000;
const MESSAGE_TIMEOUT_MS = 15_000;
const SCOPES = defaultIntegrationScopes();
const FUNCTION = 'listIntegrationScopes';

interface InputMessage {
  messageId: string;
  threadId: string;
  payload: {
    id: string;
    body: Record<string, unknown>;
    headers: Record<string, unknown>;
    attachments: Record<string, unknown>;
    metadata: Record<string, unknown>;
  };
}

interface SailorError {
  name: string;
  message: string;
  stack: string;
}

describe('e2e: the real sailor runs listIntegrationScopes on RabbitMQ (sandbox T-Gate, fake platform API)', function () {
  this.timeout(60_000);
  // The steps share one container and build on each other: after the first failure, stop (the
  // first failure is the cause; the rest would only repeat it, each after a timeout).
  this.bail(true);

  const suffix = crypto.randomBytes(4).toString('hex');
  const ids = {
    flowId: `flow-${suffix}`,
    stepId: 'step_2',
    execId: `exec-${suffix}`,
    containerId: `container-${suffix}`,
    workspaceId: `workspace-${suffix}`,
    userId: `user-${suffix}`,
    compId: `comp-${suffix}`,
    account: `account-${suffix}`,
  };
  const apiUser = 'task-user@example.com';
  const apiKey = `platform-api-key-${crypto.randomBytes(12).toString('hex')}`;
  const cryptoPassword = crypto.randomBytes(16).toString('hex');
  const cryptoIv = crypto.randomBytes(8).toString('hex'); // exactly 16 characters, used as raw bytes
  const client: SandboxClient = {
    clientId: `partner app ${suffix}`,
    clientSecret: `s3cr3t/with+chars=${crypto.randomBytes(8).toString('hex')}`,
    redirectUris: ['https://platform.example.io/callback/oauth2'],
  };

  let conn: ChannelModel | undefined;
  let ch: Channel;
  let topo: Topology | undefined;
  let collector: Collector | undefined;
  let enc: SailorEncryptor;
  let sandbox: Sandbox | undefined;
  let api: FakePlatformApi | undefined;
  let sailor: SailorProcess | undefined;
  let tokens: ConnectedTokens;
  let tokensReceivedAt: number;
  let cfg: { _account: string; environment: string; oauth: Record<string, unknown> };
  /** Token values the spec learnt outside the PUT bodies (original and reconnect tokens). */
  const knownTokens: string[] = [];
  const sent: InputMessage[] = [];
  /** When the sailor logged the end of each message (an upper bound of when its tokens were issued). */
  const endedAt = new Map<string, number>();

  // --- helpers over the shared state ---------------------------------------------------------------

  const context = (): string => (sailor ? sailor.tail() : 'the sailor was not started');

  function publish(n: number): InputMessage {
    const messageId = `e2e-msg-${n}-${crypto.randomUUID()}`;
    const threadId = `e2e-thread-${n}-${suffix}`;
    const payload = { id: messageId, body: { n }, headers: {}, attachments: {}, metadata: {} };
    const ok = ch.sendToQueue(topo!.input, enc.encryptMessageContent(payload, 'base64'), {
      contentType: 'application/json',
      // messageId is mandatory for sailor 2.7.8 (without it the ack fails: sailor.md 0.8).
      headers: { messageId, threadId, stepId: 'step_1', protocolVersion: 1 },
    });
    expect(ok, 'publishing to the input queue').to.equal(true);
    const input = { messageId, threadId, payload };
    sent.push(input);
    return input;
  }

  const dataFor = (m: InputMessage): Received[] =>
    collector!.get(topo!.queues.data).filter((r) => r.headers.parentMessageId === m.messageId);
  const errorsFor = (m: InputMessage): Received[] =>
    collector!.get(topo!.queues.error).filter((r) => r.headers.parentMessageId === m.messageId);
  const rejected = (): Received[] => collector!.get(topo!.rejected);
  const refreshRequests = () => sandbox!.tokenRequests.filter((r) => r.grantType === 'refresh_token');
  const puts = (): PlatformCall[] => api!.calls.filter((c) => c.method === 'PUT');
  const accountGets = (): PlatformCall[] =>
    api!.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/accounts/'));
  const stepGets = (): PlatformCall[] =>
    api!.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/v1/tasks/'));
  const scopeCalls = () => sandbox!.requests.filter((r) => r.path === '/partner/v1/integration_scopes');
  const acks = () => sailor!.logs.filter((l) => l.msg === 'Message ack').length;
  const rejects = () => sailor!.logs.filter((l) => l.msg === 'Message reject').length;

  /** The sailor's own end-of-message log line ("processMessage emit end", trace level): ack or reject is done. */
  async function waitForEnd(m: InputMessage): Promise<number> {
    const line = await sailor!.waitForLog(
      (l) => l.msg === 'processMessage emit end' && l.messageId === m.messageId,
      MESSAGE_TIMEOUT_MS,
      `the sailor to finish message ${m.messageId}`,
    );
    endedAt.set(m.messageId, Date.now());
    return Number(line.errorCount);
  }

  async function waitForData(m: InputMessage, count: number): Promise<Received[]> {
    return waitFor(() => dataFor(m).length >= count && dataFor(m), {
      timeoutMs: 5000,
      what: `${count} data messages for ${m.messageId}`,
      context: () => `got ${dataFor(m).length}\n${context()}`,
    });
  }

  const decrypt = (r: Received): Record<string, unknown> =>
    enc.decryptMessageContent(r.content, 'base64') as Record<string, unknown>;

  async function inputQueue(): Promise<{ messageCount: number; consumerCount: number }> {
    const q = await ch.checkQueue(topo!.input);
    return { messageCount: q.messageCount, consumerCount: q.consumerCount };
  }

  /** Every secret of this run: if any appears in an output, it leaked. */
  function secrets(): string[] {
    const values = new Set<string>([
      client.clientSecret,
      encodeURIComponent(client.clientSecret),
      basicAuthHeader(client.clientId, client.clientSecret).slice('Basic '.length),
      apiKey,
      Buffer.from(`${apiUser}:${apiKey}`).toString('base64'),
      cryptoPassword,
      ...knownTokens,
    ]);
    for (const call of api?.calls ?? []) {
      const oauth = (call.body as { keys?: { oauth?: Record<string, unknown> } } | undefined)?.keys?.oauth;
      for (const k of ['access_token', 'refresh_token']) if (typeof oauth?.[k] === 'string') values.add(oauth[k]);
    }
    return [...values].filter((s) => s.length >= 8);
  }
  const leaked = (texts: string[]): string[] => secrets().filter((s) => texts.some((t) => t.includes(s)));

  /** Checks one data message: encrypted payload of a scope, and the sailor's outgoing headers. */
  function checkDataMessages(m: InputMessage, received: Received[]): void {
    expect(received, `data messages for ${m.messageId}`).to.have.length(SCOPES.length);
    const payloads = received.map(decrypt);
    expect(
      payloads.map((p) => p.body),
      'data bodies are the integration scopes, in order',
    ).to.deep.equal(SCOPES);
    const messageIds = new Set<unknown>();
    received.forEach((r, i) => {
      expect(r.routingKey).to.equal(topo!.routingKeys.data);
      expect(r.headers, `headers of data message ${i}`).to.include({
        parentMessageId: m.messageId,
        threadId: m.threadId,
        protocolVersion: 1,
        stepId: ids.stepId,
        function: FUNCTION,
        taskId: ids.flowId,
        execId: ids.execId,
        containerId: ids.containerId,
        compId: ids.compId,
      });
      // The component's message id (elasticio-node newMessageWithBody) becomes the AMQP messageId.
      expect(r.headers.messageId, 'data messageId header = payload id').to.equal(payloads[i].id);
      messageIds.add(r.headers.messageId);
    });
    expect(messageIds.size, 'distinct messageIds').to.equal(SCOPES.length);
  }

  // --- set-up and tear-down -------------------------------------------------------------------------

  before(async function () {
    this.timeout(40_000);
    // RabbitMQ first: without it this FAILS (the message says so); CI guarantees a broker.
    conn = await connectOrFail(AMQP_URI);
    ch = await conn.createChannel();
    topo = await declareTopology(ch, suffix);
    collector = new Collector(ch);
    for (const q of [...Object.values(topo.queues), topo.rejected]) await collector.consume(q);
    enc = sailorEncryptor(cryptoPassword, cryptoIv);

    for (const f of [
      'component.json',
      'dist/lib/actions/listIntegrationScopes.js',
      'node_modules/elasticio-sailor-nodejs/run.js',
    ]) {
      expect(
        fs.existsSync(path.join(COMPONENT_ROOT, f)),
        `${f} in the component root ${COMPONENT_ROOT} (build first)`,
      ).to.equal(true);
    }

    sandbox = await startSandbox({ clients: [client], accessTokenLifetimeSeconds: ACCESS_TOKEN_LIFETIME_S });
    tokens = await connectViaGrantFlow(sandbox, client);
    tokensReceivedAt = Date.now();
    knownTokens.push(tokens.access_token, tokens.refresh_token);
    expect(tokens.expires_in).to.equal(ACCESS_TOKEN_LIFETIME_S);

    // The credential as the platform stores it after the access grant flow, with our absolute expiry
    // already in the past: the step cfg itself says the access token has expired.
    cfg = {
      _account: ids.account,
      environment: 'company-sandbox',
      oauth: { ...tokens, expires_at: new Date(Date.now() - 60_000).toISOString() },
    };
    api = await startFakePlatformApi({
      username: apiUser,
      apiKey,
      flowId: ids.flowId,
      stepId: ids.stepId,
      step: { config: cfg, snapshot: {}, is_passthrough: false, variables: {} },
    });
    api.accounts.set(ids.account, { keys: { environment: cfg.environment, oauth: { ...cfg.oauth } } });

    const env: NodeJS.ProcessEnv = {
      // A clean environment: no NODE_ENV=test (it silences the sailor's logger), no proxies.
      PATH: process.env.PATH,
      LOG_LEVEL: 'trace',
      ELASTICIO_FLOW_ID: ids.flowId,
      ELASTICIO_EXEC_ID: ids.execId,
      ELASTICIO_STEP_ID: ids.stepId,
      ELASTICIO_CONTAINER_ID: ids.containerId,
      ELASTICIO_WORKSPACE_ID: ids.workspaceId,
      ELASTICIO_USER_ID: ids.userId,
      ELASTICIO_COMP_ID: ids.compId,
      ELASTICIO_FUNCTION: FUNCTION,
      ELASTICIO_API_URI: api.url,
      ELASTICIO_API_USERNAME: apiUser,
      ELASTICIO_API_KEY: apiKey,
      ELASTICIO_AMQP_URI: AMQP_URI,
      ELASTICIO_LISTEN_MESSAGES_ON: topo.input,
      ELASTICIO_PUBLISH_MESSAGES_TO: topo.exchange,
      ELASTICIO_DATA_ROUTING_KEY: topo.routingKeys.data,
      ELASTICIO_ERROR_ROUTING_KEY: topo.routingKeys.error,
      ELASTICIO_REBOUND_ROUTING_KEY: topo.routingKeys.rebound,
      ELASTICIO_SNAPSHOT_ROUTING_KEY: topo.routingKeys.snapshot,
      ELASTICIO_MESSAGE_CRYPTO_PASSWORD: cryptoPassword,
      ELASTICIO_MESSAGE_CRYPTO_IV: cryptoIv,
      // component.json envVars: the tenant's OAuth client and the sandbox as T-Gate.
      OAUTH_CLIENT_ID: client.clientId,
      OAUTH_CLIENT_SECRET: client.clientSecret,
      TGATE_TOKEN_URI: sandbox.tokenUrl,
      TGATE_API_BASE_URL: sandbox.apiBaseUrl,
    };
    sailor = new SailorProcess(COMPONENT_ROOT, env);
    await sailor.waitForIpc('init:ended', STARTUP_TIMEOUT_MS);
  });

  after(async function () {
    this.timeout(20_000);
    const steps: Array<[string, () => unknown]> = [
      ['stop the sailor child', () => sailor?.kill()],
      // E2E_SAILOR_LOG=<file>: keep the container's output for a look (it holds no secrets: test 3 checks).
      [
        'write E2E_SAILOR_LOG',
        () =>
          process.env.E2E_SAILOR_LOG &&
          sailor &&
          fs.writeFileSync(process.env.E2E_SAILOR_LOG, `${sailor.stdout}\n--- stderr ---\n${sailor.stderr}`),
      ],
      ['stop consuming', () => collector?.stop()],
      ['delete the queues and exchange', () => (topo && conn ? deleteTopology(ch, topo) : undefined)],
      ['close the AMQP connection', () => conn?.close()],
      ['close the sandbox', () => sandbox?.close()],
      ['close the fake platform API', () => api?.close()],
    ];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        console.warn(`e2e cleanup: could not ${what}: ${(err as Error).message}`);
      }
    }
  });

  beforeEach(function () {
    if (!sailor?.running) throw new Error(`the sailor container is not running (an earlier step failed)\n${context()}`);
  });

  // --- the scenario ---------------------------------------------------------------------------------

  it('1. a message with an expired access token: one refresh, one PUT /v1/accounts, 45 data messages, input acked', async () => {
    // Make the server agree the original access token has expired, and check that it does.
    await sleepUntil(tokensReceivedAt + EXPIRY_MARGIN_MS);
    const probe = await axios.get(`${sandbox!.apiBaseUrl}/integration_scopes`, {
      headers: { Authorization: `Bearer ${tokens.access_token}` },
      proxy: false,
      validateStatus: () => true,
    });
    expect(probe.status, 'the sandbox rejects the original (expired) access token').to.equal(401);
    const tokenRequestsBefore = sandbox!.tokenRequests.length;
    const scopeCallsBefore = scopeCalls().length;

    const m1 = publish(1);
    const errorCount = await waitForEnd(m1);
    expect(errorCount, `errors while processing message 1\n${context()}`).to.equal(0);
    checkDataMessages(m1, await waitForData(m1, SCOPES.length));

    // Exactly one token request, a refresh with the connected refresh token and HTTP Basic client auth.
    const newTokenRequests = sandbox!.tokenRequests.slice(tokenRequestsBefore);
    expect(newTokenRequests, 'token requests for message 1').to.have.length(1);
    const [refresh] = newTokenRequests;
    expect(refresh.status).to.equal(200);
    expect(refresh.contentType).to.match(/^application\/x-www-form-urlencoded/);
    expect(refresh.authorization, 'Basic client authentication').to.equal(
      basicAuthHeader(client.clientId, client.clientSecret),
    );
    expect(Object.fromEntries(new URLSearchParams(refresh.rawBody))).to.deep.equal({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });

    // The refresh happened before the API call: one GET, answered 200 (no 401 and retry).
    expect(
      scopeCalls()
        .slice(scopeCallsBefore)
        .map((r) => r.status),
      'integration_scopes calls for message 1',
    ).to.deep.equal([200]);

    // Exactly one PUT /v1/accounts/{id}: the whole keys object, with the rotated tokens.
    expect(puts(), 'PUT /v1/accounts calls').to.have.length(1);
    const [put] = puts();
    expect(put.path).to.equal(`/v1/accounts/${ids.account}`);
    expect(put.status).to.equal(200);
    expect(put.authorization, 'the sailor authenticates with the task user API key').to.equal(
      `Basic ${Buffer.from(`${apiUser}:${apiKey}`).toString('base64')}`,
    );
    const body = put.body as { keys: { environment: string; oauth: Record<string, unknown> } };
    expect(Object.keys(body)).to.deep.equal(['keys']);
    expect(Object.keys(body.keys).sort()).to.deep.equal(['environment', 'oauth']);
    expect(body.keys.environment).to.equal('company-sandbox');
    const oauth = body.keys.oauth;
    expect(oauth.refresh_token, 'a new (rotated) refresh token').to.be.a('string').and.not.equal(tokens.refresh_token);
    expect(oauth.access_token, 'a new access token').to.be.a('string').and.not.equal(tokens.access_token);
    expect(oauth.expires_in).to.equal(ACCESS_TOKEN_LIFETIME_S);
    // Our absolute expiry: from when the refresh was sent (just before the sandbox got it) plus expires_in.
    expect(Date.parse(String(oauth.expires_at)) - refresh.at, 'expires_at - refresh arrival (ms)').to.be.within(
      ACCESS_TOKEN_LIFETIME_S * 1000 - 1000,
      ACCESS_TOKEN_LIFETIME_S * 1000,
    );
    expect(api!.accounts.get(ids.account)?.keys, 'the fake API stored the new keys').to.deep.equal(body.keys);

    // Acked: no error, nothing dead-lettered, input queue empty.
    expect(errorsFor(m1), 'error queue').to.have.length(0);
    expect(collector!.get(topo!.queues.error), 'error queue').to.have.length(0);
    expect(rejected(), 'rejected (dead-lettered) input messages').to.have.length(0);
    expect(acks(), '"Message ack" logged by the sailor').to.equal(1);
    expect(rejects()).to.equal(0);
    expect((await inputQueue()).messageCount, 'messages left on the input queue').to.equal(0);
    expect(collector!.get(topo!.queues.rebound)).to.have.length(0);
    expect(collector!.get(topo!.queues.snapshot)).to.have.length(0);
  });

  it('2. a second and third message in the same container (same, now stale cfg) refresh from the newest tokens in memory', async () => {
    const refreshesBefore = refreshRequests().length;
    for (const n of [2, 3]) {
      // The token issued for the previous message has expired too: both sides agree, a refresh is due.
      await sleepUntil(endedAt.get(sent[sent.length - 1].messageId)! + EXPIRY_MARGIN_MS);
      const m = publish(n);
      const errorCount = await waitForEnd(m);
      expect(errorCount, `errors while processing message ${n}\n${context()}`).to.equal(0);
      checkDataMessages(m, await waitForData(m, SCOPES.length));
    }

    // One refresh per message; each used the refresh token the previous refresh returned (and saved).
    const refreshes = refreshRequests();
    expect(refreshes.length - refreshesBefore, 'refreshes for messages 2 and 3').to.equal(2);
    expect(refreshes, 'all refreshes so far').to.have.length(3);
    const saved = puts().map(
      (p) => (p.body as { keys: { oauth: { refresh_token: string } } }).keys.oauth.refresh_token,
    );
    expect(saved, 'one PUT /v1/accounts per message').to.have.length(3);
    expect(new Set(saved).size, 'every PUT carries a new refresh token').to.equal(3);
    const used = refreshes.map((r) => new URLSearchParams(r.rawBody).get('refresh_token'));
    expect(
      used,
      'refresh token sent by each refresh = the connected one, then each previously saved one',
    ).to.deep.equal([tokens.refresh_token, saved[0], saved[1]]);
    for (const r of refreshes) {
      expect(r.status).to.equal(200);
      expect(r.authorization).to.equal(basicAuthHeader(client.clientId, client.clientSecret));
    }
    for (const p of puts()) {
      expect(p.path).to.equal(`/v1/accounts/${ids.account}`);
      expect(Object.keys((p.body as { keys: object }).keys).sort()).to.deep.equal(['environment', 'oauth']);
    }
    // Memory, not a re-read, for the tokens: the step data was fetched once (same container); the stored
    // credential is read once before each refresh (another container may have refreshed first), never more.
    expect(stepGets(), 'GET /v1/tasks/:flow/steps/:step').to.have.length(1);
    expect(accountGets(), 'GET /v1/accounts/:id: one look before each refresh, no recovery path').to.have.length(
      refreshes.length,
    );
    expect(
      sandbox!.tokenRequests.filter((r) => r.error),
      'token requests the sandbox refused',
    ).to.have.length(0);
    expect(
      scopeCalls().map((r) => r.status),
      "the spec's probe (401), then one 200 per message",
    ).to.deep.equal([401, 200, 200, 200]);

    expect(collector!.get(topo!.queues.error), 'error queue').to.have.length(0);
    expect(rejected(), 'rejected input messages').to.have.length(0);
    expect(acks(), '"Message ack" lines').to.equal(3);
    expect((await inputQueue()).messageCount).to.equal(0);
  });

  it('3. after T-Gate revoked the tokens: the message goes to the error queue (reconnect needed), rejected, no secret anywhere', async () => {
    await sleepUntil(endedAt.get(sent[sent.length - 1].messageId)! + EXPIRY_MARGIN_MS);
    sandbox!.revokeAll(client.clientId);
    const tokenRequestsBefore = sandbox!.tokenRequests.length;
    const putsBefore = puts().length;
    const lastSavedRefresh = (puts()[putsBefore - 1].body as { keys: { oauth: { refresh_token: string } } }).keys.oauth
      .refresh_token;

    const m4 = publish(4);
    const errorCount = await waitForEnd(m4);
    expect(errorCount, 'errors counted for message 4').to.equal(1);
    const [errMsg] = await waitFor(() => errorsFor(m4).length > 0 && errorsFor(m4), {
      timeoutMs: 5000,
      what: `an error message for ${m4.messageId}`,
      context,
    });
    expect(errorsFor(m4), 'exactly one error message').to.have.length(1);
    expect(collector!.get(topo!.queues.error), 'error queue (only message 4)').to.have.length(1);
    expect(errMsg.routingKey).to.equal(topo!.routingKeys.error);
    expect(errMsg.headers).to.include({
      parentMessageId: m4.messageId,
      threadId: m4.threadId,
      stepId: ids.stepId,
      function: FUNCTION,
    });

    // The payload: JSON {error, errorInput}, each base64 of the encrypted content (whatever protocolVersion).
    const raw = errMsg.content.toString('utf8');
    const envelope = JSON.parse(raw) as { error: string; errorInput: string };
    expect(Object.keys(envelope).sort()).to.deep.equal(['error', 'errorInput']);
    const error = enc.decryptMessageContent(envelope.error, 'base64') as SailorError;
    expect(error.name).to.equal('ReconnectRequiredError');
    expect(error.message).to.match(/^T-Gate credential must be reconnected: /);
    expect(error.message).to.include('invalid_grant');
    expect(enc.decryptMessageContent(envelope.errorInput, 'base64'), 'errorInput = the input message').to.deep.equal(
      m4.payload,
    );

    // One refresh attempt with the newest refresh token, refused; nothing saved; no data.
    const attempts = sandbox!.tokenRequests.slice(tokenRequestsBefore);
    expect(attempts, 'token requests for message 4 (no retry storm)').to.have.length(1);
    expect(new URLSearchParams(attempts[0].rawBody).get('refresh_token')).to.equal(lastSavedRefresh);
    expect(attempts[0]).to.include({ grantType: 'refresh_token', status: 400, error: 'invalid_grant' });
    expect(puts(), 'no PUT /v1/accounts for message 4').to.have.length(putsBefore);
    expect(dataFor(m4), 'data messages for message 4').to.have.length(0);

    // Rejected without requeue: dead-lettered by the broker, not left on the input queue.
    const dead = await waitFor(() => rejected().length > 0 && rejected(), {
      timeoutMs: 5000,
      what: 'message 4 on the dead-letter queue',
      context,
    });
    expect(dead, 'rejected input messages').to.have.length(1);
    expect(dead[0].headers.messageId).to.equal(m4.messageId);
    const death = (dead[0].headers['x-death'] as Array<{ reason: string; queue: string }>)[0];
    expect(death).to.include({ reason: 'rejected', queue: topo!.input });
    expect(rejects(), '"Message reject" lines').to.equal(1);
    expect((await inputQueue()).messageCount).to.equal(0);

    // No secret in the error (raw and decrypted), its headers, or the container's output.
    const texts = [raw, JSON.stringify(error), JSON.stringify(errMsg.headers), sailor!.stdout, sailor!.stderr];
    expect(secrets().length, 'secrets to look for').to.be.greaterThan(10);
    expect(leaked(texts), 'secrets found in the error or the container output').to.deep.equal([]);
    // ... while the output does tell what happened (so the leak check looks at real logs).
    expect(sailor!.stdout).to.include('requesting a new one (refresh_token)');
  });

  it('4. SIGTERM while a message is in flight: stops consuming, finishes the message, disconnects, exits 0', async () => {
    // The user reconnects the credential: the platform stores the new token response as is.
    const reconnected = await connectViaGrantFlow(sandbox!, client);
    const reconnectedAt = Date.now();
    knownTokens.push(reconnected.access_token, reconnected.refresh_token);
    api!.accounts.set(ids.account, { keys: { environment: cfg.environment, oauth: { ...reconnected } } });
    // Let that token expire too, then hold the next refresh at the sandbox for 1.5 s: a message in flight.
    await sleepUntil(reconnectedAt + EXPIRY_MARGIN_MS);
    sandbox!.injectFault({ method: 'POST', path: '/oauth/token', delayMs: 1500 });
    const tokenRequestsBefore = sandbox!.tokenRequests.length;

    const m5 = publish(5);
    await waitFor(() => sandbox!.tokenRequests.length > tokenRequestsBefore, {
      timeoutMs: MESSAGE_TIMEOUT_MS,
      what: 'message 5 to reach the (delayed) token endpoint',
      context,
    });
    expect(
      sailor!.logs.some((l) => l.msg === 'processMessage emit end' && l.messageId === m5.messageId),
      'message 5 still in flight',
    ).to.equal(false);
    const termAt = Date.now();
    sailor!.signal('SIGTERM');
    // Published after SIGTERM: the sailor must not take it any more.
    const m6 = publish(6);

    const exit = await sailor!.waitForExit(15_000);
    expect(exit, 'exit of run.js after SIGTERM').to.deep.equal({ code: 0, signal: null });

    // The in-flight message was finished before the exit: refreshed, saved, 45 data messages, acked.
    const endLine = sailor!.logs.find((l) => l.msg === 'processMessage emit end' && l.messageId === m5.messageId);
    expect(endLine, `message 5 finished before exit\n${context()}`).to.not.equal(undefined);
    expect(endLine!.errorCount).to.equal(0);
    expect(Date.parse(String(endLine!.time)), 'message 5 ended after SIGTERM').to.be.at.least(termAt - 1);
    checkDataMessages(m5, await waitForData(m5, SCOPES.length));
    const refresh5 = sandbox!.tokenRequests.slice(tokenRequestsBefore);
    expect(
      refresh5.map((r) => new URLSearchParams(r.rawBody).get('refresh_token')),
      'refreshed with the reconnected refresh token',
    ).to.deep.equal([reconnected.refresh_token]);
    expect(
      (puts()[puts().length - 1].body as { keys: { oauth: { refresh_token: string } } }).keys.oauth.refresh_token,
    ).to.not.equal(reconnected.refresh_token);

    // The sailor's shutdown sequence, in order.
    const order = ['Received SIGTERM', 'Disconnecting...', 'Successfully disconnected'].map((msg) =>
      sailor!.logs.findIndex((l) => l.msg === msg),
    );
    expect(
      order.every((i) => i >= 0),
      `shutdown log lines ${JSON.stringify(order)}\n${context()}`,
    ).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
    const endIndex = sailor!.logs.indexOf(endLine!);
    expect(endIndex, 'message 5 ended between SIGTERM and the disconnect')
      .to.be.greaterThan(order[0])
      .and.lessThan(order[1]);

    // Message 6 was never consumed: it is still on the input queue, and nobody consumes it.
    expect(dataFor(m6)).to.have.length(0);
    expect(await inputQueue(), 'input queue after exit').to.deep.equal({ messageCount: 1, consumerCount: 0 });
    const left = await ch.get(topo!.input, { noAck: true });
    expect(left && (left.properties.headers as Record<string, unknown>).messageId).to.equal(m6.messageId);

    // Over the whole run: only message 4 was rejected, only it produced an error, nothing leaked.
    expect(rejected().map((r) => r.headers.messageId)).to.deep.equal([sent[3].messageId]);
    expect(collector!.get(topo!.queues.error)).to.have.length(1);
    expect(acks(), '"Message ack" lines over the run').to.equal(4);
    expect(leaked([sailor!.stdout, sailor!.stderr]), 'secrets in the container output').to.deep.equal([]);
  });
});

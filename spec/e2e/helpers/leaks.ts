/**
 * Secret leak checks over everything a step run let out: every message received on any of its queues
 * (data, error, rebound, snapshot and the dead-letter queue), as raw bytes, headers and decrypted payload,
 * and the containers' output.
 */
import { Received } from './rabbit';
import { StepRun } from './stepRun';

/** The decrypted payload(s) of one received message, as text. Throws when a message cannot be read. */
function plaintext(run: StepRun, r: Received): string {
  if (r.queue === run.topo.queues.error) return JSON.stringify(run.decryptError(r));
  // The sailor publishes snapshots as plain JSON (the platform stores them as step data).
  if (r.queue === run.topo.queues.snapshot) return r.content.toString('utf8');
  return JSON.stringify(run.decrypt(r));
}

/** Every message received on any queue of the run: raw content, headers and decrypted payload. */
export function queueTexts(run: StepRun): string[] {
  const texts: string[] = [];
  for (const list of run.collector.byQueue.values()) {
    for (const r of list) texts.push(r.content.toString('utf8'), JSON.stringify(r.headers), plaintext(run, r));
  }
  return texts;
}

/** How many messages the run received on all its queues together. */
export function receivedCount(run: StepRun): number {
  let n = 0;
  for (const list of run.collector.byQueue.values()) n += list.length;
  return n;
}

/**
 * The run's secrets: the client secret (as is, URL-encoded and inside the Basic header), the platform API
 * key, the tokens of the credential the step started with, every token the platform stand-in was asked to
 * store, and `extra` (tokens learnt elsewhere, e.g. from the token endpoint's answers).
 */
export function runSecrets(run: StepRun, extra: string[] = []): string[] {
  const { clientId, clientSecret } = run.client;
  const values = new Set<string>([
    clientSecret,
    encodeURIComponent(clientSecret),
    Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64'),
    Buffer.from(`${clientId}:${clientSecret}`).toString('base64'),
    run.apiKey,
    ...extra,
  ]);
  const oauthValues = (oauth: unknown): void => {
    const o = oauth as Record<string, unknown> | undefined;
    for (const k of ['access_token', 'refresh_token']) if (typeof o?.[k] === 'string') values.add(o[k]);
  };
  oauthValues(run.cfg.oauth);
  for (const account of run.platform.accounts.values()) oauthValues(account.keys.oauth);
  for (const call of run.platform.calls)
    oauthValues((call.body as { keys?: { oauth?: unknown } } | undefined)?.keys?.oauth);
  return [...values].filter((s) => s.length >= 8);
}

/** The secrets found in any queue message or container output of the run (none expected). */
export function leaks(run: StepRun, extra: string[] = []): string[] {
  const texts = [...queueTexts(run), ...run.sailors.flatMap((s) => [s.stdout, s.stderr])];
  return runSecrets(run, extra).filter((secret) => texts.some((t) => t.includes(secret)));
}

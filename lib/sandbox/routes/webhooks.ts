/**
 * Webhook controls (T-Gate's Webhook Management, played by a test), never faulted nor recorded:
 *   GET    /__sandbox/webhooks                      {"webhooks": [...], "delivered", "failed", "lastError"}
 *   POST   /__sandbox/webhooks                      add {url, events?, metaData?, enabled?, bodyShape?}, 201
 *   DELETE /__sandbox/webhooks                      remove all and reset the counts
 *   PATCH  /__sandbox/webhooks/:id                  change fields (e.g. {"enabled": false})
 *   DELETE /__sandbox/webhooks/:id                  remove one, 204
 *   GET    /__sandbox/webhooks/deliveries[?wait=1]  counts and the latest deliveries (wait: once none is under way)
 */
import { Answer, Route, RouteContext, message } from '../router';
import { CONTROL_PREFIX } from '../urls';
import { WebhookConfig, WebhookConfigError, WebhookSender } from '../webhooks';
import { jsonBody, metaDataShown } from './control';

/** A webhook, or the delivery stats, as an answer shows them: never the Meta Data's secret. */
function shown(value: unknown): unknown {
  if (!value || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if (Array.isArray(v.webhooks)) return { ...v, webhooks: v.webhooks.map(shown) };
  if (Array.isArray(v.deliveries)) return { ...v, deliveries: v.deliveries.map(shown) };
  if ('metaData' in v) return { ...v, metaData: metaDataShown(v.metaData as Record<string, unknown> | null) };
  const body = v.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && 'meta_data' in body) {
    return { ...v, body: { ...body, meta_data: metaDataShown(body.meta_data as Record<string, unknown>) } };
  }
  return value;
}

function configuring(ctx: RouteContext | undefined, status: number, act: (body: unknown) => Answer['body']): Answer {
  let body: unknown;
  if (ctx) {
    const parsed = jsonBody(ctx.req, ctx.rawBody);
    if (!parsed.ok) return parsed.answer;
    body = parsed.value;
  }
  try {
    return { status, headers: {}, body: shown(act(body)) };
  } catch (err) {
    if (err instanceof WebhookConfigError) return message(/^no webhook/.test(err.message) ? 404 : 400, err.message);
    throw err;
  }
}

export function webhookControlRoutes(webhooks: WebhookSender): Route[] {
  const base = `${CONTROL_PREFIX}/webhooks`;
  const summary = () => {
    const { delivered, failed, lastError } = webhooks.stats;
    return { webhooks: webhooks.list(), delivered, failed, lastError };
  };
  return [
    {
      method: 'GET',
      path: `${base}/deliveries`,
      async handle({ url }) {
        if (url.searchParams.has('wait')) await webhooks.idle();
        return { status: 200, headers: {}, body: shown(webhooks.stats) };
      },
    },
    { method: 'GET', path: base, handle: () => ({ status: 200, headers: {}, body: shown(summary()) }) },
    {
      method: 'POST',
      path: base,
      handle: (ctx) => configuring(ctx, 201, (body) => webhooks.configure(body as WebhookConfig)),
    },
    { method: 'DELETE', path: base, handle: () => configuring(undefined, 200, () => (webhooks.clear(), summary())) },
    {
      method: 'PATCH',
      path: `${base}/:id`,
      handle: (ctx) =>
        configuring(ctx, 200, (body) => webhooks.update(Number(ctx.params.id), body as Partial<WebhookConfig>)),
    },
    {
      method: 'DELETE',
      path: `${base}/:id`,
      handle: (ctx) => configuring(undefined, 204, () => webhooks.remove(Number(ctx.params.id))),
    },
  ];
}

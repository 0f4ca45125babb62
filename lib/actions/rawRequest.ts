import { defineStep } from '../step';
import { ComponentError, InvalidInputError } from '../errors';
import { allowedResponseHeaders } from '../http';
import { mayHaveTakenEffect, TGateUnavailableError } from '../tgate';
import inSchema from '../schemas/rawRequest.in.json';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Fields {
  doNotThrow404: boolean;
}
interface Body {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean>;
  body?: unknown;
}

const WITH_BODY = new Set<Method>(['POST', 'PUT', 'PATCH']);
/** Methods that a rebound (the platform sending the message again) could apply twice. */
const NOT_IDEMPOTENT = new Set<Method>(['POST', 'PATCH']);

/** Make Raw Request: one call to any path under the T-Gate API base, with the credential's token. */
export const process = defineStep<Fields, Body>({
  fields: { type: 'object', properties: { doNotThrow404: { type: 'boolean', default: false } } },
  body: inSchema,
  async run(step) {
    const { method, path, query, body } = step.body;
    if (body !== undefined && !WITH_BODY.has(method)) {
      throw new InvalidInputError(
        'body',
        `A ${method} request takes no body: remove body, or choose POST, PUT or PATCH as the method`,
      );
    }
    try {
      // With doNotThrow404 a 404 is an answer like any other: emitted as it came, not rebuilt from an error.
      const answerStatuses = step.fields.doNotThrow404 ? [404] : undefined;
      const res = await step.tgate.raw({ method, path, params: query, data: body, answerStatuses });
      // The raw answer, with only the credential's own values (token, client secret) replaced.
      const answer = { status: res.status, headers: allowedResponseHeaders(res.headers), body: res.data ?? null };
      await step.emitData(step.secrets.replaceKnownDeep(answer));
    } catch (err) {
      if (err instanceof TGateUnavailableError && NOT_IDEMPOTENT.has(method) && mayHaveTakenEffect(err)) {
        throw new ComponentError(
          `${err.message}. The ${method} may have reached T-Gate, ` +
            'so it is neither retried nor sent again later (it could take effect twice): ' +
            'check in T-Gate whether it did before sending it again',
          { cause: err },
        );
      }
      throw err;
    }
  },
});

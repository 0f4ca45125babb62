import { expect } from 'chai';
import { HttpError, mayHaveTakenEffect as httpRule } from '../../../lib/http';
import { isAmbiguousCreateFailure, mayHaveTakenEffect, TGateUnavailableError, tgateError } from '../../../lib/tgate';

const failed = (extra: { status?: number; code?: string }): HttpError =>
  new HttpError({
    service: 'T-Gate',
    method: 'POST',
    path: '/partner/v1/orders',
    attempts: 1,
    ...extra,
  });

const FAILURES = [
  ...[400, 404, 409, 422, 429, 500, 502, 503, 504].map((status) => ({ status })),
  ...['ECONNRESET', 'ETIMEDOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ERESPONSETOOLARGE'].map((code) => ({
    code,
  })),
];

describe('lib/tgate: "may have taken effect" is lib/http\'s one rule', () => {
  it('a T-Gate error answers as the HttpError it was made from', () => {
    for (const failure of FAILURES) {
      expect(mayHaveTakenEffect(tgateError(failed(failure))), JSON.stringify(failure)).to.equal(httpRule(failure));
    }
  });

  it('an order create is ambiguous exactly when T-Gate was unavailable and the create may have taken effect', () => {
    const ambiguous = FAILURES.filter((failure) => isAmbiguousCreateFailure(tgateError(failed(failure))));
    expect(ambiguous).to.deep.equal([
      { status: 500 },
      { status: 502 },
      { status: 504 },
      { code: 'ECONNRESET' },
      { code: 'ETIMEDOUT' },
    ]);
    for (const failure of ambiguous) expect(tgateError(failed(failure))).to.be.instanceOf(TGateUnavailableError);
  });
});

/** Expectations several e2e specs share about what a step let out for one input. */
import { expect } from 'chai';
import { StepRun } from './stepRun';
import { sleep } from './wait';

/** A refused input: one InvalidInputError naming `field`, no data, no rebound, no request to T-Gate (token endpoint included). */
export async function expectRefused(r: StepRun, body: unknown, field: string): Promise<void> {
  const before = r.sandbox.requestCount;
  const m = r.publish(body);
  const o = await r.outcome(m);
  await sleep(200); // a late data or rebound message, if any, arrives meanwhile
  expect(o.data, 'data').to.have.length(0);
  expect(r.for('rebound', m), 'rebounds').to.have.length(0);
  expect(o.error).to.have.length(1);
  const { error, errorInput } = r.decryptError(o.error[0]);
  expect(error.name, error.message).to.equal('InvalidInputError');
  expect(error.message).to.include(field);
  expect(errorInput).to.deep.equal(m.payload);
  expect(r.sandbox.requestCount - before, 'requests to T-Gate').to.equal(0);
}

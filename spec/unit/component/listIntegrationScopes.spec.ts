import { expect } from 'chai';
import { createWorld, World } from '../../helpers/world';
import { loadFunction, runStep } from '../../helpers/taskExec';

const action = loadFunction('listIntegrationScopes');

describe('action listIntegrationScopes', function () {
  this.timeout(20_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  it('emits one message per integration scope by default, in T-Gate order', async () => {
    world = await createWorld();
    const outcome = await runStep(action, { body: {} }, world.cfg, world.platform);
    expect(outcome.errors).to.deep.equal([]);
    const bodies = outcome.data.map(
      (d) => d.body as { id: number; brand_id: number; branch_id: number; menu_id: number },
    );
    expect(bodies.map((b) => b.id)).to.deep.equal(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(Object.keys(bodies[0]).sort()).to.deep.equal(['branch_id', 'brand_id', 'id', 'menu_id']);
  });

  it('emits one message with all scopes when asked', async () => {
    world = await createWorld();
    const outcome = await runStep(action, { body: {} }, { ...world.cfg, emitBehavior: 'emitAll' }, world.platform);
    expect(outcome.errors).to.deep.equal([]);
    expect(outcome.data).to.have.length(1);
    const body = outcome.data[0].body as { count: number; integrationScopes: unknown[] };
    expect(body.count).to.equal(45);
    expect(body.integrationScopes).to.have.length(45);
  });

  it('refuses an unknown emit behavior with an error naming the field and the allowed values, before calling T-Gate', async () => {
    world = await createWorld();
    const apiBefore = world.apiRequests();
    const outcome = await runStep(action, { body: {} }, { ...world.cfg, emitBehavior: 'emitSome' }, world.platform);
    expect(outcome.errors.map((e) => e.message)).to.deep.equal([
      'Invalid step configuration: emitBehavior must be one of "emitIndividually", "emitAll"',
    ]);
    expect(world.apiRequests()).to.equal(apiBefore);
  });

  it('says what is missing when the credential has no tokens', async () => {
    world = await createWorld();
    const outcome = await runStep(
      action,
      { body: {} },
      { _account: world.cfg._account, environment: 'company-sandbox' },
      world.platform,
    );
    expect(outcome.errors.map((e) => e.message)).to.deep.equal([
      'The T-Gate credential has no OAuth tokens (field "oauth"): open the credential and authenticate with T-Gate',
    ]);
  });

  it('names the allowed values for an unknown environment', async () => {
    world = await createWorld();
    const outcome = await runStep(action, { body: {} }, { ...world.cfg, environment: 'staging' }, world.platform);
    expect(outcome.errors.map((e) => e.message)).to.deep.equal([
      'Unknown T-Gate environment "staging" in the credential: expected one of "company", "company-sandbox"',
    ]);
  });
});

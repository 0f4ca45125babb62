import { expect } from 'chai';
import { createWorld, leakedSecrets, outcomeTexts, TWO_HOURS_MS, World } from '../../helpers/world';
import { loadFunction, runStep, StepOutcome } from '../../helpers/taskExec';

const action = loadFunction('listIntegrationScopes');
const SCOPES = 45; // the sandbox's default set

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The refresh tokens sent to the sandbox's token endpoint since `since`, in order. */
function refreshTokensSent(world: World, since: number): string[] {
  return world.sandbox.tokenRequests
    .slice(since)
    .filter((r) => r.grantType === 'refresh_token')
    .map((r) => new URLSearchParams(r.rawBody).get('refresh_token') ?? '');
}

/**
 * The credential as the platform stores it after the grant flow, in the shape its docs show
 * (access_token, expires_in, refresh_token, scope, token_type): no created_at, so its expiry is unknown.
 */
function documentedShape(world: World): void {
  const { created_at: _created, ...oauth } = world.tokens;
  world.cfg.oauth = { ...oauth };
  const keys = { environment: world.cfg.environment, oauth: { ...oauth } };
  world.platform.accounts.set(world.cfg._account, { keys });
}

/**
 * The stored credential lags behind this process: the sailor's save of new keys (updateKeys, PUT
 * /v1/accounts/{id}) is late or lost, so a refresh re-reads tokens this process already rotated away from.
 * Every message gets the start-up cfg, as on the platform.
 */
describe('tokens this process rotated away from are never used again (a lagging or lost save)', function () {
  this.timeout(40_000);
  let world: World;
  afterEach(async () => {
    await world?.close();
  });

  /** Three messages, each after the previous access token expired (1 s tokens, real time). */
  async function threeMessagesAcrossExpiries(): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = [];
    for (let i = 0; i < 3; i += 1) {
      await pause(1200);
      outcomes.push(await runStep(action, { body: {} }, world.cfg, world.platform));
    }
    return outcomes;
  }

  for (const [title, lagMs] of [
    ['lands 2.5 s late', 2500],
    ['never lands', Infinity],
  ] as const) {
    it(`a save that ${title}: three messages with the start-up cfg succeed, no refresh token sent twice`, async () => {
      world = await createWorld({ accessTokenLifetimeSeconds: 1 });
      documentedShape(world);
      world.platform.lagUpdates(lagMs);
      const before = world.sandbox.tokenRequests.length;

      const outcomes = await threeMessagesAcrossExpiries();

      expect(outcomes.flatMap((o) => o.errors.map((e) => e.message))).to.deep.equal([]);
      expect(outcomes.map((o) => o.data.length)).to.deep.equal([SCOPES, SCOPES, SCOPES]);
      const sent = refreshTokensSent(world, before);
      expect(sent[0]).to.equal(world.tokens.refresh_token);
      expect(sent.length, 'one refresh per expiry').to.equal(3);
      expect(new Set(sent).size, 'a refresh token sent twice').to.equal(sent.length);
      expect(world.sandbox.tokenRequests.slice(before).map((r) => r.status)).to.deep.equal([200, 200, 200]);
      expect(leakedSecrets(world, outcomeTexts(outcomes))).to.deep.equal([]);
    });
  }

  it('a save that fails: the sailor fails each message that saved, the container keeps its newest tokens', async () => {
    world = await createWorld({ fakeDate: true });
    documentedShape(world);
    world.platform.failNextUpdates(1000); // every PUT /v1/accounts answers 500
    const before = world.sandbox.tokenRequests.length;

    const outcomes: StepOutcome[] = [];
    for (let i = 0; i < 3; i += 1) {
      world.clock!.tick(TWO_HOURS_MS + 1000);
      outcomes.push(await runStep(action, { body: {} }, world.cfg, world.platform));
    }

    // The data went out; the error is the sailor's, for the save it could not make.
    expect(outcomes.map((o) => o.data.length)).to.deep.equal([SCOPES, SCOPES, SCOPES]);
    for (const o of outcomes) {
      expect(o.errors).to.have.length(1);
      expect(o.errors[0].message).to.match(/^Saving the new keys failed: the platform API PUT \S+ answered 500/);
      expect(o.errors[0].message).to.contain(`/v1/accounts/${world.cfg._account} `);
    }
    // The sailor's platform API client tries each save 3 times (1 s apart) before it reports the error.
    expect(world.platform.calls.filter((c) => c.method === 'PUT')).to.have.length(9);
    const sent = refreshTokensSent(world, before);
    expect(sent).to.have.length(3);
    expect(new Set(sent).size, 'a refresh token sent twice').to.equal(3);
    expect(world.sandbox.tokenRequests.slice(before).map((r) => r.status)).to.deep.equal([200, 200, 200]);
    // What other containers see: the credential as it was stored, never a newer pair.
    expect(
      (world.platform.accounts.get(world.cfg._account)!.keys.oauth as { refresh_token: string }).refresh_token,
    ).to.equal(world.tokens.refresh_token);
    expect(leakedSecrets(world, outcomeTexts(outcomes))).to.deep.equal([]);
  });
});

import { expect } from 'chai';
import { runRefreshRace } from '../../helpers/refreshRace';

/**
 * Containers that share one credential lose refresh races: T-Gate rotates the refresh token, so all but
 * one refresh gets invalid_grant, and the winner's save (PUT /v1/accounts) may land seconds later.
 * Separate processes, the sailor's TaskExec, the sandbox and a slow platform stand-in, all real.
 */
describe('several containers, one credential, a slow platform save', function () {
  this.timeout(90_000);

  it('4 processes whose refreshes collide, with saves taking 1 to 2 s: no message fails', async () => {
    const result = await runRefreshRace({
      containers: 4,
      messagesPerContainer: 6,
      accessTokenLifetimeSeconds: 5,
      minSaveDelayMs: 1000,
      maxSaveDelayMs: 2000,
    });
    expect(result.failures, result.timeline.join('\n')).to.deep.equal([]);
    expect(result.messages).to.equal(24);
    expect(result.failed).to.equal(0);
    // The race did happen: at least one container's refresh was refused while the winner's save was pending.
    expect(result.refusedTokenRequests, result.timeline.join('\n')).to.be.at.least(1);
    // Never a storm: every refused request is one container losing one round.
    expect(result.tokenRequests).to.be.below(4 * 6);
  });
});

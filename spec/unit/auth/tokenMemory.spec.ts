import { expect } from 'chai';
import { OAuthKeys, TokenMemory } from '../../../lib/auth';

/** What one process remembers of a credential: memory only moves forward. */
describe('lib/auth TokenMemory', () => {
  const id = 'acc-memory-spec';
  const pair = (n: number): OAuthKeys => ({ access_token: `a${n}`, refresh_token: `r${n}`, expires_in: 7200 });

  it('keeps its newest tokens over a cfg or stored credential holding a pair it already held', () => {
    const memory = new TokenMemory();
    memory.resolve(id, pair(0)); // the start-up cfg
    memory.remember(id, pair(1)); // refreshed here
    memory.markRefreshTokenSpent(id, 'r0');

    expect(memory.resolve(id, pair(0))).to.deep.equal(pair(1));
    expect(memory.adopt(id, pair(0))).to.equal(false);
    expect(memory.current(id)).to.deep.equal(pair(1));
  });

  it('never adopts a pair carrying a refresh token it spent or saw refused, even with another access token', () => {
    const memory = new TokenMemory();
    memory.resolve(id, pair(1));
    memory.markRefreshTokenSpent(id, 'r0');
    memory.markRefreshTokenDead(id, 'r9');

    expect(memory.isUnseen(id, { access_token: 'a-other', refresh_token: 'r0' })).to.equal(false);
    expect(memory.isUnseen(id, { access_token: 'a-other', refresh_token: 'r9' })).to.equal(false);
    expect(memory.resolve(id, { access_token: 'a-other', refresh_token: 'r0' })).to.deep.equal(pair(1));
    expect(memory.isRefreshTokenRetired(id, 'r0')).to.equal(true);
    expect(memory.isRefreshTokenRetired(id, 'r1')).to.equal(false);
  });

  it('adopts tokens it has never seen (another container refreshed, or the credential was reconnected)', () => {
    const memory = new TokenMemory();
    memory.resolve(id, pair(0));
    expect(memory.adopt(id, pair(5))).to.equal(true);
    expect(memory.current(id)).to.deep.equal(pair(5));
    expect(memory.resolve(id, pair(6))).to.deep.equal(pair(6));
    // Having moved on, it does not go back to any of them.
    expect(memory.adopt(id, pair(5))).to.equal(false);
    expect(memory.adopt(id, pair(0))).to.equal(false);
    expect(memory.adopt(id, {})).to.equal(false);
  });

  it('keeps what it knows per credential, and forgets it on request (a fresh container)', () => {
    const memory = new TokenMemory();
    memory.resolve(id, pair(1));
    memory.markRefreshTokenSpent(id, 'r0');
    expect(memory.isRefreshTokenSpent('another-credential', 'r0')).to.equal(false);
    memory.forget(id);
    expect(memory.current(id)).to.equal(undefined);
    expect(memory.isRefreshTokenSpent(id, 'r0')).to.equal(false);
  });

  it('single flight: concurrent callers for one credential share one run of the work', async () => {
    const memory = new TokenMemory();
    let runs = 0;
    let finish: (keys: OAuthKeys) => void = () => undefined;
    const work = (): Promise<OAuthKeys> => {
      runs += 1;
      return new Promise((resolve) => {
        finish = resolve;
      });
    };

    const callers = Array.from({ length: 10 }, () => memory.singleFlight(id, work));
    const other = memory.singleFlight('another-credential', async () => pair(7));
    finish(pair(2));

    expect(await Promise.all(callers)).to.deep.equal(Array(10).fill(pair(2)));
    expect(await other).to.deep.equal(pair(7));
    expect(runs).to.equal(1);
    // Once settled, the next caller starts a new run.
    await memory.singleFlight(id, async () => {
      runs += 1;
      return pair(3);
    });
    expect(runs).to.equal(2);
  });

  it('adopts an unseen pair that has only one of the two tokens', () => {
    const memory = new TokenMemory();
    memory.resolve(id, pair(1));
    expect(memory.adopt(id, { access_token: 'a-only' })).to.equal(true);
    expect(memory.adopt(id, { refresh_token: 'r-only' })).to.equal(true);
    expect(memory.adopt(id, {})).to.equal(false);
  });

  it('remembers tokens for a credential it did not know, and knows them after', () => {
    const memory = new TokenMemory();
    memory.remember('new-credential', pair(4));
    expect(memory.current('new-credential')).to.deep.equal(pair(4));
    expect(memory.adopt('new-credential', pair(4))).to.equal(false);
  });

  it('marks no token as issued here when there is none', () => {
    const memory = new TokenMemory();
    memory.markIssuedHere(id, undefined);
    expect(memory.wasIssuedHere(id, '')).to.equal(false);
  });

  it('forgets every credential at once, or one without touching the others', () => {
    const memory = new TokenMemory();
    for (const credential of ['one', 'two']) {
      memory.resolve(credential, pair(1));
      memory.markRefreshTokenDead(credential, 'r1');
      memory.markRefreshTokenSpent(credential, 'r2');
      memory.markIssuedHere(credential, 'a1');
    }
    const known = (credential: string): unknown[] => [
      memory.current(credential),
      memory.isRefreshTokenDead(credential, 'r1'),
      memory.isRefreshTokenSpent(credential, 'r2'),
      memory.wasIssuedHere(credential, 'a1'),
    ];
    memory.forget('one');
    expect(known('one')).to.deep.equal([undefined, false, false, false]);
    expect(known('two')).to.deep.equal([pair(1), true, true, true]);
    memory.forget();
    expect(known('two')).to.deep.equal([undefined, false, false, false]);
  });
});

import { expect } from 'chai';
import { expiresAtMs, fingerprint, mergeTokenResponse, needsRefresh, OAuthKeys } from '../../../lib/auth';

describe('lib/auth keys', () => {
  const now = Date.parse('2026-11-24T12:00:00Z');

  it('refreshes a missing, expired or nearly expired token, not a fresh one', () => {
    expect(needsRefresh({}, now)).to.equal(true);
    expect(
      needsRefresh({ access_token: 'a', expires_in: 7200, expires_at: new Date(now - 1).toISOString() }, now),
    ).to.equal(true);
    expect(
      needsRefresh({ access_token: 'a', expires_in: 7200, expires_at: new Date(now + 60_000).toISOString() }, now),
    ).to.equal(true);
    expect(
      needsRefresh({ access_token: 'a', expires_in: 7200, expires_at: new Date(now + 3600_000).toISOString() }, now),
    ).to.equal(false);
  });

  it('treats unknown expiry as valid (a 401 will tell)', () => {
    expect(needsRefresh({ access_token: 'a' }, now)).to.equal(false);
    expect(needsRefresh({ access_token: 'a', expires_in: 'soon' as unknown as number }, now)).to.equal(false);
  });

  it('derives expiry from created_at (Doorkeeper) when expires_at is absent', () => {
    expect(expiresAtMs({ created_at: now / 1000, expires_in: 7200 })).to.equal(now + 7200_000);
  });

  it('keeps the skew window below half the lifetime, so short tokens do not refresh on every call', () => {
    const keys = mergeTokenResponse({}, { access_token: 'a', expires_in: 60 }, now);
    expect(needsRefresh(keys, now + 1000)).to.equal(false);
    expect(needsRefresh(keys, now + 31_000)).to.equal(true);
  });

  it('handles a 20-year expires_in (631152000 s) without overflow or refresh storms', () => {
    const keys = mergeTokenResponse({}, { access_token: 'a', expires_in: 631152000 }, now);
    expect(keys.expires_at).to.equal(new Date(now + 631152000 * 1000).toISOString());
    expect(needsRefresh(keys, now + 365 * 24 * 3600_000)).to.equal(false);
    const absurd = mergeTokenResponse({}, { access_token: 'a', expires_in: 1e300 }, now);
    expect(Number.isFinite(Date.parse(absurd.expires_at as string))).to.equal(true);
  });

  it('merges rotation-safely: keeps the old refresh token when none comes back, and counts from the send time', () => {
    const merged = mergeTokenResponse(
      { access_token: 'old', refresh_token: 'r1', scope: 'x' },
      { access_token: 'new', expires_in: 7200 },
      now,
    );
    expect(merged).to.deep.equal({
      access_token: 'new',
      refresh_token: 'r1',
      scope: 'x',
      expires_in: 7200,
      expires_at: new Date(now + 7200_000).toISOString(),
    });
    const rotated = mergeTokenResponse(merged, { access_token: 'newer', refresh_token: 'r2', expires_in: 7200 }, now);
    expect(rotated.refresh_token).to.equal('r2');
  });

  it('keeps the stored refresh token when a response carries "refresh_token": null or ""', () => {
    // It is the only live one: overwriting it would leave the credential without a way to refresh.
    for (const none of [null, '']) {
      const response = { access_token: 'new', refresh_token: none, expires_in: 7200 } as unknown as OAuthKeys;
      const merged = mergeTokenResponse({ access_token: 'old', refresh_token: 'r1' }, response, now);
      expect(merged.refresh_token, JSON.stringify(none)).to.equal('r1');
      expect(merged.access_token).to.equal('new');
    }
  });

  it('reads expires_in sent as text, and takes 0 or less as no lifetime', () => {
    expect(
      mergeTokenResponse({}, { access_token: 'a', expires_in: ' 3600 ' as unknown as number }, now).expires_at,
    ).to.equal(new Date(now + 3600_000).toISOString());
    for (const none of [0, -5, ' ']) {
      const keys = mergeTokenResponse({ expires_at: 'old' }, { access_token: 'a', expires_in: none as number }, now);
      expect(keys.expires_at, JSON.stringify(none)).to.equal(undefined);
    }
  });

  it('reads expires_at as epoch ms too; an unreadable one falls back to created_at; created_at 0 is unknown', () => {
    expect(needsRefresh({ access_token: 'a', expires_at: (now - 1) as unknown as string }, now)).to.equal(true);
    expect(expiresAtMs({ expires_at: (now + 5) as unknown as string })).to.equal(now + 5);
    expect(expiresAtMs({ expires_at: 'garbage', created_at: now / 1000, expires_in: 60 })).to.equal(now + 60_000);
    expect(expiresAtMs({ created_at: 0, expires_in: 60 })).to.equal(undefined);
  });

  it('refreshes from the first moment of the skew window', () => {
    const keys = { access_token: 'a', expires_at: new Date(now + 300_000).toISOString() };
    expect(needsRefresh(keys, now, 300_000)).to.equal(true);
    expect(needsRefresh(keys, now - 1, 300_000)).to.equal(false);
  });

  it('fingerprints tell pairs apart by either token', () => {
    const pairs = [
      { access_token: 'a', refresh_token: 'r' },
      { access_token: 'b', refresh_token: 'r' },
    ];
    const prints = [...pairs, { refresh_token: 'r' }, { access_token: 'a' }].map(fingerprint);
    expect(new Set(prints).size).to.equal(4);
  });
});

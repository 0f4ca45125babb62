/**
 * Several containers (separate processes) on one credential against the sandbox, with a platform whose
 * save of new keys is slow: messages failed, token requests made (and how many T-Gate refused), saves.
 *
 *   npm run bench:race
 */
import { runRefreshRace, RaceOptions } from '../spec/helpers/refreshRace';

const CASES: Array<{ label: string; options: RaceOptions }> = [
  {
    label: '4 containers x 2 messages, 2-hour tokens expired at start, saves take 200 ms',
    options: {
      containers: 4,
      messagesPerContainer: 2,
      accessTokenLifetimeSeconds: 7200,
      minSaveDelayMs: 200,
      maxSaveDelayMs: 200,
    },
  },
  {
    label: '4 containers x 2 messages, 2-hour tokens expired at start, saves take 1 s',
    options: {
      containers: 4,
      messagesPerContainer: 2,
      accessTokenLifetimeSeconds: 7200,
      minSaveDelayMs: 1000,
      maxSaveDelayMs: 1000,
    },
  },
  {
    label: '4 containers x 8 messages, 5-second tokens, saves take 0 to 2 s',
    options: {
      containers: 4,
      messagesPerContainer: 8,
      accessTokenLifetimeSeconds: 5,
      minSaveDelayMs: 0,
      maxSaveDelayMs: 2000,
    },
  },
  {
    label: '8 containers x 80 messages, 1-second tokens, instant saves',
    options: { containers: 8, messagesPerContainer: 80, accessTokenLifetimeSeconds: 1, maxSaveDelayMs: 0 },
  },
];

async function main(): Promise<void> {
  for (const { label, options } of CASES) {
    const r = await runRefreshRace(options);
    console.log(
      `${label}\n  messages failed ${r.failed} of ${r.messages}; token requests ${r.tokenRequests} (${r.refusedTokenRequests} refused); saves ${r.saves}; ${(r.elapsedMs / 1000).toFixed(1)} s`,
    );
    for (const f of r.failures) console.log(`  failure: ${f}`);
  }
}

main().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});

// StrykerJS on the modules that carry the component's promises (docs/TESTING.md). Run with
// `npm run test:mutation` (scripts/mutation.mjs), one group at a time: each group mutates one module and
// runs only the unit specs that exercise it, because a run of every spec for every module is too slow for
// two shared cores. Stryker instruments the TypeScript in its sandbox, tsc builds it to dist/ there, and
// mocha runs the compiled specs; per-test coverage then runs each mutant against the specs that reach it.
const unit = (...globs) => globs.map((g) => `dist/spec/unit/${g}.spec.js`);

// Each group lists its focused unit specs first and the component specs (through the sailor) after them:
// a mutant stops at its first failing spec, so a mutant the unit specs kill never waits for a slow one.
export const GROUPS = {
  auth: {
    mutate: ['lib/auth/**/*.ts'],
    spec: unit(
      'auth/keys',
      'auth/tokenMemory',
      'auth/tokenAnswers',
      'auth/tokenRequest',
      'auth/sessionRules',
      'auth/tokenEndpoint',
      'auth/session',
      'component/tokenLifecycle',
      'component/verifyCredentials',
      'component/secretEcho',
    ),
  },
  client: {
    mutate: ['lib/http/client.ts'],
    spec: unit('http/clientAnswers', 'http/client', 'tgate/client', 'tgate/connectLimits', 'component/rawRequest'),
  },
  secrets: {
    mutate: ['lib/http/secrets.ts'],
    spec: unit(
      'http/secrets',
      'http/client',
      'http/clientAnswers',
      'auth/sessionRules',
      'auth/tokenAnswers',
      'component/secretEcho',
      'component/tokenLifecycle',
    ),
  },
  pathSegment: {
    mutate: ['lib/http/pathSegment.ts'],
    spec: unit('http/pathSegment', 'tgate/client', 'platform/oauthClients', 'component/lookupObject'),
  },
  orders: {
    mutate: ['lib/tgate/orders.ts'],
    spec: unit(
      'tgate/orders',
      'component/orders',
      'component/ordersRailsAnswers',
      'component/ordersUpdate',
      'component/ordersMetadata',
      'component/ordersExactlyOnce',
    ),
  },
  paging: {
    mutate: ['lib/tgate/paging.ts'],
    spec: unit(
      'tgate/pagingRules',
      'tgate/paging',
      'tgate/pageLimit',
      'component/lookupObjects',
      'component/listIntegrationScopes',
    ),
  },
  rawPath: { mutate: ['lib/tgate/rawPath.ts'], spec: unit('tgate/rawPath', 'component/rawRequest') },
  webhooks: { mutate: ['lib/tgate/webhooks.ts'], spec: unit('tgate/webhooks', 'component/webhookEvents') },
  triggers: {
    mutate: ['lib/triggers/**/*.ts'],
    spec: unit(
      'triggers/catalogStateEdges',
      'triggers/catalogState',
      'triggers/webhookEventsRules',
      'triggers/pollCatalogRules',
      'component/pollCatalog',
      'component/pollCatalogLive',
      'component/webhookEvents',
    ),
  },
  step: {
    mutate: ['lib/step/index.ts'],
    spec: unit(
      'step/**/*',
      'component/secretEcho',
      'component/rawRequest',
      'component/listIntegrationScopes',
      'component/lookupObject',
    ),
  },
};

// Specs left out of every mutation run: each takes seconds (real waits, child processes, a thousand
// messages), a mutant covered by one would wait for it on every run, and what each proves about these
// modules is also held by faster specs (docs/TESTING.md, "Mutation testing"). `npm test` runs them all.
export const SLOW_SPECS = [
  '4 processes whose refreshes collide', // child processes: a mutant is switched on in the runner only
  'invalid_grant gives the reconnect error, and no retry storm',
  'answers verified: false with the reconnect message when T-Gate revoked the grant',
  'answers not verified, saying what happened, when the refreshed keys cannot be saved',
  '1,000 messages with 5xx answers, timeouts and dropped connections',
];
const escaped = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const withoutSlowSpecs = `/^(?!.*(?:${SLOW_SPECS.map(escaped).join('|')}))/`;

const name = process.env.MUTATION_GROUP ?? 'auth';
const group = GROUPS[name];
if (!group) throw new Error(`MUTATION_GROUP must be one of ${Object.keys(GROUPS).join(', ')}, got ${name}`);

export default {
  packageManager: 'npm',
  testRunner: 'mocha',
  checkers: ['typescript'],
  // The checker only needs to know whether a mutant of lib/ compiles: lib/ alone checks several times faster.
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // lib and the unit specs the groups run, without bench/ and the e2e and conformance specs.
  buildCommand: 'npx tsc -p tsconfig.mutation.build.json',
  coverageAnalysis: 'perTest',
  mutate: group.mutate,
  mochaOptions: { config: '.mocharc.json', spec: group.spec, grep: withoutSlowSpecs },
  // A static mutant (a module-level constant) has no per-test coverage: it would rerun every spec of the
  // group in a fresh process. Left out for time; docs/TESTING.md lists what that leaves unchecked.
  ignoreStatic: true,
  // Half the workers check types, half run specs (Stryker's split). The checker is the bottleneck: most
  // of a type check is waiting (TypeScript's watch debounce), so two checkers and two runners keep two shared
  // cores busier than one of each (docs/TESTING.md has the times). MUTATION_CONCURRENCY overrides it.
  concurrency: Number(process.env.MUTATION_CONCURRENCY ?? 4),
  // Added to 1.5 times a mutant's specs' own time: a mutant that hangs costs this much, so it stays small.
  timeoutMS: 5000,
  dryRunTimeoutMinutes: 20,
  ignorePatterns: ['dist', '.tgate', 'reports', '.stryker-tmp*', '*.log'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
};

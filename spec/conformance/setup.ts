/**
 * Root hooks of `npm run test:conformance`: a real Doorkeeper needs Ruby, Rails, Doorkeeper, SQLite and
 * puma from Debian's packages (.ci/run installs them). Outside CI a machine without them skips the run,
 * saying so; under CI=true the run fails instead, so a broken install never passes as a skip.
 */
import { doorkeeperVersions, whyNoDoorkeeper } from './helpers/doorkeeper';

export const mochaHooks = {
  beforeAll(this: Mocha.Context): void {
    this.timeout(120_000);
    const why = whyNoDoorkeeper();
    if (why && process.env.CI === 'true') {
      throw new Error(
        `CI=true and Doorkeeper cannot run here: ${why}. Install ruby-doorkeeper ruby-rails ruby-sqlite3 puma (bash .ci/run does).`,
      );
    }
    if (why) {
      console.log(
        `\n  Skipping the Doorkeeper conformance specs: ${why}.\n  Install them with: apt-get install -y --no-install-recommends ruby-doorkeeper ruby-rails ruby-sqlite3 puma\n`,
      );
      this.skip();
    }
    console.log(`\n  Conformance against ${doorkeeperVersions()}\n`);
  },
};

// The runner the specs use is the one `tgate start` uses: the sailor's real TaskExec.
import { UnexpectedError } from '../../lib/errors';
import { runFunctionLocally, StepOutcome } from '../../lib/cli/sailorRun';

export {
  COMPONENT_ROOT,
  requireComponentFile,
  loadComponentFunction as loadFunction,
  StepOutcome,
} from '../../lib/cli/sailorRun';

/**
 * Runs one message through a trigger or action, as `runFunctionLocally` does, and fails the spec when the
 * step ended with an UnexpectedError: settleFailure received an error from outside lib/errors.ts's
 * taxonomy. Every spec that runs a step through here is so a sweep of the steps' failure paths.
 * A spec about that very case calls `runFunctionLocally` itself.
 */
export async function runStep(...args: Parameters<typeof runFunctionLocally>): Promise<StepOutcome> {
  const outcome = await runFunctionLocally(...args);
  const foreign = outcome.errors.find((err) => err instanceof UnexpectedError);
  if (foreign) {
    const cause = foreign.cause as Error | undefined;
    const what = cause?.stack ?? foreign.message;
    const failure = new Error(`The step ended with an error outside lib/errors.ts's taxonomy: ${what}`);
    failure.name = 'OutsideTheTaxonomy';
    throw failure;
  }
  return outcome;
}

/**
 * The platform API parts the REAL sailor (run.js) calls for a flow step (sailor.md 4.3, 4.4): the step
 * data read once at start-up, and the credential it reads and updates. One implementation serves the
 * specs and `tgate start`: lib/platformSandbox/localPlatform.ts.
 */
import { LocalPlatform, startLocalPlatform, StepData } from '../../../lib/platformSandbox/localPlatform';

export type { PlatformCall, StepData } from '../../../lib/platformSandbox/localPlatform';

export interface FakePlatformApi extends LocalPlatform {
  flowId: string;
  stepId: string;
}

export interface FakePlatformOptions {
  username: string;
  apiKey: string;
  flowId: string;
  stepId: string;
  step: StepData;
}

export async function startFakePlatformApi(opts: FakePlatformOptions): Promise<FakePlatformApi> {
  const platform = await startLocalPlatform({
    username: opts.username,
    apiKey: opts.apiKey,
    step: { flowId: opts.flowId, stepId: opts.stepId, data: opts.step },
  });
  return Object.assign(platform, { flowId: opts.flowId, stepId: opts.stepId });
}

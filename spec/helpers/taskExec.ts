// The runner the specs use is the one `tgate start` uses: the sailor's real TaskExec.
export {
  COMPONENT_ROOT,
  requireComponentFile,
  loadComponentFunction as loadFunction,
  runFunctionLocally as runStep,
  StepOutcome,
} from '../../lib/cli/sailorRun';

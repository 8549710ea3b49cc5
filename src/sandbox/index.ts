/**
 * The embedded local Synapse platform (SPEC §10): `startSandbox`, its fault scenarios and its demo seed.
 */
export {
  type FaultKind,
  type RecordedDispatch,
  type RecordedFault,
  type RecordedInference,
  type RecordedJobUpdate,
  type RecordedRequest,
  type RecordedWrite,
  Recorder,
  type RecorderSnapshot,
} from './recorder.js';
export {
  apiRouteNames,
  loadScenario,
  parseScenario,
  type SandboxRouteName,
  type SandboxScenario,
  SandboxScenarioError,
  type SandboxScenarioInput,
  sandboxRouteNames,
  sandboxScenarioSchema,
} from './scenario.js';
export {
  annotationDocument,
  type DemoPrediction,
  type DemoSeed,
  demoLabels,
  demoPrediction,
  sandboxSeed,
} from './seed.js';
export type { DeployOutcome, ServeApplicationJson } from './serveApplications.js';
export { type Sandbox, type SandboxOptions, startSandbox } from './server.js';

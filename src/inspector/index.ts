/** Inspectors for the job's machines: a built-in offline page, and an adapter for `@statelyai/inspect`. */
export {
  createOfflineInspector,
  type OfflineInspector,
  type OfflineInspectorOptions,
  type OfflineInspectorState,
} from './offline.js';
export {
  createStatelyInspector,
  type StatelyInspector,
  type StatelyInspectorOptions,
} from './stately.js';
export {
  type ActorRecord,
  InspectionStore,
  type InspectionStoreOptions,
  type InspectorMessage,
} from './store.js';
export {
  type ActorStatus,
  defaultFigureFields,
  type MachineTree,
  machineTree,
  pickFigures,
  type StateTree,
  stateLabel,
  stateValuePaths,
} from './summarize.js';

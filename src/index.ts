/**
 * synapse-to-task: Synapse's pre-annotation `to_task` action as XState v5 machines.
 */
export {
  type AnnotateTaskInput,
  type AnnotateTaskOutput,
  type AnnotationPlan,
  annotateTaskMachine,
} from '../machines/annotateTask.machine.js';
export {
  errorTypeName,
  jobMessages,
  PluginHookError,
  PreProcessorError,
  type PreProcessorPhase,
  preProcessorMessages,
  ToTaskError,
  type ToTaskErrorCode,
  taskMessages,
} from '../machines/errors.js';
export {
  ParamsError,
  parseToTaskParams,
  type ToTaskParams,
  type ToTaskParamsInput,
  toTaskParamsJsonSchema,
  toTaskParamsSchema,
} from '../machines/params.js';
export {
  type DispatchDeploymentInput,
  defaultPollIntervalSeconds,
  defaultTimeoutSeconds,
  type ListServeApplicationsInput,
  type PreProcessorEmitted,
  type PreProcessorInput,
  type PreProcessorOutput,
  preProcessorMachine,
} from '../machines/preProcessor.machine.js';
export {
  buildDeploymentParams,
  type DeploymentParams,
  defaultDeploymentResources,
  RequiredResourcesError,
} from '../machines/resources.js';
export {
  buildResult,
  type ProgressFigures,
  type TaskFailure,
  type ToTaskResult,
  type ToTaskStatus,
} from '../machines/result.js';
export {
  classifyServeApp,
  type ServeAppBucket,
  type ServeAppClassification,
  type ServeApplicationStatus,
  serveApplicationStatuses,
  terminalServeStatuses,
} from '../machines/serveStatus.js';
export {
  defaultConcurrency,
  defaultPageSize,
  type ToTaskEmitted,
  type ToTaskEvent,
  type ToTaskInput,
  type ToTaskOutput,
  toTaskMachine,
} from '../machines/toTask.machine.js';
export {
  createToTaskAction,
  isToTaskActionClass,
  ToTaskAction,
  type ToTaskActionOptions,
  type ToTaskPlugin,
} from './action.js';
export { currentTask, type Scrub, type TaskScope, type ToTaskHooks } from './actors/hooks.js';
export * from './client/index.js';
export {
  type ReportFailedEvent,
  type ToTaskEventListeners,
  type ToTaskEventName,
  ToTaskEvents,
  type ToTaskJobEvent,
} from './events.js';
export {
  createOfflineInspector,
  createStatelyInspector,
  type OfflineInspector,
  type OfflineInspectorOptions,
  type StatelyInspector,
  type StatelyInspectorOptions,
} from './inspector/index.js';
export {
  createPluginAction,
  type LoadedPlugin,
  loadPlugin,
  type PluginConfig,
  PluginConfigError,
  PluginLoadError,
  type PluginLoadErrorCode,
} from './plugin/index.js';
export { jobUpdateOf } from './reporting.js';
export {
  type JobClock,
  provideToTaskMachine,
  scrubberFor,
  startToTask,
  type ToTaskJob,
  type ToTaskRunOptions,
} from './runner.js';

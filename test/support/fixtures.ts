/**
 * Data the machine and job tests share: the job's parameters for each method, the annotation plans a task is given
 * for them, and an error shaped like the platform client's.
 */
import type { AnnotationPlan } from '../../machines/annotateTask.machine.js';

/** Parameters of a job by the file method. */
export const fileParams = {
  name: 'Pre-label',
  project: 1,
  agent: 3,
  target_specification_name: 'annotation',
};

/** Parameters of a job by the inference method. */
export const inferenceParams = {
  name: 'Pre-label by model',
  project: 1,
  agent: 3,
  method: 'inference',
  pre_processor: 7,
  model: 42,
  pre_processor_params: { confidence: 0.4 },
};

/** The plan each task of a {@link fileParams} job is given. */
export const filePlan: AnnotationPlan = { method: 'file', targetSpecificationName: 'annotation' };

/** The plan each task of an {@link inferenceParams} job is given (the release's plugin code is `detector`). */
export const inferencePlan: AnnotationPlan = {
  method: 'inference',
  pluginCode: 'detector',
  agent: 3,
  model: 42,
  preProcessorParams: { confidence: 0.4 },
};

/** Shaped like the platform client's error (SPEC §7): its type name and HTTP status are what a failure may show. */
export class ClientError extends Error {
  override name = 'ClientError';
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** Small plugins used by the job tests. */
import { ToTaskAction } from '../../src/action.js';

/** Reads the data file through the action's helper and returns it under `annotations`, with the file names seen. */
export class EchoToTask extends ToTaskAction {
  override async convertDataFromFile(
    primaryFileUrl: string,
    primaryFileName: string,
    dataFileUrl: string,
    dataFileName: string,
    taskData?: Record<string, unknown>,
  ): Promise<unknown> {
    const annotations = await this.fetchDataFile(dataFileUrl);
    return { annotations, primaryFileUrl, primaryFileName, dataFileName, taskId: taskData?.id };
  }

  override convertDataFromInference(inferenceData: unknown, taskData?: Record<string, unknown>): unknown {
    return { inference: inferenceData, taskId: taskData?.id };
  }
}

export const fileParams = {
  name: 'Pre-label',
  project: 1,
  agent: 3,
  target_specification_name: 'annotation',
};
export const inferenceParams = {
  name: 'Pre-label by model',
  project: 1,
  agent: 3,
  method: 'inference',
  pre_processor: 7,
  model: 42,
  pre_processor_params: { confidence: 0.4 },
};

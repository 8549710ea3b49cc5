/** Small plugins used by the job tests, and the job parameters they run with. */
import { ToTaskAction } from '../../src/action.js';

export { fileParams, inferenceParams } from './fixtures.js';

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

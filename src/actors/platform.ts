/**
 * The platform calls behind the machines' actor slots: every request the job makes to Synapse starts here.
 */
import { fromCallback, fromPromise } from 'xstate';
import type { RunInferenceInput, SubmitTaskDataInput } from '../../machines/annotateTask.machine.js';
import type {
  DispatchDeploymentInput,
  ListServeApplicationsInput,
} from '../../machines/preProcessor.machine.js';
import type { DiscoveryPull, TaskDiscoveryInput } from '../../machines/toTask.machine.js';
import type { SynapseClient } from '../client/types.js';

/** `GET projects/{id}/` */
export const loadProject = (client: SynapseClient) =>
  fromPromise<unknown, { projectId: number }>(({ input, signal }) =>
    client.getProject(input.projectId, { signal }),
  );

/** `GET data_collections/{id}/?expand=file_specifications` */
export const loadDataCollection = (client: SynapseClient) =>
  fromPromise<unknown, { dataCollectionId: number }>(({ input, signal }) =>
    client.getDataCollection(input.dataCollectionId, { signal }),
  );

/** `GET plugin_releases/{id}/` */
export const loadPluginRelease = (client: SynapseClient) =>
  fromPromise<unknown, { releaseId: number }>(({ input, signal }) =>
    client.getPluginRelease(input.releaseId, { signal }),
  );

/** `GET serve_applications/?plugin_code=&job__agent=` */
export const listServeApplications = (client: SynapseClient) =>
  fromPromise<unknown, ListServeApplicationsInput>(({ input, signal }) =>
    client.listServeApplications({ plugin_code: input.pluginCode, job__agent: input.agent }, { signal }),
  );

/** `POST plugins/{code}/run/` with `{agent, action: 'deployment', params: <resources>}` */
export const dispatchDeployment = (client: SynapseClient) =>
  fromPromise<unknown, DispatchDeploymentInput>(({ input, signal }) =>
    client.runPlugin(
      input.pluginCode,
      { agent: input.agent, action: 'deployment', params: { ...input.params } },
      { signal },
    ),
  );

/**
 * `GET sdk/tasks/` page by page: the first page is fetched at once, each further page when the job asks for it
 * (`discovery.pull`), so at most about two pages of ids are held however many tasks match.
 */
export const taskDiscovery = (client: SynapseClient) =>
  fromCallback<DiscoveryPull, TaskDiscoveryInput>(({ input, sendBack, receive }) => {
    const controller = new AbortController();
    const pages = client
      .listTaskPages(
        { project: input.project, filters: input.filters, pageSize: input.pageSize },
        {
          signal: controller.signal,
        },
      )
      [Symbol.asyncIterator]();
    const fetchNextPage = async () => {
      try {
        const page = await pages.next();
        if (controller.signal.aborted) return;
        if (page.done) {
          sendBack({ type: 'discovery.done' });
          return;
        }
        const taskIds = page.value.results.flatMap((task) =>
          Number.isInteger(task?.id) && task.id > 0 ? [task.id] : [],
        );
        const count = typeof page.value.count === 'number' ? page.value.count : null;
        sendBack({ type: 'discovery.page', taskIds, count });
        // A page of nothing but a `next` link (or of items without ids): keep going without waiting for a pull.
        if (taskIds.length === 0) await fetchNextPage();
      } catch (error) {
        if (!controller.signal.aborted) sendBack({ type: 'discovery.error', error });
      }
    };
    receive((event) => {
      if (event.type === 'discovery.pull') void fetchNextPage();
    });
    void fetchNextPage();
    return () => {
      controller.abort();
      void pages.return?.().catch(() => undefined);
    };
  });

/** `GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit` */
export const fetchTask = (client: SynapseClient) =>
  fromPromise<unknown, { taskId: number }>(({ input, signal }) => client.getTask(input.taskId, { signal }));

/** `GET data_units/{id}/?expand=files` */
export const fetchDataUnit = (client: SynapseClient) =>
  fromPromise<unknown, { taskId: number; dataUnitId: number }>(({ input, signal }) =>
    client.getDataUnit(input.dataUnitId, { signal }),
  );

/**
 * `POST plugins/{code}/run/` with
 * `{agent, action: 'inference', params: {model, method: 'post', json: {...pre_processor_params, image_path}}}`.
 */
export const runInference = (client: SynapseClient) =>
  fromPromise<unknown, RunInferenceInput>(({ input, signal }) =>
    client.runPlugin(
      input.pluginCode,
      {
        agent: input.agent,
        action: 'inference',
        params: {
          model: input.model,
          method: 'post',
          json: { ...input.preProcessorParams, image_path: input.imagePath },
        },
      },
      { signal },
    ),
  );

/** `PUT tasks/{id}/annotate_task_data/` with `{action: 'submit', data}` */
export const submitTaskData = (client: SynapseClient) =>
  fromPromise<unknown, SubmitTaskDataInput>(({ input, signal }) =>
    client.annotateTaskData(input.taskId, input.data, { signal }),
  );

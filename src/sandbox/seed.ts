/**
 * The sandbox's demo project: fixed ids, and task / data unit / file / prediction data derived deterministically from
 * a task's position, so every run (and every port) serves the same answers.
 */

/**
 * The ids of the seeded demo platform, the same in every sandbox.
 *
 * @example
 * const params = {
 *   name: 'demo', project: sandboxSeed.projectId, agent: sandboxSeed.agentId,
 *   method: 'inference', pre_processor: sandboxSeed.preProcessorReleaseId, model: sandboxSeed.modelId,
 * };
 */
export const sandboxSeed = Object.freeze({
  /** The demo project: its tasks are `taskIds`. */
  projectId: 1,
  /** The demo project's data collection (specifications `image` and `annotation`). */
  dataCollectionId: 10,
  /** The agent that runs serve applications. */
  agentId: 3,
  /** The pre-processor plugin release (`config.code` = `pluginCode`). */
  preProcessorReleaseId: 7,
  /** The pre-processor plugin's code. */
  pluginCode: 'demo-detector',
  /** A model id the demo inference accepts (any integer is accepted). */
  modelId: 42,
  /** The primary file specification. */
  primarySpecification: 'image',
  /** The data file specification (the file method's `target_specification_name`). */
  targetSpecificationName: 'annotation',
  /** A project whose `data_collection` is null (job error `Project does not have a data collection`). */
  projectWithoutDataCollectionId: 2,
  /** A project with the demo data collection and no task at all (job error `No tasks found to annotate`). */
  emptyProjectId: 3,
  /** Another project with a few tasks of its own, so the `project` filter of the task list means something. */
  otherProjectId: 4,
} as const);

/** The demo's ids plus the task ids of the demo project (`1001..1000+N`). */
export type DemoSeed = typeof sandboxSeed & { readonly taskIds: readonly number[] };

/** First task id minus one: task `i` (1-based) of the demo project has id `1000 + i`. */
const taskIdBase = 1000;
/** First data unit id minus one: the data unit of task `1000 + i` has id `5000 + i`. */
const dataUnitIdBase = 5000;
/** Tasks of `otherProjectId`: `9001..9003`. */
const otherProjectTaskIds: readonly number[] = [9001, 9002, 9003];

/** A task as the sandbox stores it. */
export interface SeedTask {
  id: number;
  /** 1-based position, which picks the demo's variations and names the files (`img_0001.jpg`). */
  index: number;
  project: number;
  status: 'pending' | 'done';
  dataUnitId: number;
  data: Record<string, unknown>;
}

/** How a task's files are shaped: by specification name, as a list, or empty on the task (data unit fallback). */
export type FilesShape = 'map' | 'list';

/** Every 10th task lists its files as an array whose items carry `specification`. */
export function filesShapeOf(index: number): FilesShape {
  return index % 10 === 0 ? 'list' : 'map';
}

/** Every 25th task has no files in the task's `data_unit` expansion: the job must fetch the data unit. */
export function needsDataUnitFallback(index: number): boolean {
  return index % 25 === 0;
}

/** A few tasks are already done (every 15th); the rest are pending. */
function statusOf(index: number): SeedTask['status'] {
  return index % 15 === 0 ? 'done' : 'pending';
}

/**
 * The stored tasks of a fresh sandbox: `count` tasks of the demo project, then the other project's.
 *
 * @example
 * seedTasks(2).map((task) => task.id); // [1001, 1002, 9001, 9002, 9003]
 */
export function seedTasks(count: number): SeedTask[] {
  const tasks: SeedTask[] = [];
  for (let index = 1; index <= count; index++) {
    tasks.push({
      id: taskIdBase + index,
      index,
      project: sandboxSeed.projectId,
      status: statusOf(index),
      dataUnitId: dataUnitIdBase + index,
      data: {},
    });
  }
  for (const id of otherProjectTaskIds) {
    tasks.push({
      id,
      index: id - 9000,
      project: sandboxSeed.otherProjectId,
      status: 'pending',
      dataUnitId: 9000 + id,
      data: {},
    });
  }
  return tasks;
}

/** 32-bit FNV-1a: a stable hash for deriving demo data. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small seeded PRNG returning numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The demo's object labels. */
export const demoLabels = ['car', 'person', 'bicycle', 'dog'] as const;

const imageWidth = 640;
const imageHeight = 480;

interface DemoObject {
  label: (typeof demoLabels)[number];
  bbox: [number, number, number, number];
}

/** 1 to 3 labelled boxes inside a 640×480 image, derived from `seed`. */
function demoObjects(seed: number): { random: () => number; objects: DemoObject[] } {
  const random = seededRandom(seed);
  const count = 1 + Math.floor(random() * 3);
  const objects: DemoObject[] = [];
  for (let i = 0; i < count; i++) {
    const label = demoLabels[Math.floor(random() * demoLabels.length)] ?? 'car';
    const w = 20 + Math.floor(random() * 200);
    const h = 20 + Math.floor(random() * 200);
    const x = Math.floor(random() * (imageWidth - w));
    const y = Math.floor(random() * (imageHeight - h));
    objects.push({ label, bbox: [x, y, w, h] });
  }
  return { random, objects };
}

/** `img_0001.jpg` for task index 1. */
export function imageFileName(index: number): string {
  return `img_${String(index).padStart(4, '0')}.jpg`;
}

/** `img_0001.json` for task index 1. */
export function annotationFileName(index: number): string {
  return `img_${String(index).padStart(4, '0')}.json`;
}

/**
 * The data file of a task (`GET media/annotations/{taskId}.json`): the image's name and 1–3 labelled boxes.
 *
 * @example
 * annotationDocument(1001, 1); // { image: 'img_0001.jpg', objects: [{ label: 'dog', bbox: [...] }, ...] }
 */
export function annotationDocument(taskId: number, index: number): { image: string; objects: DemoObject[] } {
  return { image: imageFileName(index), objects: demoObjects(fnv1a(`annotation:${taskId}`)).objects };
}

/** What the demo model answers for one image. */
export interface DemoPrediction {
  model: number;
  image_path: string;
  predictions: { label: string; score: number; bbox: [number, number, number, number] }[];
}

/**
 * The demo model's answer for an image: 1–3 predictions derived from the image URL's path (not its host or query,
 * so the answer does not depend on the sandbox's port).
 *
 * @example
 * demoPrediction(42, 'http://127.0.0.1:5555/media/images/1001.jpg').predictions.length; // 1, 2 or 3
 */
export function demoPrediction(model: number, imagePath: string): DemoPrediction {
  const { random, objects } = demoObjects(fnv1a(`prediction:${pathOf(imagePath)}`));
  return {
    model,
    image_path: imagePath,
    predictions: objects.map((object) => ({
      ...object,
      score: Math.round((0.5 + random() * 0.49) * 100) / 100,
    })),
  };
}

/** The path of a URL, or the string itself when it is not an absolute URL. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** The task id a media URL is about (`/media/images/1001.jpg` → 1001), or undefined. */
export function taskIdOfMediaPath(url: string): number | undefined {
  const match = /\/?media\/(?:images\/(\d+)\.jpg|annotations\/(\d+)\.json)$/.exec(pathOf(url));
  const id = match?.[1] ?? match?.[2];
  return id === undefined ? undefined : Number(id);
}

/** A tiny 1×1 JPEG: what every `media/images/{taskId}.jpg` serves. */
export const demoJpeg: Buffer = Buffer.from(
  'ffd8ffe000104a46494600010101004800480000ffdb004300030202020203020202030303030406040404040408060605060908' +
    '0a0a090809090a0c0f0c0a0b0e0b09090d110d0e0f101011100a0c12131210130f101010ffc9000b080001000101011100ffcc' +
    '000600101005ffda0008010100003f00d2cf20ffd9',
  'hex',
);

/** The seeded projects, by id. */
export const demoProjects: ReadonlyMap<number, { id: number; name: string; data_collection: number | null }> =
  new Map(
    [
      { id: sandboxSeed.projectId, name: 'Demo project', data_collection: sandboxSeed.dataCollectionId },
      {
        id: sandboxSeed.projectWithoutDataCollectionId,
        name: 'Project without data collection',
        data_collection: null,
      },
      {
        id: sandboxSeed.emptyProjectId,
        name: 'Empty project',
        data_collection: sandboxSeed.dataCollectionId,
      },
      {
        id: sandboxSeed.otherProjectId,
        name: 'Other project',
        data_collection: sandboxSeed.dataCollectionId,
      },
    ].map((project) => [project.id, project]),
  );

/** The demo data collection's file specifications. */
export const demoFileSpecifications = [
  {
    id: 101,
    name: sandboxSeed.primarySpecification,
    is_primary: true,
    is_required: true,
    file_type: 'image',
  },
  {
    id: 102,
    name: sandboxSeed.targetSpecificationName,
    is_primary: false,
    is_required: false,
    file_type: 'data',
  },
] as const;

/** The demo pre-processor's release (`GET plugin_releases/7/`). */
export const demoPluginRelease = {
  id: sandboxSeed.preProcessorReleaseId,
  plugin: { id: 5, code: sandboxSeed.pluginCode, name: 'Demo detector' },
  version: '1.0.0',
  config: {
    code: sandboxSeed.pluginCode,
    name: 'Demo detector',
    version: '1.0.0',
    actions: {
      inference: {
        method: 'restapi',
        required_resources: {
          required_cpu_count: 2,
          required_gpu_count: 0,
          num_replicas: 1,
          memory: 2147483648,
        },
      },
      deployment: { entrypoint: 'plugin.serve.Deployment', method: 'job' },
    },
  },
} as const;

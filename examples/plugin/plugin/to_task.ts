/**
 * The example to_task plugin: pre-annotates images with boxes, either read from each task's annotation data file
 * (method `file`) or predicted by the pre-processor's model (method `inference`), dropping low-confidence predictions.
 *
 * It runs against the sandbox (`npm start`, `to-task sandbox`), whose data files look like
 * `{ "image": "img_0001.jpg", "objects": [{ "label": "car", "bbox": [x, y, w, h] }] }` and whose model answers
 * `{ "model": 42, "image_path": "...", "predictions": [{ "label": "car", "score": 0.93, "bbox": [x, y, w, h] }] }`.
 */
import { ToTaskAction } from 'synapse-to-task';

/** Predictions scoring below this are not worth an annotator's time. */
export const minimumScore = 0.6;

/** One pre-annotated box, as the annotation tool stores it. */
export interface BoxAnnotation {
  id: number;
  classification: { label: string };
  bbox: { x: number; y: number; width: number; height: number };
  score?: number;
}

/** The task data payload this plugin writes. */
export interface PreAnnotation {
  [key: string]: unknown;
  source: 'file' | 'inference';
  annotations: BoxAnnotation[];
  image?: string;
  model?: number;
}

type Box = [number, number, number, number];

/** An item of a data file's `objects`, or of the model's `predictions`, as read (not trusted). */
interface Prediction {
  label?: unknown;
  bbox?: unknown;
  score?: unknown;
}

function isBox(value: unknown): value is Box {
  return Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === 'number');
}

function toAnnotation(index: number, label: unknown, bbox: unknown): Omit<BoxAnnotation, 'score'> {
  if (typeof label !== 'string' || !isBox(bbox)) {
    throw new TypeError(`object ${index + 1} needs a string label and a [x, y, w, h] bbox`);
  }
  const [x, y, width, height] = bbox;
  return { id: index + 1, classification: { label }, bbox: { x, y, width, height } };
}

/** The to_task action: `config.yaml`'s `plugin.to_task.ToTask`. */
export class ToTask extends ToTaskAction {
  /** File method: the data file lists the boxes an earlier tool found; copy them as annotations. */
  override async convertDataFromFile(
    _primaryFileUrl: string,
    primaryFileName: string,
    dataFileUrl: string,
    dataFileName: string,
  ): Promise<PreAnnotation> {
    const document = await this.fetchDataFile(dataFileUrl);
    const objects = (document as { objects?: unknown } | null)?.objects;
    if (!Array.isArray(objects)) throw new Error(`Data file ${dataFileName} has no "objects" list`);
    return {
      source: 'file',
      image: primaryFileName,
      annotations: (objects as Prediction[]).map((object, index) =>
        toAnnotation(index, object?.label, object?.bbox),
      ),
    };
  }

  /** Inference method: keep the model's confident predictions, best first. */
  override convertDataFromInference(inferenceData: unknown): PreAnnotation {
    const { model, predictions } = (inferenceData ?? {}) as { model?: unknown; predictions?: unknown };
    if (!Array.isArray(predictions)) throw new Error('Inference answer has no "predictions" list');
    const confident = (predictions as Prediction[])
      .filter((prediction): prediction is Prediction & { score: number } => {
        return typeof prediction?.score === 'number' && prediction.score >= minimumScore;
      })
      .sort((a, b) => b.score - a.score);
    return {
      source: 'inference',
      ...(typeof model === 'number' ? { model } : {}),
      annotations: confident.map((prediction, index) => ({
        ...toAnnotation(index, prediction.label, prediction.bbox),
        score: prediction.score,
      })),
    };
  }
}

/**
 * Finding a task's files (SPEC §5.5): the data unit, its files keyed by specification, the primary file and the file
 * of the target specification. Pure: the fetches live in the actors.
 */
import { isRecord } from './values.js';

/** One file of a data unit, whichever shape the platform answered with. */
export interface TaskFile {
  specification: string | null;
  url: string | null;
  isPrimary: boolean;
  /** `file_name_original`, else `filename`, else `name`, else the last segment of the URL's path. */
  name: string;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function lastPathSegment(url: string | null): string {
  if (!url) return '';
  const path = url.split(/[?#]/, 1)[0] ?? '';
  const segment = path.split('/').filter(Boolean).pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function toTaskFile(raw: Record<string, unknown>, specification: string | null): TaskFile {
  const url = text(raw.url);
  return {
    specification,
    url,
    isPrimary: raw.is_primary === true,
    name: text(raw.file_name_original) ?? text(raw.filename) ?? text(raw.name) ?? lastPathSegment(url),
  };
}

/**
 * The files of a data unit as a list: a map keyed by specification name, or a list whose items carry
 * `specification`, `specification_name` or `name`. Anything else is no files.
 *
 * @example
 * normalizeFiles({ image: { url: 'https://x/1.jpg', is_primary: true } })[0]?.specification; // 'image'
 */
export function normalizeFiles(files: unknown): TaskFile[] {
  if (Array.isArray(files)) {
    return files
      .filter(isRecord)
      .map((raw) =>
        toTaskFile(raw, text(raw.specification) ?? text(raw.specification_name) ?? text(raw.name)),
      );
  }
  if (isRecord(files)) {
    return Object.entries(files).flatMap(([specification, raw]) =>
      isRecord(raw) ? [toTaskFile(raw, specification)] : [],
    );
  }
  return [];
}

/** What the task's own answer says about its data unit. */
export type DataUnitResolution =
  | { kind: 'missing' }
  | { kind: 'files'; files: TaskFile[] }
  /** The data unit is known only by id, or its files came back empty: fetch `data_units/{id}/?expand=files`. */
  | { kind: 'fetch'; dataUnitId: number };

/**
 * Reads `task.data_unit`: expanded with files, expanded without files (fetch them), an id only (fetch), or missing.
 *
 * @example
 * resolveDataUnit({ id: 1, data_unit: 12 }); // { kind: 'fetch', dataUnitId: 12 }
 */
export function resolveDataUnit(task: unknown): DataUnitResolution {
  const dataUnit = isRecord(task) ? task.data_unit : undefined;
  if (typeof dataUnit === 'number' && Number.isInteger(dataUnit))
    return { kind: 'fetch', dataUnitId: dataUnit };
  if (!isRecord(dataUnit)) return { kind: 'missing' };
  const files = normalizeFiles(dataUnit.files);
  if (files.length > 0) return { kind: 'files', files };
  if (typeof dataUnit.id === 'number' && Number.isInteger(dataUnit.id))
    return { kind: 'fetch', dataUnitId: dataUnit.id };
  return { kind: 'files', files: [] };
}

/** The primary file: the first with `is_primary` and a URL. */
export function primaryFileOf(files: readonly TaskFile[]): TaskFile | undefined {
  return files.find((file) => file.isPrimary && file.url !== null);
}

/** The file of a specification, by name (a file without a URL does not count). */
export function fileOfSpecification(files: readonly TaskFile[], specification: string): TaskFile | undefined {
  return files.find((file) => file.specification === specification && file.url !== null);
}

/** True for what a hook may return: a plain object (not an array, null, a Date, a class instance...). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (!isRecord(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** How a hook's answer is described when it is not an object. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return `a ${typeof value}`;
}

/**
 * The deployment payload built from a plugin release's `actions.inference.required_resources` (SPEC §6.1).
 */
import { ToTaskError } from './errors.js';

/** What `POST plugins/{code}/run/` with `action: 'deployment'` sends as `params`. Optional keys are omitted, never null. */
export interface DeploymentParams {
  num_cpus: number;
  num_gpus: number;
  num_replicas?: number;
  memory?: number;
}

export const defaultDeploymentResources = { num_cpus: 1, num_gpus: 0.1 } as const;

/**
 * Thrown for a declared resource that is not a usable number; the message names the field. A job-level error of the
 * to_task action (`code: 'invalid_required_resources'`): the release's configuration, not the platform, is at fault.
 */
export class RequiredResourcesError extends ToTaskError {
  override name = 'RequiredResourcesError';
  readonly field: string;

  constructor(field: string, expected: string, value: unknown) {
    super(
      'invalid_required_resources',
      `Invalid required_resources.${field}: expected ${expected}, got ${describe(value)}`,
    );
    this.field = field;
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

type Source = Record<string, unknown>;

/** The first declared key's value (declared = present and not null), with the key it came from. */
function declared(source: Source, keys: readonly string[]): { key: string; value: unknown } | undefined {
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== null) return { key, value };
  }
  return undefined;
}

function asNumber(found: { key: string; value: unknown }, integer: boolean): number {
  const { key, value } = found;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  const expected = integer ? 'a non-negative integer' : 'a non-negative number';
  if (typeof number !== 'number' || !Number.isFinite(number) || number < 0) {
    throw new RequiredResourcesError(key, expected, value);
  }
  if (integer && !Number.isInteger(number)) throw new RequiredResourcesError(key, expected, value);
  return number;
}

/**
 * Builds the deployment `params` from `required_resources`. `required_cpu_count` / `required_gpu_count` win over
 * `num_cpus` / `num_gpus` (defaults 1 and 0.1); `num_replicas` and `memory` (alias `memory_bytes`) are sent only
 * when declared. A declared 0 is kept. A missing, null or non-object input means all defaults. Numeric strings (as a
 * YAML config may give) are read as numbers; anything else declared throws {@link RequiredResourcesError}.
 *
 * @example
 * buildDeploymentParams({ required_cpu_count: 2, required_gpu_count: 1, memory_bytes: 4294967296 });
 * // { num_cpus: 2, num_gpus: 1, memory: 4294967296 }
 * buildDeploymentParams(null); // { num_cpus: 1, num_gpus: 0.1 }
 */
export function buildDeploymentParams(requiredResources: unknown): DeploymentParams {
  const source: Source =
    typeof requiredResources === 'object' && requiredResources !== null && !Array.isArray(requiredResources)
      ? (requiredResources as Source)
      : {};
  const cpus = declared(source, ['required_cpu_count', 'num_cpus']);
  const gpus = declared(source, ['required_gpu_count', 'num_gpus']);
  const replicas = declared(source, ['num_replicas']);
  const memory = declared(source, ['memory', 'memory_bytes']);
  const params: DeploymentParams = {
    num_cpus: cpus ? asNumber(cpus, false) : defaultDeploymentResources.num_cpus,
    num_gpus: gpus ? asNumber(gpus, false) : defaultDeploymentResources.num_gpus,
  };
  if (replicas) params.num_replicas = asNumber(replicas, true);
  if (memory) params.memory = asNumber(memory, true);
  return params;
}

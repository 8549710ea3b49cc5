/**
 * Folding of Ray Serve application statuses into what the pre-processor wait does next (SPEC §6.2).
 */
import { isRecord } from './values.js';

/** The seven statuses of the backend's `ServeApplication.Status`. */
export const serveApplicationStatuses = [
  'NOT_STARTED',
  'DEPLOYING',
  'RUNNING',
  'DEPLOY_FAILED',
  'UNHEALTHY',
  'UNAVAILABLE',
  'DELETING',
] as const;

/** One of the backend's seven serve application statuses. */
export type ServeApplicationStatus = (typeof serveApplicationStatuses)[number];

/** Statuses from which a deployment does not recover on its own: the wait stops at once. */
export const terminalServeStatuses: readonly ServeApplicationStatus[] = [
  'DEPLOY_FAILED',
  'UNHEALTHY',
  'UNAVAILABLE',
];

/** What a listing means for the wait: stop with success, stop with failure, or keep polling. */
export type ServeAppBucket = 'running' | 'failed' | 'pending';

/**
 * What a serve application listing means. `status` is `null` for `running`, the terminal status for `failed`, and
 * for `pending` the first status seen (`NOT_STARTED`, `DEPLOYING`, `DELETING`, or an unknown one), or `null` when
 * no item carried a status.
 */
export interface ServeAppClassification {
  bucket: ServeAppBucket;
  status: string | null;
}

function itemsOf(response: unknown): unknown[] {
  if (Array.isArray(response)) return response;
  if (isRecord(response) && Array.isArray(response.results)) return response.results;
  return [];
}

/** A status as the backend spells it; lowercase or padded spellings are accepted, anything not a string is not. */
function statusOf(item: unknown): string | null {
  if (!isRecord(item) || typeof item.status !== 'string') return null;
  const status = item.status.trim().toUpperCase();
  return status === '' ? null : status;
}

/**
 * Classifies a `GET serve_applications/` answer: a page `{results: [...]}` or a bare list of items with `status`.
 * Any `RUNNING` item wins (a multi-replica rollout is eventually consistent); otherwise any terminal status fails;
 * everything else (empty, malformed, unknown statuses) is pending. Never throws.
 *
 * @example
 * classifyServeApp({ results: [{ status: 'UNHEALTHY' }, { status: 'RUNNING' }] }); // { bucket: 'running', status: null }
 * classifyServeApp([{ status: 'DEPLOY_FAILED' }]); // { bucket: 'failed', status: 'DEPLOY_FAILED' }
 * classifyServeApp('<html>'); // { bucket: 'pending', status: null }
 */
export function classifyServeApp(response: unknown): ServeAppClassification {
  const statuses = itemsOf(response)
    .map(statusOf)
    .filter((status): status is string => status !== null);
  if (statuses.includes('RUNNING')) return { bucket: 'running', status: null };
  const failed = statuses.find((status) => (terminalServeStatuses as readonly string[]).includes(status));
  if (failed !== undefined) return { bucket: 'failed', status: failed };
  return { bucket: 'pending', status: statuses[0] ?? null };
}

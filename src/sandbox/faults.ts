/**
 * The scenario's request-level faults (throttling, slowness) and the "first N times" counters of the others.
 */
import { apiRouteNames, type SandboxRouteName, type SandboxScenario, sandboxRouteNames } from './scenario.js';

/**
 * Whether a route is selected by a fault's `routes`: a selector that is a route name selects that route only; any
 * other selector is a path prefix (with or without its leading slash). No selectors selects every API route.
 */
export function selectsRoute(
  selectors: readonly string[] | undefined,
  route: SandboxRouteName,
  path: string,
): boolean {
  if (selectors === undefined) return apiRouteNames.includes(route);
  return selectors.some((selector) =>
    (sandboxRouteNames as readonly string[]).includes(selector)
      ? selector === route
      : path.startsWith(selector.replace(/^\/+/, '')),
  );
}

/**
 * Counts down "the first N times" of a fault; no limit when `times` is undefined.
 *
 * @example
 * const first2 = new Countdown(2);
 * [first2.take(), first2.take(), first2.take()]; // [true, true, false]
 */
export class Countdown {
  #left: number;

  constructor(times: number | undefined) {
    this.#left = times ?? Number.POSITIVE_INFINITY;
  }

  /** True while the fault still applies, using one of its times. */
  take(): boolean {
    if (this.#left <= 0) return false;
    this.#left--;
    return true;
  }
}

/** What a throttle check needs to know about a request. */
export interface ThrottleProbe {
  route: SandboxRouteName;
  /** Path without the leading slash. */
  path: string;
  /** Method, path and query: attempts of the same request share a counter. */
  key: string;
  taskId: number | undefined;
}

/**
 * The `throttle` fault: decides, per request, whether it is answered 429/503 instead of being served.
 * Deterministic: the n-th attempt of a request is throttled when `ceil(n·rate) > ceil((n-1)·rate)`. Attempts are
 * counted for the latest {@link Throttle.keyLimit} distinct requests (10,000 by default) so a long-running sandbox
 * does not grow without bound; a request whose count was dropped starts again from its first attempt.
 */
export class Throttle {
  readonly #config: NonNullable<SandboxScenario['throttle']>;
  /** Attempts per request key, for `rate`; in order of each key's latest attempt, so the oldest is dropped first. */
  readonly #attempts = new Map<string, number>();
  readonly #budget: Countdown;
  /** How many distinct request keys keep their attempt count. */
  readonly keyLimit: number;

  /** @param keyLimit how many distinct requests keep their attempt count; default 10,000. */
  constructor(config: NonNullable<SandboxScenario['throttle']>, keyLimit = 10_000) {
    this.#config = config;
    this.keyLimit = keyLimit;
    this.#budget = new Countdown(config.times);
  }

  /** Whether this request is throttled (consuming one of `times` if so). */
  applies(probe: ThrottleProbe): boolean {
    const { routes, taskIds, rate = 1 } = this.#config;
    if (!selectsRoute(routes, probe.route, probe.path)) return false;
    if (taskIds !== undefined && (probe.taskId === undefined || !taskIds.includes(probe.taskId)))
      return false;
    const attempt = (this.#attempts.get(probe.key) ?? 0) + 1;
    this.#attempts.delete(probe.key);
    this.#attempts.set(probe.key, attempt);
    if (this.#attempts.size > this.keyLimit) {
      const oldest = this.#attempts.keys().next().value;
      if (oldest !== undefined) this.#attempts.delete(oldest);
    }
    const epsilon = 1e-9;
    const hit = Math.ceil(attempt * rate - epsilon) > Math.ceil((attempt - 1) * rate - epsilon);
    return hit && this.#budget.take();
  }

  /** The throttled answer's status, headers and detail. */
  answer(): { status: number; headers: Record<string, string>; detail: string } {
    const { status, retryAfterSeconds } = this.#config;
    const headers: Record<string, string> =
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
    const detail =
      status === 429
        ? `Request was throttled.${retryAfterSeconds === undefined ? '' : ` Expected available in ${retryAfterSeconds} seconds.`}`
        : 'Service temporarily unavailable.';
    return { status, headers, detail };
  }
}

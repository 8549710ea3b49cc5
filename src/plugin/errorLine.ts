/**
 * The one line an error is reported as when its type and first line are all a user should see.
 */
import { redact } from '../client/redact.js';

/** Options of {@link errorLine}. */
export interface ErrorLineOptions {
  /** Strings never to print (token, host, tenant), as `redact` takes them. */
  secrets?: Iterable<string | null | undefined>;
  /** Characters kept before an ellipsis; default: no limit. */
  maxLength?: number;
}

/**
 * The first line of an error's message (or of `String(error)`), redacted: secrets, auth header values, URLs and stack
 * frames removed, cut at `maxLength`.
 *
 * @example
 * errorLine(new Error('GET https://h/x failed\n    at f (a.js:1:1)'), { secrets: ['s3cret-token'] }); // 'GET [URL] failed'
 */
export function errorLine(error: unknown, options: ErrorLineOptions = {}): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = redact(message, options.secrets).split('\n', 1)[0] ?? '';
  const { maxLength = Number.POSITIVE_INFINITY } = options;
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}

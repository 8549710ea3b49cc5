/**
 * Scrubbing of text that may reach a user (SPEC §6.3): tokens, URLs, auth headers and stack traces never appear in a
 * user-facing message, a progress event, a failure entry or the CLI's output.
 */

/**
 * What a removed secret or header value is replaced with.
 *
 * @example
 * redact('token abcd1234', ['abcd1234']); // `token ${REDACTED}`
 */
export const REDACTED = '[REDACTED]';
/**
 * What an absolute URL is replaced with.
 *
 * @example
 * redact('see https://example.com/a'); // `see ${REDACTED_URL}`
 */
export const REDACTED_URL = '[URL]';

/**
 * Secrets shorter than this are not searched for: replacing every `ab` of a message would destroy it and protect
 * nothing (a real access token is far longer).
 *
 * @example
 * redact('a b c', ['a']); // 'a b c': too short to be searched for
 */
export const MIN_SECRET_LENGTH = 4;

/** `Synapse-Access-Token: Token abc`, `"authorization":"Bearer x"`, `cookie=...`: the name is kept, the value goes. */
const AUTH_HEADER =
  /\b(synapse-access-token|synapse-tenant|authorization|proxy-authorization|cookie|set-cookie|x-api-key)(["']?[ \t]*[:=][ \t]*["']?)[^\r\n"',;}]*/gi;

/** Any absolute URL (`scheme://...`), with or without `user:pass@`: data-file URLs are often pre-signed. */
const ABSOLUTE_URL = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/** One stack frame line of V8 (`    at fn (file:1:2)`). */
const STACK_FRAME = /^[ \t]+at [^\n]*(?:\n|$)/gm;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A secret and the other spellings under which it can show up in text. */
function spellings(secret: string): string[] {
  const found = new Set<string>([secret]);
  try {
    found.add(encodeURIComponent(secret));
  } catch {
    // A lone surrogate cannot be URI-encoded; the raw spelling is still searched.
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(secret)) {
    try {
      const url = new URL(secret);
      found.add(url.href);
      found.add(url.href.replace(/\/+$/, ''));
      found.add(url.origin);
      found.add(url.host);
      found.add(url.hostname);
      if (url.username) found.add(decodeURIComponent(url.username)).add(url.username);
      if (url.password) found.add(decodeURIComponent(url.password)).add(url.password);
    } catch {
      // Not a parsable URL: searched only as written.
    }
  }
  return [...found].filter((text) => text.length >= MIN_SECRET_LENGTH);
}

/**
 * Remove from `text` what must never reach a user: the given secrets (tokens, tenant codes, the base URL, each also in
 * its URL-encoded form; a URL secret also as its origin, host and credentials), the values of auth headers
 * (`Synapse-Access-Token`, `Synapse-Tenant`, `Authorization`, cookies), every absolute URL (which also removes
 * `user:pass@` credentials and pre-signed query strings) and stack-frame lines. Secrets shorter than
 * {@link MIN_SECRET_LENGTH} characters are ignored. The result is trimmed.
 *
 * @example
 * redact('GET https://u:p@api.example.com/x failed: Synapse-Access-Token: Token s3cr3t', ['s3cr3t']);
 * // 'GET [URL] failed: Synapse-Access-Token: [REDACTED]'
 */
export function redact(text: string, secrets: Iterable<string | null | undefined> = []): string {
  let result = String(text).replace(AUTH_HEADER, (_match, name: string, separator: string) => {
    return `${name}${separator}${REDACTED}`;
  });
  const all = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret === 'string') for (const spelling of spellings(secret)) all.add(spelling);
  }
  // Longest first, so a base URL goes whole before its host is searched for.
  const ordered = [...all].sort((a, b) => b.length - a.length);
  if (ordered.length > 0) {
    result = result.replace(new RegExp(ordered.map(escapeRegExp).join('|'), 'g'), REDACTED);
  }
  return result.replace(ABSOLUTE_URL, REDACTED_URL).replace(STACK_FRAME, '').trim();
}

/** Options of {@link errorLine}. */
export interface ErrorLineOptions {
  /** Strings never to print (token, host, tenant), as `redact` takes them. */
  secrets?: Iterable<string | null | undefined>;
  /** A cleaner of its own to apply first (a client's `redact`, a job's scrubber). */
  scrub?: (text: string) => string;
  /** Characters kept before an ellipsis; default: no limit. */
  maxLength?: number;
}

/**
 * The one line an error is reported as when its first line is all a user should see: the first line of its message
 * (or of `String(error)`), with secrets, auth header values, URLs and stack frames removed, cut at `maxLength`.
 *
 * @example
 * errorLine(new Error('GET https://h/x failed\n    at f (a.js:1:1)'), { secrets: ['s3cret-token'] }); // 'GET [URL] failed'
 */
export function errorLine(error: unknown, options: ErrorLineOptions = {}): string {
  const message = error instanceof Error ? error.message : String(error);
  const cleaned = redact(options.scrub ? options.scrub(message) : message, options.secrets);
  const line = cleaned.split('\n', 1)[0] ?? '';
  const { maxLength = Number.POSITIVE_INFINITY } = options;
  return line.length > maxLength ? `${line.slice(0, maxLength)}…` : line;
}

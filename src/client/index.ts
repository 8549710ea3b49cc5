export {
  AbortError,
  ClientError,
  type ClientErrorInit,
  type ClientErrorJSON,
  isAbortError,
  isClientError,
} from './errors.js';
export {
  DEFAULT_RETRIES,
  DEFAULT_TASK_PAGE_SIZE,
  DEFAULT_TIMEOUTS,
  type HttpRetries,
  HttpSynapseClient,
  type HttpSynapseClientOptions,
  type HttpTimeouts,
  RETRY_ERROR_CODES,
  RETRY_STATUS_CODES,
  taskListQuery,
} from './http.js';
export {
  type ErrorLineOptions,
  errorLine,
  MIN_SECRET_LENGTH,
  REDACTED,
  REDACTED_URL,
  redact,
} from './redact.js';
export type * from './types.js';

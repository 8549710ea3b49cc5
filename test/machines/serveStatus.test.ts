import { describe, expect, it } from 'vitest';
import {
  classifyServeApp,
  type ServeAppClassification,
  serveApplicationStatuses,
} from '../../machines/serveStatus.js';

const running: ServeAppClassification = { bucket: 'running', status: null };
const failed = (status: string): ServeAppClassification => ({ bucket: 'failed', status });
const pending = (status: string | null): ServeAppClassification => ({ bucket: 'pending', status });

describe('classifyServeApp', () => {
  // The backend's 7 statuses, one item each, as the page the client returns.
  it.each([
    ['NOT_STARTED', pending('NOT_STARTED')],
    ['DEPLOYING', pending('DEPLOYING')],
    ['RUNNING', running],
    ['DEPLOY_FAILED', failed('DEPLOY_FAILED')],
    ['UNHEALTHY', failed('UNHEALTHY')],
    ['UNAVAILABLE', failed('UNAVAILABLE')],
    ['DELETING', pending('DELETING')],
  ] as const)('folds %s into its bucket', (status, expected) => {
    expect(classifyServeApp({ count: 1, next: null, previous: null, results: [{ status }] })).toEqual(
      expected,
    );
  });

  it('covers every status the backend declares', () => {
    expect([...serveApplicationStatuses].sort()).toEqual(
      ['DELETING', 'DEPLOYING', 'DEPLOY_FAILED', 'NOT_STARTED', 'RUNNING', 'UNAVAILABLE', 'UNHEALTHY'].sort(),
    );
  });

  it.each([
    ['failed items before it', [{ status: 'DEPLOY_FAILED' }, { status: 'UNHEALTHY' }, { status: 'RUNNING' }]],
    ['failed items after it', [{ status: 'RUNNING' }, { status: 'UNAVAILABLE' }]],
    [
      'pending and failed items around it',
      [{ status: 'DEPLOYING' }, { status: 'RUNNING' }, { status: 'UNHEALTHY' }],
    ],
  ])('lets RUNNING win over %s', (_, results) => {
    expect(classifyServeApp({ results })).toEqual(running);
    expect(classifyServeApp(results)).toEqual(running);
  });

  it.each([
    ['a page', { results: [{ status: 'UNHEALTHY' }] }],
    ['a bare list', [{ status: 'UNHEALTHY' }]],
  ])('reads %s', (_, response) => {
    expect(classifyServeApp(response)).toEqual(failed('UNHEALTHY'));
  });

  it('lets a terminal status win over pending ones and reports the terminal one', () => {
    expect(classifyServeApp([{ status: 'DEPLOYING' }, { status: 'UNAVAILABLE' }])).toEqual(
      failed('UNAVAILABLE'),
    );
  });

  it('reports the first status seen when everything is pending', () => {
    expect(classifyServeApp([{ status: 'DELETING' }, { status: 'NOT_STARTED' }])).toEqual(
      pending('DELETING'),
    );
  });

  it.each([
    ['an empty page', { count: 0, next: null, previous: null, results: [] }],
    ['an empty list', []],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'RUNNING'],
    ['an HTML error page', '<html><body>502 Bad Gateway</body></html>'],
    ['a number', 42],
    ['a boolean', true],
    ['an object without results', { status: 'RUNNING' }],
    ['results that are not a list', { results: { status: 'RUNNING' } }],
    ['items without status', [{ name: 'app' }, {}]],
    ['non-object items', ['RUNNING', 1, null, undefined, ['RUNNING']]],
    ['a status that is not a string', [{ status: 1 }, { status: null }, { status: { value: 'RUNNING' } }]],
    ['a blank status', [{ status: '   ' }]],
  ])('treats %s as pending with no status, without throwing', (_, response) => {
    expect(classifyServeApp(response)).toEqual(pending(null));
  });

  it.each([
    ['running', running],
    ['Running', running],
    [' RUNNING ', running],
    ['deploy_failed', failed('DEPLOY_FAILED')],
    ['unhealthy', failed('UNHEALTHY')],
    ['Unavailable', failed('UNAVAILABLE')],
    ['deploying', pending('DEPLOYING')],
  ] as const)('reads the lowercase or padded spelling %j', (status, expected) => {
    expect(classifyServeApp([{ status }])).toEqual(expected);
  });

  it.each(['STOPPED', 'FAILED', 'RUNNING_SOON', 'SCALING'])(
    'keeps polling on the unknown status %s',
    (status) => {
      expect(classifyServeApp({ results: [{ status }] })).toEqual(pending(status));
    },
  );

  it('skips malformed items but still reads the valid ones', () => {
    expect(classifyServeApp({ results: [null, 'x', { status: 7 }, { status: 'running' }] })).toEqual(running);
    expect(classifyServeApp([{}, { status: 'UNHEALTHY' }])).toEqual(failed('UNHEALTHY'));
  });
});

import { describe, expect, it } from 'vitest';
import { Recorder } from '../../src/sandbox/recorder.js';

describe('Recorder', () => {
  it('keeps only the latest requests past its limit, while the counts per route stay exact', () => {
    const recorder = new Recorder(3);
    for (let index = 1; index <= 5; index++) {
      recorder.recordRequest({ method: 'GET', path: `/projects/${index}/`, route: 'project', status: 200 });
    }
    recorder.recordRequest({ method: 'GET', path: '/nothing/', route: null, status: 404 });
    // Trimmed back to the limit once a tenth over it (here: at the 5th request), always keeping the latest.
    expect(recorder.requests.map((request) => request.path)).toEqual([
      '/projects/3/',
      '/projects/4/',
      '/projects/5/',
      '/nothing/',
    ]);
    for (let index = 6; index <= 1000; index++) {
      recorder.append('inferenceCalls', {
        code: 'demo-detector',
        agent: 3,
        model: 42,
        imagePath: `/media/images/${index}.jpg`,
        taskId: index,
        status: 200,
      });
    }
    expect(recorder.inferenceCalls.length).toBeLessThanOrEqual(4);
    expect(recorder.inferenceCalls.at(-1)?.taskId).toBe(1000);
    expect(recorder.requestCounts()).toEqual({ project: 5, unknown: 1 });
    expect(recorder.toJSON().requestCounts).toEqual({ project: 5, unknown: 1 });
    recorder.reset();
    expect(recorder.requests).toEqual([]);
    expect(recorder.requestCounts()).toEqual({});
  });

  it('keeps 50,000 requests by default', () => {
    expect(new Recorder().requestLimit).toBe(50_000);
  });
});

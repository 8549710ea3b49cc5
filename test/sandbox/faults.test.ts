import { describe, expect, it } from 'vitest';
import { Throttle } from '../../src/sandbox/faults.js';

const probe = (key: string) => ({
  route: 'project' as const,
  path: key,
  key: `GET /${key}`,
  taskId: undefined,
});

describe('Throttle', () => {
  it('throttles every other attempt of the same request at rate 0.5', () => {
    const throttle = new Throttle({ status: 429, rate: 0.5 });
    expect([1, 2, 3, 4].map(() => throttle.applies(probe('projects/1/')))).toEqual([
      true,
      false,
      true,
      false,
    ]);
  });

  it('forgets the least recently attempted request beyond its key limit', () => {
    const throttle = new Throttle({ status: 429, rate: 0.5 }, 2);
    expect(throttle.applies(probe('a/'))).toBe(true);
    expect(throttle.applies(probe('b/'))).toBe(true);
    expect(throttle.applies(probe('a/'))).toBe(false); // a: 2nd attempt, now the most recent key
    expect(throttle.applies(probe('c/'))).toBe(true); // drops b, the least recent
    expect(throttle.applies(probe('a/'))).toBe(true); // a: 3rd attempt, still counted
    expect(throttle.applies(probe('b/'))).toBe(true); // b starts again from its first attempt
  });
});

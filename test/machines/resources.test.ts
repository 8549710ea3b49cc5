import { describe, expect, it } from 'vitest';
import { ToTaskError } from '../../machines/errors.js';
import { buildDeploymentParams, RequiredResourcesError } from '../../machines/resources.js';

const defaults = { num_cpus: 1, num_gpus: 0.1 };

describe('buildDeploymentParams', () => {
  it.each([
    ['missing', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a string', 'num_cpus: 4'],
    ['a number', 4],
    ['a boolean', true],
    ['an array', [{ num_cpus: 4 }]],
    ['an object of unrelated keys', { gpu_type: 'A100', notes: 'fast' }],
  ])('uses all defaults when required_resources is %s', (_, requiredResources) => {
    const params = buildDeploymentParams(requiredResources);
    expect(params).toEqual(defaults);
    // The backend forbids unknown and null extras: only the two required keys may be sent.
    expect(Object.keys(params).sort()).toEqual(['num_cpus', 'num_gpus']);
  });

  it.each([
    [
      'required_cpu_count wins over num_cpus',
      { required_cpu_count: 4, num_cpus: 2 },
      { num_cpus: 4, num_gpus: 0.1 },
    ],
    ['num_cpus alone', { num_cpus: 2 }, { num_cpus: 2, num_gpus: 0.1 }],
    [
      'required_gpu_count wins over num_gpus',
      { required_gpu_count: 2, num_gpus: 1 },
      { num_cpus: 1, num_gpus: 2 },
    ],
    ['num_gpus alone', { num_gpus: 0.5 }, { num_cpus: 1, num_gpus: 0.5 }],
    ['a declared 0 GPU request', { required_gpu_count: 0 }, { num_cpus: 1, num_gpus: 0 }],
    ['a declared 0 via num_gpus', { num_gpus: 0 }, { num_cpus: 1, num_gpus: 0 }],
    ['a declared 0 CPUs', { required_cpu_count: 0 }, { num_cpus: 0, num_gpus: 0.1 }],
    [
      'a declared 0 winning over a non-zero alias',
      { required_gpu_count: 0, num_gpus: 1 },
      { num_cpus: 1, num_gpus: 0 },
    ],
    ['fractional CPUs', { num_cpus: 0.5 }, { num_cpus: 0.5, num_gpus: 0.1 }],
  ])('reads %s', (_, requiredResources, expected) => {
    expect(buildDeploymentParams(requiredResources)).toEqual(expected);
  });

  it.each([
    ['memory', { memory: 2048 }, 2048],
    ['memory_bytes (alias)', { memory_bytes: 4294967296 }, 4294967296],
    ['memory winning over memory_bytes', { memory: 1024, memory_bytes: 4096 }, 1024],
    ['a declared memory of 0', { memory: 0 }, 0],
  ])('sends %s as `memory`', (_, requiredResources, memory) => {
    const params = buildDeploymentParams(requiredResources);
    expect(params.memory).toBe(memory);
    expect(params).not.toHaveProperty('memory_bytes');
  });

  it('sends num_replicas only when declared', () => {
    expect(buildDeploymentParams({ num_replicas: 3 })).toEqual({ ...defaults, num_replicas: 3 });
    expect(buildDeploymentParams({ num_replicas: 0 })).toEqual({ ...defaults, num_replicas: 0 });
    expect(buildDeploymentParams({ num_cpus: 2 })).not.toHaveProperty('num_replicas');
  });

  it('maps the whole declaration to exactly the payload keys', () => {
    const params = buildDeploymentParams({
      required_cpu_count: 2,
      required_gpu_count: 1,
      num_replicas: 2,
      memory_bytes: 8589934592,
    });
    expect(params).toEqual({ num_cpus: 2, num_gpus: 1, num_replicas: 2, memory: 8589934592 });
    expect(Object.keys(params).sort()).toEqual(['memory', 'num_cpus', 'num_gpus', 'num_replicas']);
  });

  it.each([
    ['num_replicas: null', { num_replicas: null }],
    ['memory: null', { memory: null }],
    ['memory_bytes: null', { memory_bytes: null }],
    [
      'every key null',
      { required_cpu_count: null, num_cpus: null, num_gpus: null, num_replicas: null, memory: null },
    ],
  ])('treats %s as not declared (omitted, never sent as null)', (_, requiredResources) => {
    const params = buildDeploymentParams(requiredResources);
    expect(params).toEqual(defaults);
    expect(params).not.toHaveProperty('num_replicas');
    expect(params).not.toHaveProperty('memory');
    expect(Object.values(params)).not.toContain(null);
  });

  it.each([
    [
      'required_cpu_count: null falls back to num_cpus',
      { required_cpu_count: null, num_cpus: 3 },
      { num_cpus: 3 },
    ],
    [
      'required_gpu_count: null falls back to num_gpus',
      { required_gpu_count: null, num_gpus: 0 },
      { num_gpus: 0 },
    ],
    ['memory: null falls back to memory_bytes', { memory: null, memory_bytes: 512 }, { memory: 512 }],
  ])('%s', (_, requiredResources, expected) => {
    expect(buildDeploymentParams(requiredResources)).toMatchObject(expected);
  });

  it.each([
    ['"2"', { num_cpus: '2' }, { num_cpus: 2, num_gpus: 0.1 }],
    ['"0.25" GPUs', { required_gpu_count: '0.25' }, { num_cpus: 1, num_gpus: 0.25 }],
    ['" 3 " replicas', { num_replicas: ' 3 ' }, { num_cpus: 1, num_gpus: 0.1, num_replicas: 3 }],
    ['"1024" memory bytes', { memory_bytes: '1024' }, { num_cpus: 1, num_gpus: 0.1, memory: 1024 }],
  ])('reads the numeric string %s as a number', (_, requiredResources, expected) => {
    expect(buildDeploymentParams(requiredResources)).toEqual(expected);
  });

  it.each([
    ['num_cpus', { num_cpus: 'two' }],
    ['num_cpus', { num_cpus: -1 }],
    ['num_cpus', { num_cpus: '' }],
    ['required_cpu_count', { required_cpu_count: Number.NaN, num_cpus: 2 }],
    ['required_gpu_count', { required_gpu_count: Number.POSITIVE_INFINITY }],
    ['num_gpus', { num_gpus: true }],
    ['num_gpus', { num_gpus: [1] }],
    ['num_replicas', { num_replicas: 1.5 }],
    ['num_replicas', { num_replicas: '2.5' }],
    ['memory', { memory: '4Gi' }],
    ['memory', { memory: -2048 }],
    ['memory_bytes', { memory_bytes: { value: 1 } }],
  ])('rejects an invalid %s, naming the field', (field, requiredResources) => {
    let thrown: unknown;
    try {
      buildDeploymentParams(requiredResources);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(RequiredResourcesError);
    expect(thrown).toBeInstanceOf(ToTaskError);
    expect((thrown as ToTaskError).code).toBe('invalid_required_resources');
    expect((thrown as RequiredResourcesError).field).toBe(field);
    expect((thrown as Error).message).toContain(`required_resources.${field}`);
  });

  it('quotes the bad value in the message, cut short when long', () => {
    expect(() => buildDeploymentParams({ num_cpus: 'lots' })).toThrow(
      'Invalid required_resources.num_cpus: expected a non-negative number, got "lots"',
    );
    expect(() => buildDeploymentParams({ num_replicas: 2.5 })).toThrow(
      'Invalid required_resources.num_replicas: expected a non-negative integer, got 2.5',
    );
    const long = 'x'.repeat(500);
    expect(() => buildDeploymentParams({ memory: long })).toThrow(/got "x{40}…"$/);
  });
});

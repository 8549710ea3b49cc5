/**
 * Benchmarks of the job loop, printed as ratios against a baseline measured in the same run (these machines are
 * shared and noisy: absolute figures vary, ratios much less).
 *
 * - throughput: tasks/s at concurrency 8 and 32 against concurrency 1, with 2 ms per platform call;
 * - overhead: the machines against a plain `for` loop making the same calls, with no latency;
 * - memory: heap in use after 20,000 tasks against after 2,000, in one job (flat memory means a ratio near 1).
 *
 * Run: `npm run bench` (it starts node with --expose-gc so heap figures are taken after a collection).
 */
import { ToTaskAction } from '../src/action.js';
import { MemoryPlatform } from './memoryPlatform.js';

class BenchToTask extends ToTaskAction {
  override async convertDataFromFile(_p: string, _n: string, dataFileUrl: string): Promise<unknown> {
    return { annotations: await this.fetchDataFile(dataFileUrl) };
  }
}

const params = { name: 'bench', project: 1, agent: 1, target_specification_name: 'annotation' };
const gc = (globalThis as { gc?: () => void }).gc;

async function timeJob(tasks: number, latencyMs: number, concurrency: number) {
  const client = new MemoryPlatform(tasks, latencyMs);
  const started = performance.now();
  const result = await new BenchToTask({ params, client, concurrency }).execute();
  const seconds = (performance.now() - started) / 1000;
  if (result.success_count !== tasks || client.writes !== tasks)
    throw new Error(`bench job lost tasks: ${result.message}`);
  return tasks / seconds;
}

/** The same calls as one task of the job, in a plain loop: what the machines cost on top of the work itself. */
async function timePlainLoop(tasks: number) {
  const client = new MemoryPlatform(tasks, 0);
  const action = new BenchToTask({ params, client });
  const started = performance.now();
  for await (const page of client.listTaskPages({ pageSize: 100 })) {
    for (const { id } of page.results) {
      const task = await client.getTask(id);
      const data = await action.convertDataFromFile('', '', `mem://labels/${task.id}.json`);
      await client.annotateTaskData();
      void data;
    }
  }
  return tasks / ((performance.now() - started) / 1000);
}

/** Heap in use (after a collection) when `checkpoints` tasks are done, within one job of the largest size. */
async function heapAt(checkpoints: number[]) {
  const tasks = Math.max(...checkpoints);
  const heap = new Map<number, number>();
  const action = new BenchToTask({ params, client: new MemoryPlatform(tasks, 0), concurrency: 16 });
  action.on('progress', (progress) => {
    if (checkpoints.includes(progress.done)) {
      gc?.();
      heap.set(progress.done, process.memoryUsage().heapUsed);
    }
  });
  await action.execute();
  return checkpoints.map((done) => heap.get(done) ?? Number.NaN);
}

const format = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });

const serial = await timeJob(400, 2, 1);
const c8 = await timeJob(2000, 2, 8);
const c32 = await timeJob(4000, 2, 32);
console.log('throughput with 2 ms per platform call (baseline: concurrency 1)');
console.log(`  concurrency  1: ${format(serial)} tasks/s  (1.0x)`);
console.log(`  concurrency  8: ${format(c8)} tasks/s  (${format(c8 / serial)}x)`);
console.log(`  concurrency 32: ${format(c32)} tasks/s  (${format(c32 / serial)}x)`);

const plain = await timePlainLoop(5000);
const machine = await timeJob(5000, 0, 1);
console.log('overhead with no latency (baseline: a plain loop making the same calls)');
console.log(`  plain loop:        ${format(plain)} tasks/s`);
console.log(`  machines, serial:  ${format(machine)} tasks/s  (${format(plain / machine)}x slower)`);

if (!gc) console.log('memory: skipped (run with node --expose-gc)');
else {
  const [early, late] = await heapAt([2_000, 20_000]);
  console.log('heap in use during one job of 20,000 tasks (baseline: after 2,000 tasks)');
  console.log(`  after  2,000 tasks: ${format(early! / 1024 / 1024)} MiB`);
  console.log(
    `  after 20,000 tasks: ${format(late! / 1024 / 1024)} MiB  (${format(late! / early!)}x; flat memory is 1x)`,
  );
}

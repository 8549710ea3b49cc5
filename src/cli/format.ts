/**
 * Small text helpers shared by the progress display, the summary and the sandbox banner.
 */

/** `42s`, `3m05s`, `1h02m`; `—` when unknown. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '—';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `12.3` tasks per second, one decimal under 100. */
export function formatRate(tasksPerSecond: number): string {
  if (!Number.isFinite(tasksPerSecond) || tasksPerSecond <= 0) return '0';
  return tasksPerSecond >= 100 ? String(Math.round(tasksPerSecond)) : tasksPerSecond.toFixed(1);
}

/** `1 task`, `2 tasks`; `plural(2, 'dispatch', 'dispatches')`. */
export function plural(count: number, noun: string, nouns = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : nouns}`;
}

/** `2 GiB`, `512 MiB`, `100 B`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

/**
 * Training curves from `models/<train>/metrics.json`. The training job's format is still being
 * settled, so any of these is accepted: `{"loss": [..]}`, `{"steps": [{"step", "loss"}]}`,
 * `{"history": [...]}`, or a bare list of numbers or `{step, loss}` objects. Wall time and the
 * instance type are read when present (`wall_seconds`, `wallSeconds`, `seconds`, …).
 */
import type { TrainingCurve } from './types';

/** Points drawn per curve: a longer history is thinned to every n-th point (last kept). */
export const MAX_CURVE_POINTS = 500;

const SERIES_KEYS = ['steps', 'history', 'log', 'metrics', 'train'] as const;
const WALL_KEYS = [
  'wall_seconds',
  'wallSeconds',
  'elapsed_seconds',
  'elapsedSeconds',
  'duration_seconds',
  'durationSeconds',
  'seconds',
] as const;
const INSTANCE_KEYS = ['instance_type', 'instanceType'] as const;

export function parseTrainingMetrics(name: string, uri: string, value: unknown): TrainingCurve {
  const all = lossPoints(value);
  const record = isRecord(value) ? value : {};
  const wallSeconds = firstNumber(record, WALL_KEYS);
  const instanceType = INSTANCE_KEYS.map((k) => record[k]).find((v) => typeof v === 'string');
  return {
    name,
    uri,
    points: thin(all, MAX_CURVE_POINTS),
    totalPoints: all.length,
    ...(wallSeconds !== undefined ? { wallSeconds } : {}),
    ...(typeof instanceType === 'string' ? { instanceType } : {}),
    ...throughputOf(record),
  };
}

/** The job's measured samples/s and samples trained, which price its GPU time. */
function throughputOf(
  record: Record<string, unknown>,
): Pick<TrainingCurve, 'samplesPerSecond' | 'trainedSamples'> {
  const rate = record.samples_per_second;
  const steps = record.steps;
  const perStep = record.samples_per_step;
  return {
    ...(typeof rate === 'number' && rate > 0 ? { samplesPerSecond: rate } : {}),
    ...(typeof steps === 'number' && typeof perStep === 'number'
      ? { trainedSamples: steps * perStep }
      : {}),
  };
}

function lossPoints(value: unknown): [number, number][] {
  if (Array.isArray(value)) return pointsOfList(value);
  if (!isRecord(value)) return [];
  for (const key of ['loss', 'train_loss', 'losses'] as const) {
    const list = value[key];
    if (Array.isArray(list)) return pointsOfList(list);
  }
  for (const key of SERIES_KEYS) {
    const list = value[key];
    if (Array.isArray(list)) return pointsOfList(list);
  }
  return [];
}

/** Numbers (index = step) or objects with a loss and, optionally, a step. */
function pointsOfList(list: readonly unknown[]): [number, number][] {
  const points: [number, number][] = [];
  list.forEach((item, index) => {
    if (typeof item === 'number' && Number.isFinite(item)) points.push([index, item]);
    else if (isRecord(item)) {
      const loss = firstNumber(item, ['loss', 'train_loss', 'value'] as const);
      const step = firstNumber(item, ['step', 'global_step', 'iteration', 'iter'] as const);
      if (loss !== undefined) points.push([step ?? index, loss]);
    }
  });
  return points;
}

function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const stride = Math.ceil(points.length / max);
  const kept = points.filter((_, i) => i % stride === 0);
  const last = points[points.length - 1]!;
  if (kept[kept.length - 1] !== last) kept.push(last);
  return kept;
}

function firstNumber(
  record: Readonly<Record<string, unknown>>,
  keys: readonly string[],
): number | undefined {
  for (const key of keys) {
    const v = record[key];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Small helpers shared by the operator tests. */
import type { z } from 'zod';
import type { OperatorContext, Operator, OperatorInstance, Outcome } from '../../core/ops/operator';
import type { Sample } from '../../core/ops/sample';

export const ctx: OperatorContext = {
  runRoot: 'file:///tmp/vlmflow-test-run',
  shardKey: 'pairs-000000',
};

export function sampleOf(parts: Record<string, Buffer | string>, key = 'sample-0001'): Sample {
  const bytes: Record<string, Buffer> = {};
  for (const [ext, value] of Object.entries(parts))
    bytes[ext] = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Object.freeze({ key, parts: Object.freeze(bytes) });
}

/** An instance of `decl` with `args` validated (and defaulted) by its own schema. */
export async function instanceOf<S extends z.ZodType, R extends string>(
  decl: Operator<string, S, R>,
  args: z.input<S> | Record<string, never> = {},
): Promise<OperatorInstance<R>> {
  return decl.create(decl.params.parse(args), ctx);
}

/** Runs the instance and checks that the input sample (keys and bytes) is left as it was. */
export async function processUnchanged<R extends string>(
  instance: OperatorInstance<R>,
  sample: Sample,
): Promise<Outcome<R>> {
  const before = {
    key: sample.key,
    image: sample.image,
    parts: Object.fromEntries(Object.entries(sample.parts).map(([e, b]) => [e, Buffer.from(b)])),
  };
  const outcome = await instance.process(sample);
  expect({ key: sample.key, image: sample.image, parts: sample.parts }).toEqual(before);
  return outcome;
}

export function rejected<R extends string>(outcome: Outcome<R>): R | undefined {
  return outcome.keep ? undefined : outcome.reason;
}

export function kept<R extends string>(outcome: Outcome<R>): Sample {
  if (!outcome.keep)
    throw new Error(`expected keep, got reject ${outcome.reason} (${outcome.detail ?? ''})`);
  return outcome.sample;
}

/**
 * Runs the instance and then, as the shard loop does at the end of a chain, any work it
 * deferred (image.decode's verification decode and normalisation).
 */
export async function processSettled<R extends string>(
  instance: OperatorInstance<R>,
  sample: Sample,
): Promise<Outcome<R>> {
  const outcome = await processUnchanged(instance, sample);
  if (!outcome.keep || !outcome.sample.deferred) return outcome;
  const settled = await outcome.sample.deferred.settle(outcome.sample);
  if (settled.keep) return { keep: true, sample: settled.sample };
  return { keep: false, reason: settled.reason as R, detail: settled.detail };
}

/**
 * Turning one operator use from the IR into a running instance, validated at cold start with
 * the operator's schema and the run's parameters (core/ops/validate-use.ts).
 */
import type {
  Operator,
  OperatorContext,
  OperatorInstance,
  OperatorUse,
} from '../../core/ops/operator';
import { validateOperatorUse, type OperatorRegistry } from '../../core/ops/validate-use';

/** Validates the use (as validateOperatorUse) and creates its instance. */
export async function instantiate(
  use: OperatorUse,
  registry: OperatorRegistry<Operator>,
  params: Readonly<Record<string, unknown>>,
  ctx: OperatorContext,
  implicitPrefix?: string,
): Promise<OperatorInstance<string>> {
  return (await instantiateUse(use, registry, params, ctx, implicitPrefix)).instance;
}

/** As instantiate, also returning the declaration and the validated arguments. */
export async function instantiateUse(
  use: OperatorUse,
  registry: OperatorRegistry<Operator>,
  params: Readonly<Record<string, unknown>>,
  ctx: OperatorContext,
  implicitPrefix?: string,
): Promise<{
  readonly instance: OperatorInstance<string>;
  readonly declaration: Operator;
  readonly args: Readonly<Record<string, unknown>>;
}> {
  const { declaration, args } = validateOperatorUse(use, registry, params, implicitPrefix);
  return {
    instance: await declaration.create(args, ctx),
    declaration,
    args: args as Readonly<Record<string, unknown>>,
  };
}

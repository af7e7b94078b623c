/**
 * Plan's check of the objects a run's operators will read (model folders, lists), with the
 * values the run resolved: a wrong URI fails the run before any shard, with a message naming
 * the parameter to change, instead of failing every shard after the curate step.
 */
import { withImplicitArgs } from '../../core/implicit-args';
import type { ImplicitOperator, Params } from '../../core/contracts';
import { ParamError } from '../../core/params';
import { isParamRef, resolveArgs, type StorageArgKind } from '../../core/ops/operator';
import type { OperatorRegistry } from '../../core/ops/validate-use';
import { fileProblem, modelFolderProblem } from '../models/check-folder';

const CHECKS: Readonly<Record<StorageArgKind, (uri: string) => Promise<string | undefined>>> = {
  model: modelFolderProblem,
  file: fileProblem,
};

export async function checkStorageArgs(
  operators: readonly ImplicitOperator[],
  params: Params,
  registry: OperatorRegistry,
): Promise<void> {
  const problems: string[] = [];
  const checked = new Map<string, Promise<string | undefined>>();
  for (const entry of operators) {
    const storageArgs = registry.get(entry.use.op)?.storageArgs ?? {};
    if (Object.keys(storageArgs).length === 0) continue;
    const { use } = withImplicitArgs(entry.use, entry.name, params);
    const args = resolveArgs(use.args, params);
    for (const [arg, kind] of Object.entries(storageArgs)) {
      const uri = args[arg];
      if (typeof uri !== 'string' || uri === '') continue;
      const key = `${kind}\0${uri}`;
      if (!checked.has(key)) checked.set(key, CHECKS[kind](uri));
      const problem = await checked.get(key)!;
      if (problem) problems.push(`${nameOf(entry, arg)} (${arg} of ${entry.use.op}): ${problem}`);
    }
  }
  if (problems.length > 0) throw new ParamError(problems);
}

/** The parameter that sets the argument: the declared one it is bound to, else its implicit name. */
function nameOf(entry: ImplicitOperator, arg: string): string {
  const written = entry.use.args[arg];
  return `params.${isParamRef(written) ? written.$param : `${entry.name}.${arg}`}`;
}

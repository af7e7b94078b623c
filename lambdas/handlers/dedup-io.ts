/** Small storage helpers the dedup handlers share. */
import { posix } from 'node:path';
import { readJson } from '../shards/json-io';
import { isNotFound } from '../shards/not-found';
import { storageFor } from '../shards/storage';
import { resolveArgs } from '../../core/ops/operator';
import type { Params } from '../../core/contracts';
import { ShardError, messageOf } from '../../core/errors';
import {
  RUN_DEDUP_KIND,
  dedupConfigOf,
  runDedupParams,
  type DedupConfig,
} from '../../core/dedup-spec';
import type { DedupUse } from '../../core/dedup-contracts';
import { withImplicitArgs } from '../../core/implicit-args';

export async function readIfExists<T>(uri: string): Promise<T | undefined> {
  try {
    return await readJson<T>(uri);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** File names (without `suffix`) of the objects directly under a prefix URI, sorted. */
export async function listNames(prefixUri: string, suffix: string): Promise<string[]> {
  const names: string[] = [];
  for await (const object of storageFor(prefixUri).list(prefixUri)) {
    const name = posix.basename(object.uri);
    if (name.endsWith(suffix)) names.push(name.slice(0, -suffix.length));
  }
  return names.sort();
}

/**
 * The use's arguments with the run's parameters (declared ones it is bound to, implicit ones
 * given for its prefix), validated by the same schema as in the DSL and in Plan.
 */
export function resolveDedupConfig(use: DedupUse, params: Params, where: string): DedupConfig {
  const { use: withRunArgs } = withImplicitArgs(
    { op: RUN_DEDUP_KIND, fn: 'curate', args: use.args },
    use.prefix,
    params,
  );
  try {
    return dedupConfigOf(runDedupParams.parse(resolveArgs(withRunArgs.args, params)));
  } catch (error) {
    throw new ShardError(`${where}: dedup arguments: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * A model folder checked without downloading it: its SHA256SUMS is read and parsed, and every
 * file it lists must exist. Plan runs this before any shard, so a wrong model URI fails the run
 * at once instead of after every shard has been curated; the caption function still verifies
 * each file's sha256 when it loads the model (cache.ts).
 */
import { assertAllowedUri } from '../shards/allowed-roots';
import { isNotFound } from '../shards/not-found';
import { storageFor } from '../shards/storage';
import { joinUri, normaliseUri } from '../../core/uri';
import { MANIFEST_FILE, parseManifest } from './manifest';

/** Why the folder at `uri` cannot be a model, or undefined when it looks complete. */
export async function modelFolderProblem(uri: string): Promise<string | undefined> {
  try {
    assertAllowedUri(uri, 'model');
    const manifestUri = joinUri(uri, MANIFEST_FILE);
    let text: string;
    try {
      text = (await storageFor(manifestUri).readBytes(manifestUri)).toString('utf8');
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const folder = normaliseUri(uri).replace(/\/*$/, '/');
      const first = await storageFor(folder).list(folder)[Symbol.asyncIterator]().next();
      return first.done
        ? `model folder ${uri} does not exist or is empty`
        : `model folder ${uri} has no ${MANIFEST_FILE} (every model folder needs one: sha256sum output for every file)`;
    }
    const entries = parseManifest(text, uri);
    const missing: string[] = [];
    for (const entry of entries) {
      const file = joinUri(uri, entry.path);
      if (!(await storageFor(file).exists(file))) missing.push(entry.path);
    }
    return missing.length > 0
      ? `model folder ${uri} lacks ${missing.join(', ')} (listed in ${MANIFEST_FILE})`
      : undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Why the object at `uri` cannot be read, or undefined when it exists. */
export async function fileProblem(uri: string): Promise<string | undefined> {
  try {
    assertAllowedUri(uri);
    return (await storageFor(uri).exists(uri)) ? undefined : `${uri} does not exist`;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Whether the folder at `uri` holds a random-weight test model: its config.json says
 * `random_weights: true` (the fixtures and the tiny training models do). A folder without a
 * readable config.json is not one.
 */
export async function isRandomWeightModel(uri: string): Promise<boolean> {
  const config = joinUri(uri, 'config.json');
  try {
    const json = JSON.parse((await storageFor(config).readBytes(config)).toString('utf8')) as unknown;
    return (json as { random_weights?: unknown } | null)?.random_weights === true;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return false;
    throw error;
  }
}

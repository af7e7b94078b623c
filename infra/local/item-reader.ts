/**
 * A Distributed Map's items: ItemReader `s3:getObject` on a JSON array or JSON Lines object in
 * any storage the pipeline uses (file roots map to the LOCAL_BUCKET sentinel), or, without an
 * ItemReader, the array at ItemsPath.
 */
import {
  isJsonObject,
  optionalNumber,
  optionalString,
  RESOURCES,
  type AslState,
  type JsonObject,
  type JsonValue,
} from './asl';
import { statesRuntimeError, TaskError } from './errors';
import { evaluatePath, evaluateTemplate } from './template';
import { storageFor } from '../../lambdas/shards/storage';
import { fromLocation } from '../../core/uri';

const INPUT_TYPES = ['JSON', 'JSONL'] as const;

function parseItems(text: string, inputType: string, where: string): JsonValue[] {
  try {
    if (inputType === 'JSONL') {
      return text
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as JsonValue);
    }
    const value = JSON.parse(text) as JsonValue;
    if (!Array.isArray(value)) throw new Error('expected a JSON array');
    return value;
  } catch (error) {
    throw new TaskError('States.ItemReaderFailed', `${where}: ${(error as Error).message}`);
  }
}

async function maxItems(
  reader: JsonObject,
  input: JsonValue,
  context: JsonObject,
): Promise<number | undefined> {
  const config = isJsonObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const path = optionalString(config, 'MaxItemsPath');
  const value =
    path === undefined
      ? optionalNumber(config, 'MaxItems')
      : await evaluatePath(path, input, context);
  if (value === undefined || value === 0) return undefined; // 0: no limit, as on AWS
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw statesRuntimeError(
      `ItemReader MaxItems must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export async function readItems(
  state: AslState,
  input: JsonValue,
  context: JsonObject,
): Promise<JsonValue[]> {
  const reader = state.ItemReader;
  if (!isJsonObject(reader)) {
    const items = await evaluatePath(optionalString(state, 'ItemsPath') ?? '$', input, context);
    if (!Array.isArray(items)) throw statesRuntimeError('Map items (ItemsPath) must be an array');
    return items;
  }
  if (reader.Resource !== RESOURCES.s3GetObject) {
    throw statesRuntimeError(
      `ItemReader resource ${JSON.stringify(reader.Resource)} is not supported locally (s3:getObject only)`,
    );
  }
  const config = isJsonObject(reader.ReaderConfig) ? reader.ReaderConfig : {};
  const inputType = optionalString(config, 'InputType') ?? 'JSON';
  if (!(INPUT_TYPES as readonly string[]).includes(inputType)) {
    throw statesRuntimeError(
      `ItemReader InputType ${inputType} is not supported locally (${INPUT_TYPES.join(', ')})`,
    );
  }
  const location = await evaluateTemplate(reader.Parameters ?? {}, input, context);
  if (
    !isJsonObject(location) ||
    typeof location.Bucket !== 'string' ||
    typeof location.Key !== 'string'
  ) {
    throw statesRuntimeError(
      `ItemReader.Parameters must give Bucket and Key, got ${JSON.stringify(location)}`,
    );
  }
  const uri = fromLocation(location.Bucket, location.Key);
  let text: string;
  try {
    text = (await storageFor(uri).readBytes(uri)).toString('utf8');
  } catch (error) {
    throw new TaskError(
      'States.ItemReaderFailed',
      `cannot read ${uri}: ${(error as Error).message}`,
    );
  }
  const items = parseItems(text, inputType, uri);
  const limit = await maxItems(reader, input, context);
  return limit === undefined ? items : items.slice(0, limit);
}

/** A Map Run's units (what each child execution gets), made when a child starts. */
export interface MapUnits {
  readonly count: number;
  at(index: number): Promise<JsonValue>;
}

/**
 * The items after ItemSelector (with `$$.Map.Item.*`). Each item's selection is made only when
 * its child starts, so the run holds the items read and not a second, selected copy of them.
 * ItemBatcher is refused: the compiler never writes one (one Map item is one shard).
 */
export async function mapUnits(
  state: AslState,
  input: JsonValue,
  context: JsonObject,
): Promise<MapUnits> {
  const items = await readItems(state, input, context);
  const selector = state.ItemSelector ?? state.Parameters;
  const select = async (index: number): Promise<JsonValue> => {
    const value = items[index]!;
    if (selector === undefined) return value;
    const itemContext = { ...context, Map: { Item: { Index: index, Value: value } } };
    return evaluateTemplate(selector, input, itemContext);
  };
  if (state.ItemBatcher !== undefined)
    throw new Error(
      'ItemBatcher is not supported by the local runner: vlmflow compiles one Map item per shard',
    );
  return { count: items.length, at: select };
}

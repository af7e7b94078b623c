/**
 * ItemBatcher: groups selected items into `{Items, BatchInput?}` inputs, by MaxItemsPerBatch
 * and MaxInputBytesPerBatch (+Path), as AWS does. Without an ItemBatcher each item is its own input.
 */
import {
  isJsonObject,
  optionalNumber,
  optionalString,
  type AslState,
  type JsonObject,
  type JsonValue,
} from './asl';
import { statesRuntimeError } from './errors';
import { evaluatePath, evaluateTemplate } from './template';

async function limitOf(
  batcher: JsonObject,
  field: string,
  input: JsonValue,
  context: JsonObject,
): Promise<number> {
  const path = optionalString(batcher, `${field}Path`);
  const value =
    path === undefined ? optionalNumber(batcher, field) : await evaluatePath(path, input, context);
  if (value === undefined) return Infinity;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw statesRuntimeError(
      `ItemBatcher ${field} must be a positive integer, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export async function batchItems(
  state: AslState,
  items: JsonValue[],
  input: JsonValue,
  context: JsonObject,
): Promise<JsonValue[]> {
  const batcher = state.ItemBatcher;
  if (!isJsonObject(batcher)) return items;
  const maxItems = await limitOf(batcher, 'MaxItemsPerBatch', input, context);
  const maxBytes = await limitOf(batcher, 'MaxInputBytesPerBatch', input, context);
  if (maxItems === Infinity && maxBytes === Infinity) {
    throw statesRuntimeError('ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch');
  }
  const batchInput =
    batcher.BatchInput === undefined
      ? undefined
      : await evaluateTemplate(batcher.BatchInput, input, context);
  const wrap = (batch: JsonValue[]): JsonValue =>
    batchInput === undefined ? { Items: batch } : { Items: batch, BatchInput: batchInput };
  const sizeOf = (batch: JsonValue[]): number => Buffer.byteLength(JSON.stringify(wrap(batch)));
  const batches: JsonValue[][] = [];
  let current: JsonValue[] = [];
  for (const item of items) {
    const candidate = [...current, item];
    if (current.length > 0 && (candidate.length > maxItems || sizeOf(candidate) > maxBytes)) {
      batches.push(current);
      current = [item];
    } else current = candidate;
  }
  if (current.length > 0) batches.push(current);
  return batches.map(wrap);
}

/**
 * Maps over items with at most `limit` calls in flight, keeping the order of results.
 * Hand-written (a dozen lines) rather than adding p-limit: Plan and Finalize touch one object
 * per shard and must not open thousands of S3 requests at once.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Lists operators load from storage (opt-out URLs and domains, flagged words), one entry per
 * line. Loaded once per warm container and shared by every shard it runs: a list of tens of
 * millions of entries takes seconds to load, not something to repeat per shard.
 */
import { storageFor } from '../shards/storage';
import { SortedHashSet } from './hash-set64';

const loaded = new Map<string, Promise<unknown>>();

function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let promise = loaded.get(key) as Promise<T> | undefined;
  if (!promise) {
    promise = load();
    // A failed load is not cached: the shard fails, and a retry loads again.
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return promise;
}

/** A hashed set of the list's entries after `normalize` (same `name` = same normalisation). */
export function loadHashedList(
  uri: string,
  name: string,
  normalize: (line: string) => string | undefined,
): Promise<SortedHashSet> {
  return cached(`${name}:${uri}`, async () =>
    SortedHashSet.fromLines(await storageFor(uri).read(uri), normalize),
  );
}

/** Lower-cased, trimmed lines, without blanks and `#` comments. */
export function loadWordList(uri: string): Promise<ReadonlySet<string>> {
  return cached(`words:${uri}`, async () => {
    const text = (await storageFor(uri).readBytes(uri)).toString('utf8');
    const words = new Set<string>();
    for (const line of text.split('\n')) {
      const entry = line.trim().toLowerCase();
      if (entry !== '' && !entry.startsWith('#')) words.add(entry);
    }
    return words;
  });
}

/** Forgets every loaded list (tests; a container never needs it). */
export function clearLoadedLists(): void {
  loaded.clear();
}

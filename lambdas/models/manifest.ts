/**
 * SHA256SUMS: the small manifest at the root of every model folder, in `sha256sum` output
 * format (`<64 hex>  <relative path>`, or `<hex> *<path>` for binary mode), one line per file.
 * Every file the runtime uses must be listed; each is verified after download.
 */

export const MANIFEST_FILE = 'SHA256SUMS';

export interface ManifestEntry {
  readonly path: string;
  readonly sha256: string;
}

/** A model folder problem: its message names the file and the folder's URI. */
export class ModelError extends Error {
  override readonly name = 'ModelError';
}

const LINE = /^([0-9a-fA-F]{64}) [ *](.+)$/;

/** The entries of a SHA256SUMS file; throws ModelError on a malformed or unsafe line. */
export function parseManifest(text: string, uri: string): ManifestEntry[] {
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    const where = `${MANIFEST_FILE} line ${index + 1} of model ${uri}`;
    if (!match)
      throw new ModelError(`${where}: expected "<sha256>  <path>", got ${JSON.stringify(line)}`);
    const file = match[2]!;
    if (!isSafeRelativePath(file))
      throw new ModelError(
        `${where}: ${JSON.stringify(file)} is not a relative path inside the folder`,
      );
    if (file === MANIFEST_FILE)
      throw new ModelError(`${where}: ${MANIFEST_FILE} cannot list itself`);
    if (seen.has(file)) throw new ModelError(`${where}: ${file} is listed twice`);
    seen.add(file);
    entries.push({ path: file, sha256: match[1]!.toLowerCase() });
  }
  if (entries.length === 0) throw new ModelError(`${MANIFEST_FILE} of model ${uri} lists no files`);
  return entries;
}

/** Throws unless every required file is listed (a listed file is a verified file). */
export function assertListed(
  entries: readonly ManifestEntry[],
  required: readonly string[],
  uri: string,
): void {
  const listed = new Set(entries.map((e) => e.path));
  for (const file of required) {
    if (!listed.has(file))
      throw new ModelError(`model file ${file} of ${uri} is not listed in ${MANIFEST_FILE}`);
  }
}

/** `a/b.onnx` yes; `/x`, `../x`, `a/../../x`, `a\\b`, `a//b` no. */
function isSafeRelativePath(file: string): boolean {
  if (file.startsWith('/') || file.includes('\\') || file.includes('\0')) return false;
  return file.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

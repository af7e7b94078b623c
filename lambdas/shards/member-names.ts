/**
 * WebDataset member names: `<key>.<ext>`, where the key is the path up to the first `.` of the
 * basename (`a/b/000123.seg.png` → key `a/b/000123`, ext `seg.png`). The reader and the writer
 * share these rules, so every sample the reader yields can be written back unchanged.
 */

/** Why a name or key is unsafe, or undefined when it is safe to use as a relative path. */
export function unsafePathReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.includes('\0')) return 'contains a NUL byte';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(name)) return 'drive-letter path';
  const segments = name.split('/');
  if (segments.includes('..')) return '".." segment';
  if (segments.some((segment) => segment === '' || segment === '.')) return 'empty or "." segment';
  return undefined;
}

/** Why an extension cannot be used, or undefined: non-empty dot-separated parts, no slash. */
export function badExtensionReason(ext: string): string | undefined {
  if (ext === '') return 'empty extension';
  if (ext.includes('/') || ext.includes('\\') || ext.includes('\0'))
    return 'extension contains a path separator or NUL';
  if (ext.split('.').includes('')) return 'extension has an empty "." part';
  // Parts are indexed by extension: `parts["__proto__"] = bytes` would replace the object's
  // prototype and the member would vanish from the sample without a reject.
  if (ext === '__proto__') return 'extension "__proto__" is reserved';
  return undefined;
}

/** Why a sample key cannot be written, or undefined. */
export function badKeyReason(key: string): string | undefined {
  const unsafe = unsafePathReason(key);
  if (unsafe) return unsafe;
  const base = key.slice(key.lastIndexOf('/') + 1);
  if (base.includes('.')) return 'the last path segment of a key cannot contain "."';
  return undefined;
}

export type SplitName =
  | { readonly ok: true; readonly key: string; readonly ext: string }
  | { readonly ok: false; readonly why: string };

/**
 * Splits a (safe) member name into key and lower-cased extension. Leading `./` is dropped,
 * as `tar -cf x.tar ./` writes it; `.hidden`, `README` and `x.` have no usable key group.
 */
export function splitMemberName(name: string): SplitName {
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  if (dot === -1) return { ok: false, why: 'no "." in the file name' };
  if (dot === slash + 1) return { ok: false, why: 'file name starts with "."' };
  const ext = name.slice(dot + 1).toLowerCase();
  const bad = badExtensionReason(ext);
  if (bad) return { ok: false, why: bad };
  return { ok: true, key: name.slice(0, dot), ext };
}

/** Strips the `./` prefixes tar tools add when archiving a folder. */
export function stripDotSlash(name: string): string {
  let stripped = name;
  while (stripped.startsWith('./')) stripped = stripped.slice(2);
  return stripped;
}

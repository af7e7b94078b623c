/**
 * The text the text.* operators judge: a pair's caption member (`txt`, `text`, `caption`), or
 * a document's paragraphs in reading order. Invalid UTF-8 is reported, never guessed at
 * (text.utf8 repairs it when a pipeline wants that).
 */
import { documentOf, documentText } from './document';
import { textPart, type Sample } from '../../core/ops/sample';

export type TextRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid_utf8'; readonly detail?: string };

const strict = new TextDecoder('utf-8', { fatal: true });

export function readText(sample: Sample): TextRead {
  const part = textPart(sample);
  if (part) {
    try {
      return { ok: true, text: strict.decode(part.bytes) };
    } catch {
      return { ok: false, reason: 'invalid_utf8', detail: part.ext };
    }
  }
  const doc = documentOf(sample);
  if (doc) return { ok: true, text: documentText(doc) };
  return { ok: false, reason: 'missing' };
}

/** Words: maximal runs of letters, marks and digits (Unicode), lower-cased. */
export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{M}\p{N}]+/gu) ?? [];
}

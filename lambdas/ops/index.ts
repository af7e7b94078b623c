/**
 * The built-in operators: a registry for the handlers (kind → declaration) and the `ops`
 * namespace the DSL exposes (`ops.image.size({ minSide: 150 })`).
 */
import { captionGenerate } from './caption-generate';
import { dedupExact } from './dedup-exact';
import { dedupPhash } from './dedup-phash';
import { docFilter } from './doc-filter';
import { docSplit } from './doc-split';
import { docTextDensity } from './doc-text-density';
import { imageDecode } from './image-decode';
import { imageResize } from './image-resize';
import { imageSize } from './image-size';
import { modelClassify } from './model-classify';
import type { OperatorRegistry } from './instantiate';
import type { OperatorDeclaration } from '../../core/ops/operator';
import { optout } from './optout';
import { textFlaggedWords } from './text-flagged-words';
import { textLength } from './text-length';
import { textRepetition } from './text-repetition';
import { textSpecialChars } from './text-special-chars';
import { textUtf8 } from './text-utf8';

export {
  captionGenerate,
  dedupExact,
  dedupPhash,
  docFilter,
  docSplit,
  docTextDensity,
  imageDecode,
  imageResize,
  imageSize,
  modelClassify,
  optout,
  textFlaggedWords,
  textLength,
  textRepetition,
  textSpecialChars,
  textUtf8,
};

export const ops = {
  image: { decode: imageDecode, size: imageSize, resize: imageResize },
  text: {
    length: textLength,
    utf8: textUtf8,
    repetition: textRepetition,
    specialChars: textSpecialChars,
    flaggedWords: textFlaggedWords,
  },
  optout,
  dedup: { exact: dedupExact, phash: dedupPhash },
  doc: { filter: docFilter, textDensity: docTextDensity, split: docSplit },
  model: { classify: modelClassify },
  caption: { generate: captionGenerate },
} as const;

export const BUILTIN_OPERATORS = {
  [imageDecode.kind]: imageDecode,
  [imageSize.kind]: imageSize,
  [imageResize.kind]: imageResize,
  [textLength.kind]: textLength,
  [textUtf8.kind]: textUtf8,
  [textRepetition.kind]: textRepetition,
  [textSpecialChars.kind]: textSpecialChars,
  [textFlaggedWords.kind]: textFlaggedWords,
  [optout.kind]: optout,
  [dedupExact.kind]: dedupExact,
  [dedupPhash.kind]: dedupPhash,
  [docFilter.kind]: docFilter,
  [docTextDensity.kind]: docTextDensity,
  [docSplit.kind]: docSplit,
  [modelClassify.kind]: modelClassify,
  [captionGenerate.kind]: captionGenerate,
} as const satisfies Readonly<Record<string, OperatorDeclaration>>;

export type BuiltinOperatorKind = keyof typeof BUILTIN_OPERATORS;

export type { OperatorRegistry };

/** kind → declaration; throws on two declarations of one kind (a registry must be unambiguous). */
export function registryFrom(decls: readonly OperatorDeclaration[]): OperatorRegistry {
  const registry = new Map<string, OperatorDeclaration>();
  for (const decl of decls) {
    if (registry.has(decl.kind)) throw new Error(`operator "${decl.kind}" is declared twice`);
    registry.set(decl.kind, decl);
  }
  return registry;
}

/** The registry of every built-in operator. */
export const builtinRegistry: OperatorRegistry = registryFrom(Object.values(BUILTIN_OPERATORS));

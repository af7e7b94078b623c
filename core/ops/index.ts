/**
 * The built-in operator declarations: the `ops` namespace pipelines use
 * (`ops.image.size({ minSide: 150 })`) and the declaration lists the compiler and Plan read.
 * Each declaration's implementation is the file of the same name in lambdas/ops, paired with it
 * there (lambdas/ops/index.ts); adding an operator is one declaration here plus that file.
 */
import type { OperatorDeclaration } from './operator';
import { runDedup } from '../dedup-spec';
import { captionGenerate } from './caption-generate';
import { dedupExact } from './dedup-exact';
import { dedupPhash } from './dedup-phash';
import { docFilter } from './doc-filter';
import { docSplit } from './doc-split';
import { docTextDensity } from './doc-text-density';
import { imageBlur } from './image-blur';
import { imageDecode } from './image-decode';
import { imageLowInformation } from './image-low-information';
import { imageResize } from './image-resize';
import { imageSize } from './image-size';
import { modelClassify } from './model-classify';
import { modelClipScore } from './model-clip-score';
import { optout } from './optout';
import { textFlaggedWords } from './text-flagged-words';
import { textLanguage } from './text-language';
import { textLength } from './text-length';
import { textRepetition } from './text-repetition';
import { textSpecialChars } from './text-special-chars';
import { textUtf8 } from './text-utf8';

export const ops = {
  image: {
    decode: imageDecode,
    size: imageSize,
    resize: imageResize,
    blur: imageBlur,
    lowInformation: imageLowInformation,
  },
  text: {
    length: textLength,
    language: textLanguage,
    utf8: textUtf8,
    repetition: textRepetition,
    specialChars: textSpecialChars,
    flaggedWords: textFlaggedWords,
  },
  optout,
  dedup: { exact: dedupExact, phash: dedupPhash },
  doc: { filter: docFilter, textDensity: docTextDensity, split: docSplit },
  model: { classify: modelClassify, clipScore: modelClipScore },
  caption: { generate: captionGenerate },
} as const;

/** The declarations in a namespace like `ops`, one or two levels deep. */
type Leaves<T> = {
  [K in keyof T]: T[K] extends OperatorDeclaration ? T[K] : T[K][keyof T[K]];
}[keyof T];

/** kind → declaration, typed by each declaration's literal kind. */
export type ByKind<D extends OperatorDeclaration> = { readonly [X in D as X['kind']]: X };

const declarationsIn = (namespace: object): OperatorDeclaration[] =>
  Object.values(namespace).flatMap((value: OperatorDeclaration | object) =>
    typeof value === 'function' ? [value as OperatorDeclaration] : declarationsIn(value),
  );

/** Every built-in declaration by kind, read from `ops`: the namespace is the one list. */
export const BUILTIN_DECLARATIONS = Object.fromEntries(
  declarationsIn(ops).map((declaration) => [declaration.kind, declaration]),
) as ByKind<Leaves<typeof ops>>;

/** What core declares: the built-in operators and the run-scoped `.dedup()` (no implementation). */
export const CORE_DECLARATIONS: readonly OperatorDeclaration[] = [
  ...Object.values(BUILTIN_DECLARATIONS),
  runDedup,
];

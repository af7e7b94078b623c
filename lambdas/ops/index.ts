/**
 * The Lambda bundle's operators: each built-in declaration (core/ops) paired with its
 * implementation, and the registry a shard handler builds from a pipeline's operators.
 */
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
import { BUILTIN_DECLARATIONS, type ByKind } from '../../core/ops/index';
import {
  declarationsByKind,
  isImplemented,
  type Operator,
  type OperatorDeclaration,
} from '../../core/ops/operator';
import type { OperatorRegistry as Registry } from '../../core/ops/validate-use';

export {
  captionGenerate,
  dedupExact,
  dedupPhash,
  docFilter,
  docSplit,
  docTextDensity,
  imageBlur,
  imageDecode,
  imageLowInformation,
  imageResize,
  imageSize,
  modelClassify,
  modelClipScore,
  optout,
  textFlaggedWords,
  textLanguage,
  textLength,
  textRepetition,
  textSpecialChars,
  textUtf8,
};

/** Every built-in implementation: one per declaration in core/ops (the type checker checks). */
const IMPLEMENTATIONS = [
  imageDecode,
  imageSize,
  imageResize,
  imageBlur,
  imageLowInformation,
  textLength,
  textLanguage,
  textUtf8,
  textRepetition,
  textSpecialChars,
  textFlaggedWords,
  optout,
  dedupExact,
  dedupPhash,
  docFilter,
  docTextDensity,
  docSplit,
  modelClassify,
  modelClipScore,
  captionGenerate,
] as const;

/** kind → implementation, keyed like BUILTIN_DECLARATIONS. */
export const BUILTIN_OPERATORS = Object.fromEntries(
  IMPLEMENTATIONS.map((operator) => [operator.kind, operator]),
) as ByKind<(typeof IMPLEMENTATIONS)[number]> satisfies {
  readonly [K in keyof typeof BUILTIN_DECLARATIONS]: Operator;
};

/** kind → operator a handler can create. */
export type OperatorRegistry = Registry<Operator>;

/**
 * kind → implemented operator for the given declarations: an operator defined with its
 * implementation is taken as it is, a built-in declaration gets its implementation from this
 * bundle. Throws on two different declarations of one kind. A declaration without an
 * implementation (dedup.run, compiled into stages of its own) is left out: a use of it in a
 * chain fails validation as an unknown operator.
 */
export function registryFrom(declarations: readonly OperatorDeclaration[]): OperatorRegistry {
  const byKind = declarationsByKind(declarations);
  const registry = new Map<string, Operator>();
  for (const declaration of byKind.values()) {
    const operator = implementationOf(declaration);
    if (operator) registry.set(declaration.kind, operator);
  }
  return registry;
}

function implementationOf(declaration: OperatorDeclaration): Operator | undefined {
  if (isImplemented(declaration)) return declaration;
  const builtin: Operator | undefined = (BUILTIN_OPERATORS as Record<string, Operator>)[
    declaration.kind
  ];
  return builtin?.declaration === declaration ? builtin : undefined;
}

/** The registry of every built-in operator. */
export const builtinRegistry: OperatorRegistry = registryFrom(Object.values(BUILTIN_OPERATORS));

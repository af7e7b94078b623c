/**
 * The built-in operators: a registry for the handlers (kind → declaration) and the `ops`
 * namespace the DSL exposes (`ops.image.size({ minSide: 150 })`).
 */
import { imageDecode } from './image-decode';
import { imageResize } from './image-resize';
import { imageSize } from './image-size';
import type { OperatorRegistry } from './instantiate';
import type { OperatorDeclaration } from './operator';
import { textLength } from './text-length';

export { imageDecode, imageResize, imageSize, textLength };

export const ops = {
  image: { decode: imageDecode, size: imageSize, resize: imageResize },
  text: { length: textLength },
} as const;

export const BUILTIN_OPERATORS = {
  [imageDecode.kind]: imageDecode,
  [imageSize.kind]: imageSize,
  [imageResize.kind]: imageResize,
  [textLength.kind]: textLength,
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

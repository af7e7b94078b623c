/**
 * A fast path for readImageHeader: the header of a plain JPEG read from its markers in JS.
 *
 * Why hand-written: sharp's metadata() costs ~0.5 ms CPU per call on the curate machine, about
 * half of it marshalling options on the main thread, and it is paid for every image. This
 * reader answers only for the common, unambiguous case (8-bit, 1 or 3 components, no EXIF, XMP,
 * IPTC, ICC or Adobe marker before the first scan); for anything else it returns undefined and
 * the caller asks sharp, so every unusual file (CMYK, rotated, damaged header …) still gets
 * sharp's answer. For the files it does answer, its answer is the one sharp gives.
 */

/** What readImageHeader needs from a plain JPEG; see ImageHeader. */
export interface PlainJpegHeader {
  readonly width: number;
  readonly height: number;
  /** 1 (greyscale) or 3 (YCbCr/RGB): 8-bit sRGB or 8-bit grey, as sharp reports them. */
  readonly components: number;
}

/** Start-of-frame markers of the DCT JPEGs libjpeg decodes (no lossless, no arithmetic). */
const SOF_DCT: ReadonlySet<number> = new Set([0xc0, 0xc1, 0xc2]);
/** libjpeg's JPEG_MAX_DIMENSION. */
const MAX_DIMENSION = 65_500;
/** Markers without a length field. */
const STANDALONE = (m: number): boolean => (m >= 0xd0 && m <= 0xd7) || m === 0x01;

/** The header of a plain JPEG, or undefined to let sharp decide. Never throws. */
export function readPlainJpegHeader(bytes: Uint8Array): PlainJpegHeader | undefined {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let frame: PlainJpegHeader | undefined;
  let at = 2;
  while (at + 4 <= n) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (STANDALONE(marker)) {
      at += 2;
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const body = at + 4;
    const end = at + 2 + length;
    if (length < 2 || end > n) return undefined;
    // First scan: everything that describes the picture came before it.
    if (marker === 0xda) return frame;
    // EOI, or a second frame, DNL, hierarchical or arithmetic coding: not the plain case.
    if (marker === 0xd9 || marker === 0xdc || marker === 0xde) return undefined;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc) {
      if (frame || !SOF_DCT.has(marker) || length < 8) return undefined;
      const precision = bytes[body]!;
      const height = (bytes[body + 1]! << 8) | bytes[body + 2]!;
      const width = (bytes[body + 3]! << 8) | bytes[body + 4]!;
      const components = bytes[body + 5]!;
      if (precision !== 8 || width === 0 || height === 0) return undefined;
      if (components !== 1 && components !== 3) return undefined;
      if (length !== 8 + 3 * components) return undefined;
      // What libjpeg checks when it reaches the scan (jdinput.c initial_setup): an error there
      // is sharp's answer too, so leave it to sharp.
      if (width > MAX_DIMENSION || height > MAX_DIMENSION) return undefined;
      for (let c = 0; c < components; c++) {
        const sampling = bytes[body + 7 + 3 * c]!;
        const h = sampling >> 4;
        const v = sampling & 0x0f;
        if (h < 1 || h > 4 || v < 1 || v > 4) return undefined;
      }
      frame = { width, height, components };
    } else if (marker === 0xe1 || marker === 0xe2 || marker === 0xed || marker === 0xee) {
      // APP1 (EXIF, XMP), APP2 (ICC), APP13 (IPTC), APP14 (Adobe colour transform): metadata
      // or colour facts that sharp interprets; leave such files to it.
      return undefined;
    }
    at = end;
  }
  return undefined;
}

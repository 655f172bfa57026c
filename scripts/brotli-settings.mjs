// The brotli settings of the copies the server sends (`<file>.br`): precompress.mjs writes them with these, and
// scripts/device-recall.ts measures what a device downloads with the same ones, so its KB are the wire's.
import { constants } from 'node:zlib';

/** Quality for a model version's own files (once per version, read by every device). */
export const FILE_QUALITY = 11;
/** Quality for a big catalogue's parts (lib/recs/parts.ts): a thousand small files, 11 took minutes at ×30. */
export const PARTS_QUALITY = 9;

/**
 * zlib's brotli parameters at `quality` for `size` bytes. The window is brotli's largest standard one (2^24 bytes,
 * RFC 7932; every browser decodes it): on the 14 MB runtime it finds repeats 4 MB apart, 54 KB less on the wire.
 */
export const brotliParams = (quality, size) => ({ [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_LGWIN]: 24, [constants.BROTLI_PARAM_SIZE_HINT]: size });

/**
 * Where a shelf's list came from, in the order the chain tries them: the shelf DOM's `data-source`, the
 * events' `source`, the worker's answer. Defined once (ARCHITECTURE.md's shelf contract).
 */
export const SHELF_SOURCES = ['device-webgpu', 'device-wasm', 'edge', 'static'] as const;
export type ShelfSource = (typeof SHELF_SOURCES)[number];
/** The sources the worker answers with. */
export type DeviceSource = Extract<ShelfSource, `device-${string}`>;

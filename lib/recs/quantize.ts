/** int8 with one scale per row: value ≈ q × scale, scale = max |row| / 127. */
export function quantizeRows(values: Float32Array, rows: number, dim: number): { q: Int8Array; scales: Float32Array } {
  const q = new Int8Array(rows * dim);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let k = 0; k < dim; k++) max = Math.max(max, Math.abs(values[r * dim + k]!));
    const scale = max > 0 ? max / 127 : 1;
    scales[r] = scale;
    for (let k = 0; k < dim; k++) q[r * dim + k] = Math.max(-127, Math.min(127, Math.round(values[r * dim + k]! / scale)));
  }
  return { q, scales };
}

export function dequantizeRows(q: Int8Array, scales: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) out[i] = q[i]! * scales[Math.floor(i / dim)]!;
  return out;
}

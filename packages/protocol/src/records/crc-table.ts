/**
 * Table-driven reflected CRC-32 (slicing-by-8), shared by CRC-32C (record batches v2) and
 * CRC-32 (legacy message sets v0/v1). Eight 256-entry tables let the loop consume 8 bytes per step.
 */
export type CrcFunction = (data: Uint8Array, start?: number, end?: number) => number;

export function makeCrc(reflectedPolynomial: number): CrcFunction {
  const tables = new Int32Array(256 * 8);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ reflectedPolynomial : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n];
    for (let t = 1; t < 8; t++) {
      c = tables[c & 0xff] ^ (c >>> 8);
      tables[t * 256 + n] = c;
    }
  }
  const t0 = tables.subarray(0, 256);
  const t1 = tables.subarray(256, 512);
  const t2 = tables.subarray(512, 768);
  const t3 = tables.subarray(768, 1024);
  const t4 = tables.subarray(1024, 1280);
  const t5 = tables.subarray(1280, 1536);
  const t6 = tables.subarray(1536, 1792);
  const t7 = tables.subarray(1792, 2048);

  return (data, start = 0, end = data.length) => {
    let crc = -1;
    let i = start;
    const fastEnd = end - ((end - i) & 7);
    while (i < fastEnd) {
      const a = crc ^ (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24));
      crc =
        t7[a & 0xff] ^
        t6[(a >>> 8) & 0xff] ^
        t5[(a >>> 16) & 0xff] ^
        t4[a >>> 24] ^
        t3[data[i + 4]] ^
        t2[data[i + 5]] ^
        t1[data[i + 6]] ^
        t0[data[i + 7]];
      i += 8;
    }
    while (i < end) crc = t0[(crc ^ data[i++]) & 0xff] ^ (crc >>> 8);
    return (crc ^ -1) >>> 0;
  };
}

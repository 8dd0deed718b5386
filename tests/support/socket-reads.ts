// Byte streams as a socket delivers them, for the raw clients' parser tests: cut anywhere, every read landing in the
// same buffer (as with `onread`), overwritten by the next.

/** `buf` cut at each of `cuts` (taken modulo its length, duplicates dropped): the reads, in order. */
export function splitAt(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    out.push(buf.subarray(last, p));
    last = p;
  }
  out.push(buf.subarray(last));
  return out;
}

/** Hands each read to `push` in one reused buffer, scribbled over after each call: a parser must copy what it keeps. */
export function pushAsReads(reads: readonly Buffer[], push: (read: Buffer) => void): void {
  const scratch = Buffer.alloc(Math.max(1, ...reads.map((r) => r.length)));
  for (const r of reads) {
    push(scratch.subarray(0, r.copy(scratch)));
    scratch.fill(0x2a);
  }
}

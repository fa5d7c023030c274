// Seeded pseudo-random numbers for the lab: every draw is a pure function of (seed, labels), so the same
// scenario gives the same population and the same borrower decisions in both variants and every run.

/** 32-bit FNV-1a hash of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32 step: a uniform number in [0, 1) from a 32-bit state. */
function mulberry32(a: number): number {
  let t = (a + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Uniform in [0, 1), determined by the seed and the labels. */
export function draw(seed: number, ...labels: (string | number)[]): number {
  return mulberry32(fnv1a(`${seed}|${labels.join("|")}`));
}

/** Uniform in [min, max]. */
export function uniform(seed: number, min: number, max: number, ...labels: (string | number)[]): number {
  return min + (max - min) * draw(seed, ...labels);
}

/** Integer uniform in [min, max]. */
export function uniformInt(seed: number, min: number, max: number, ...labels: (string | number)[]): number {
  return Math.min(max, min + Math.floor((max - min + 1) * draw(seed, ...labels)));
}

/** Log-uniform in [min, max]. */
export function logUniform(seed: number, min: number, max: number, ...labels: (string | number)[]): number {
  return Math.exp(uniform(seed, Math.log(min), Math.log(max), ...labels));
}

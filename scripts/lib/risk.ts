// Risk-report maths: correlated log-normal price shocks, bad-debt and shortfall simulation over a
// book of vaults, quantiles (VaR / expected shortfall), histograms and the float mirror of the
// engine's haircut maths. Pure TypeScript on numbers and typed arrays: no Hardhat or ethers imports,
// so it loads anywhere (the task in tasks/actions/risk.ts reads the chain and calls into it).
//
// Values are converted once from the chain's exact bigints to floating point (USD), then everything
// here is floating point.

/** Bad input to the risk maths (a correlation matrix that is not positive-definite, ...). */
export class RiskInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RiskInputError";
  }
}

// ------------------------------------------------------------------ random numbers

/** splitmix32 step, used only to expand a seed into the generator's 128-bit state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Seeded uniform generator in [0, 1) with 53 random bits (sfc32, a small chaotic counter-based
 * generator with 128 bits of state). The same seed always gives the same sequence.
 */
export function createRng(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RiskInputError(`seed ${seed} is not an integer`);
  const init = { s: (seed % 0x100000000) ^ Math.floor(seed / 0x100000000) };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  const next32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next32(); // mix the state
  return () => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
}

/** Standard normal draws from `rng` (Box-Muller, both variates used). */
export function createNormal(rng: () => number): () => number {
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const z = spare;
      spare = undefined;
      return z;
    }
    const u = 1 - rng(); // (0, 1]: log(u) is finite
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * rng();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

// ------------------------------------------------------------------ correlation

/** The k x k matrix with 1 on the diagonal and `c` everywhere else. */
export function equicorrelation(k: number, c: number): number[][] {
  return Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : c)));
}

/**
 * Lower-triangular L with L L^T = `matrix` (Cholesky). Throws RiskInputError naming the leading minor
 * that fails when the matrix is not symmetric positive-definite.
 */
export function cholesky(matrix: number[][]): number[][] {
  const n = matrix.length;
  for (const row of matrix) {
    if (row.length !== n) throw new RiskInputError(`matrix is not square (${n} rows, a row of ${row.length})`);
  }
  const L = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    let diag = matrix[j][j];
    for (let k = 0; k < j; k++) diag -= L[j][k] * L[j][k];
    if (!(diag > 1e-12)) {
      throw new RiskInputError(
        `matrix is not positive-definite (Cholesky pivot ${j + 1} is ${diag.toPrecision(4)}; ` +
          `the leading ${j + 1}x${j + 1} block is singular or indefinite)`,
      );
    }
    L[j][j] = Math.sqrt(diag);
    for (let i = j + 1; i < n; i++) {
      let s = matrix[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / L[j][j];
    }
  }
  return L;
}

/**
 * Checks a correlation matrix (square, finite, unit diagonal, symmetric, off-diagonal in (-1, 1),
 * positive-definite) and returns its Cholesky factor. `names` label the rows in error messages.
 */
export function checkCorrelation(matrix: number[][], names: string[]): number[][] {
  const n = names.length;
  if (!Array.isArray(matrix) || matrix.length !== n) {
    throw new RiskInputError(`matrix must have ${n} rows (${names.join(", ")}), has ${matrix?.length}`);
  }
  for (let i = 0; i < n; i++) {
    const row = matrix[i];
    if (!Array.isArray(row) || row.length !== n) {
      throw new RiskInputError(`row ${names[i]} must have ${n} entries`);
    }
    for (let j = 0; j < n; j++) {
      const v = row[j];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new RiskInputError(`entry ${names[i]}/${names[j]} is not a number`);
      }
      if (i === j && Math.abs(v - 1) > 1e-12) throw new RiskInputError(`diagonal entry ${names[i]} must be 1, is ${v}`);
      if (i !== j && !(v > -1 && v < 1)) {
        throw new RiskInputError(`entry ${names[i]}/${names[j]} = ${v} is outside (-1, 1)`);
      }
      if (i !== j && Math.abs(v - matrix[j][i]) > 1e-12) {
        throw new RiskInputError(`matrix is not symmetric (${names[i]}/${names[j]} != ${names[j]}/${names[i]})`);
      }
    }
  }
  return cholesky(matrix);
}

// ------------------------------------------------------------------ shocks

export interface ShockOptions {
  paths: number;
  seed: number;
  /** Annualised volatility of each asset's log price. */
  vols: number[];
  /** Cholesky factor of the assets' correlation matrix. */
  chol: number[][];
  /** Horizon [years]. */
  horizonYears: number;
}

/**
 * Price multipliers after the horizon, one Float64Array of `paths` entries per asset:
 * m_i = exp(sigma_i sqrt(T) z_i - sigma_i^2 T / 2) with z = L e and e independent standard normals,
 * i.e. correlated log-normal moves with zero drift in the price's expectation (E[m_i] = 1).
 * Deterministic for a seed: draws are taken path by path, asset by asset.
 */
export function correlatedShocks(o: ShockOptions): Float64Array[] {
  const k = o.vols.length;
  if (o.chol.length !== k) throw new RiskInputError(`${k} volatilities for a ${o.chol.length}x${o.chol.length} matrix`);
  const normal = createNormal(createRng(o.seed));
  const out = Array.from({ length: k }, () => new Float64Array(o.paths));
  const sd = o.vols.map((v) => v * Math.sqrt(o.horizonYears));
  const drift = sd.map((s) => -0.5 * s * s);
  const e = new Float64Array(k);
  for (let p = 0; p < o.paths; p++) {
    for (let i = 0; i < k; i++) e[i] = normal();
    for (let i = 0; i < k; i++) {
      const row = o.chol[i];
      let z = 0;
      for (let j = 0; j <= i; j++) z += row[j] * e[j];
      out[i][p] = Math.exp(drift[i] + sd[i] * z);
    }
  }
  return out;
}

/** Pearson correlation of two equally long samples. */
export function sampleCorrelation(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

// ------------------------------------------------------------------ quantiles

export interface TailRisk {
  /** Probability level, e.g. 0.99. */
  level: number;
  /** Value at risk: the level-quantile of the losses. */
  var: number;
  /** Expected shortfall: the mean of the losses at or beyond the VaR in sorted order. */
  es: number;
}

/** Losses sorted ascending (a copy). */
export function sortLosses(losses: ArrayLike<number>): Float64Array {
  return Float64Array.from(losses).sort();
}

/**
 * 1-based rank of the level-quantile among n sorted values: the smallest k with k / n >= level,
 * i.e. ceil(level * n) (with a tolerance, so 0.95 * 100 is rank 95, not 96).
 */
export function quantileRank(n: number, level: number): number {
  if (!(level > 0 && level < 1)) throw new RiskInputError(`level ${level} is outside (0, 1)`);
  if (n < 1) throw new RiskInputError("no losses");
  return Math.min(n, Math.max(1, Math.ceil(level * n - 1e-9)));
}

/**
 * VaR and ES at `level` from ascending `sorted` losses: VaR = L(k) with k = ceil(level * n) (the
 * empirical quantile: the smallest loss whose empirical CDF reaches the level), ES = mean of
 * L(k), ..., L(n) (so ES >= VaR always).
 */
export function tailRisk(sorted: Float64Array, level: number): TailRisk {
  const k = quantileRank(sorted.length, level);
  let sum = 0;
  for (let i = k - 1; i < sorted.length; i++) sum += sorted[i];
  return { level, var: sorted[k - 1], es: sum / (sorted.length - k + 1) };
}

/** The level-quantile of unsorted values (same rank rule as tailRisk). */
export function quantile(values: ArrayLike<number>, level: number): number {
  const sorted = sortLosses(values);
  return sorted[quantileRank(sorted.length, level) - 1];
}

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length === 0 ? 0 : s / values.length;
}

// ------------------------------------------------------------------ histograms

export interface Bucket {
  /** Inclusive lower edge (null: unbounded). */
  min: number | null;
  /** Exclusive upper edge (null: unbounded). */
  max: number | null;
  count: number;
  weight: number;
}

/**
 * Histogram over ascending `edges`: buckets (-inf, e0), [e0, e1), ..., [e_last, +inf). Each value
 * counts once and adds its weight (default 1) to its bucket. NaN values are skipped.
 */
export function histogram(values: ArrayLike<number>, edges: number[], weights?: ArrayLike<number>): Bucket[] {
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) throw new RiskInputError("histogram edges must be strictly ascending");
  }
  const buckets: Bucket[] = [];
  for (let i = 0; i <= edges.length; i++) {
    buckets.push({
      min: i === 0 ? null : edges[i - 1],
      max: i === edges.length ? null : edges[i],
      count: 0,
      weight: 0,
    });
  }
  for (let v = 0; v < values.length; v++) {
    const x = values[v];
    if (Number.isNaN(x)) continue;
    let i = 0;
    while (i < edges.length && x >= edges[i]) i++;
    buckets[i].count += 1;
    buckets[i].weight += weights === undefined ? 1 : weights[v];
  }
  return buckets;
}

// ------------------------------------------------------------------ haircut maths (float mirror of RiskMath)

/** How one collateral's maintenance value follows its market value (float mirror of the engine). */
export interface HaircutCurve {
  /** Base maintenance haircut plus the volatility add-on [fraction]. */
  flat: number;
  /** Size add-on per unit of value / depth. */
  sizeMultiplier: number;
  /** Cap on the size add-on [fraction]. */
  sizeCap: number;
  /** Market depth [USD]. */
  depth: number;
}

/**
 * Effective value after haircut, as RiskMath.effectiveValueDown without rounding:
 * value (1 - flat) - m value^2 / depth below the size cap, value (1 - flat - cap) at or above it.
 */
export function effectiveValue(value: number, c: HaircutCurve): number {
  const kept = 1 - c.flat;
  if (c.sizeMultiplier === 0) return value * kept;
  if (c.sizeMultiplier * value >= c.sizeCap * c.depth) return value * (kept - c.sizeCap);
  return value * kept - (c.sizeMultiplier * value * value) / c.depth;
}

/** Smallest value whose effective value reaches `target` (inverse of effectiveValue); +inf if none. */
export function valueForEffectiveValue(target: number, c: HaircutCurve): number {
  if (target <= 0) return 0;
  const kept = 1 - c.flat;
  if (c.sizeMultiplier === 0) return kept > 0 ? target / kept : Infinity;
  const capPoint = (c.sizeCap * c.depth) / c.sizeMultiplier;
  if (target >= capPoint * (kept - c.sizeCap)) return kept - c.sizeCap > 0 ? target / (kept - c.sizeCap) : Infinity;
  const a = c.sizeMultiplier / c.depth;
  const disc = kept * kept - 4 * a * target;
  return (2 * target) / (kept + Math.sqrt(Math.max(0, disc)));
}

// ------------------------------------------------------------------ the book and the simulation

/** One collateral position of a vault, in floating point. */
export interface BookPosition {
  /** Index into the simulated assets (the shock arrays). */
  asset: number;
  /** Market value now [USD]. */
  value: number;
  curve: HaircutCurve;
}

/** One vault with debt, in floating point. */
export interface BookVault {
  id: number;
  /** Debt value [USD] at the base asset's (fixed) oracle price. */
  debtValue: number;
  positions: BookPosition[];
}

export interface SimulationOptions {
  /**
   * Fraction of the shocked market value lost when the collateral is sold (e.g. the auction discount
   * or liquidation penalty); 0 = bad debt against the full market value after the shock.
   */
  saleDiscount: number;
}

export interface SimulationResult {
  /** Bad debt per path [USD]: sum over vaults of max(0, debt - (1 - discount) x shocked collateral value). */
  badDebt: Float64Array;
  /** Vaults below HF 1 under the maintenance haircuts per path. */
  shortfallVaults: Float64Array;
  /** Debt of those vaults per path [USD]. */
  shortfallDebt: Float64Array;
}

/**
 * Bad debt and maintenance shortfall of every path. Vault by vault over all paths (typed arrays,
 * sequential access), O(paths x positions). Each position's haircut curve is re-evaluated at the
 * shocked value, so the size add-on follows the shocked value; the volatility add-on stays at its
 * on-chain value over the horizon.
 */
export function simulateBook(book: BookVault[], shocks: Float64Array[], o: SimulationOptions): SimulationResult {
  const paths = shocks.length === 0 ? 0 : shocks[0].length;
  const badDebt = new Float64Array(paths);
  const shortfallVaults = new Float64Array(paths);
  const shortfallDebt = new Float64Array(paths);
  const recovery = 1 - o.saleDiscount;
  const collateral = new Float64Array(paths);
  const maintenance = new Float64Array(paths);
  for (const v of book) {
    if (!(v.debtValue > 0)) continue;
    collateral.fill(0);
    maintenance.fill(0);
    for (const pos of v.positions) {
      const m = shocks[pos.asset];
      const value = pos.value;
      const c = pos.curve;
      const kept = 1 - c.flat;
      if (c.sizeMultiplier === 0) {
        const keptValue = kept * value;
        for (let p = 0; p < paths; p++) {
          const x = m[p];
          collateral[p] += value * x;
          maintenance[p] += keptValue * x;
        }
      } else {
        const capValue = (c.sizeCap * c.depth) / c.sizeMultiplier;
        const capped = kept - c.sizeCap;
        const quad = c.sizeMultiplier / c.depth;
        for (let p = 0; p < paths; p++) {
          const x = value * m[p];
          collateral[p] += x;
          maintenance[p] += x >= capValue ? x * capped : x * kept - quad * x * x;
        }
      }
    }
    const debt = v.debtValue;
    for (let p = 0; p < paths; p++) {
      const loss = debt - recovery * collateral[p];
      if (loss > 0) badDebt[p] += loss;
      if (maintenance[p] < debt) {
        shortfallVaults[p] += 1;
        shortfallDebt[p] += debt;
      }
    }
  }
  return { badDebt, shortfallVaults, shortfallDebt };
}

/**
 * Price move of a vault's `main` position, others fixed, that brings its HF to 1 under the maintenance
 * haircuts, as the liquidation price divided by the current price. 0 or below: already below HF 1
 * (ratio >= 1); null: no price of that asset alone makes the vault unhealthy (the other collateral
 * covers the debt).
 */
export function liquidationRatio(v: BookVault, main: number): number | null {
  const pos = v.positions[main];
  if (!(pos.value > 0) || !(v.debtValue > 0)) return null;
  let others = 0;
  for (let i = 0; i < v.positions.length; i++) {
    if (i !== main) others += effectiveValue(v.positions[i].value, v.positions[i].curve);
  }
  const needed = v.debtValue - others;
  if (needed <= 0) return null;
  const value = valueForEffectiveValue(needed, pos.curve);
  return Number.isFinite(value) ? value / pos.value : Infinity;
}

/** Index of the position with the largest market value (the vault's main collateral); -1 if none. */
export function mainPosition(v: BookVault): number {
  let best = -1;
  for (let i = 0; i < v.positions.length; i++) {
    if (best < 0 || v.positions[i].value > v.positions[best].value) best = i;
  }
  return best;
}

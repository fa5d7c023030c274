// Unit tests of the risk-report maths (scripts/lib/risk.ts): no chain.
import { expect } from "chai";
import {
  checkCorrelation,
  cholesky,
  correlatedShocks,
  createNormal,
  createRng,
  effectiveValue,
  equicorrelation,
  histogram,
  liquidationRatio,
  mean,
  quantile,
  quantileRank,
  RiskInputError,
  sampleCorrelation,
  simulateBook,
  sortLosses,
  tailRisk,
  valueForEffectiveValue,
  type BookVault,
  type HaircutCurve,
} from "../../scripts/lib/risk.js";

/** |actual - expected| <= tolerance (chai's closeTo is taken over by the bigint matchers when Hardhat's plugins load). */
function expectNear(actual: number, expected: number, tolerance: number) {
  expect(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`).to.equal(
    true,
  );
}

const FLAT: HaircutCurve = { flat: 0.15, sizeMultiplier: 0, sizeCap: 0, depth: 1 };

function expectThrows(fn: () => unknown, pattern: RegExp) {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected an error matching ${pattern}`).to.be.instanceOf(RiskInputError);
  expect((error as Error).message).to.match(pattern);
}

describe("risk maths", function () {
  describe("random numbers", function () {
    it("are deterministic for a seed and differ between seeds", function () {
      const a = createRng(42);
      const b = createRng(42);
      const c = createRng(43);
      const xs = Array.from({ length: 5 }, () => a());
      expect(Array.from({ length: 5 }, () => b())).to.deep.equal(xs);
      expect(Array.from({ length: 5 }, () => c())).to.not.deep.equal(xs);
      for (const x of xs) expect(x >= 0 && x < 1).to.equal(true);
    });

    it("give uniforms with mean 1/2 and normals with mean 0, variance 1", function () {
      const rng = createRng(7);
      const u = Float64Array.from({ length: 200_000 }, () => rng());
      expectNear(mean(u), 0.5, 0.005);
      const normal = createNormal(createRng(8));
      const z = Float64Array.from({ length: 200_000 }, () => normal());
      const m = mean(z);
      expectNear(m, 0, 0.01);
      expectNear(mean(z.map((x) => (x - m) * (x - m))), 1, 0.015);
      // About 2.5% beyond 1.96 on each side.
      expectNear(z.filter((x) => x > 1.96).length / z.length, 0.025, 0.002);
    });
  });

  describe("Cholesky", function () {
    it("factors a known matrix exactly", function () {
      // [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L L^T with L = [[2,0,0],[6,1,0],[-8,5,3]].
      const L = cholesky([
        [4, 12, -16],
        [12, 37, -43],
        [-16, -43, 98],
      ]);
      expect(L).to.deep.equal([
        [2, 0, 0],
        [6, 1, 0],
        [-8, 5, 3],
      ]);
    });

    it("of a 2x2 correlation matrix is [[1, 0], [rho, sqrt(1 - rho^2)]]", function () {
      const L = cholesky(equicorrelation(2, 0.6));
      expect(L[1][0]).to.equal(0.6);
      expectNear(L[1][1], 0.8, 1e-15);
    });

    it("rejects a matrix that is not positive-definite, naming the pivot", function () {
      // Equicorrelation -0.6 with 3 assets: below -1/2, indefinite.
      expectThrows(() => cholesky(equicorrelation(3, -0.6)), /not positive-definite \(Cholesky pivot 3/);
      expectThrows(
        () =>
          checkCorrelation(
            [
              [1, 0.9, -0.9],
              [0.9, 1, 0.9],
              [-0.9, 0.9, 1],
            ],
            ["A", "B", "C"],
          ),
        /not positive-definite/,
      );
    });

    it("checkCorrelation rejects bad shapes, diagonals, asymmetry and entries outside (-1, 1)", function () {
      expectThrows(() => checkCorrelation([[1]], ["A", "B"]), /must have 2 rows/);
      expectThrows(() => checkCorrelation([[1, 0.5], [0.5]], ["A", "B"]), /row B must have 2 entries/);
      expectThrows(
        () =>
          checkCorrelation(
            [
              [1, 0.5],
              [0.4, 1],
            ],
            ["A", "B"],
          ),
        /not symmetric \(A\/B/,
      );
      expectThrows(
        () =>
          checkCorrelation(
            [
              [0.9, 0.5],
              [0.5, 1],
            ],
            ["A", "B"],
          ),
        /diagonal entry A must be 1/,
      );
      expectThrows(
        () =>
          checkCorrelation(
            [
              [1, 1],
              [1, 1],
            ],
            ["A", "B"],
          ),
        /A\/B = 1 is outside \(-1, 1\)/,
      );
    });
  });

  describe("correlated shocks", function () {
    const matrix = [
      [1, 0.8, 0.3],
      [0.8, 1, -0.2],
      [0.3, -0.2, 1],
    ];
    const vols = [0.8, 0.6, 1.0];

    it("have the target correlation, volatility and E[m] = 1 for a large sample", function () {
      const shocks = correlatedShocks({ paths: 100_000, seed: 3, vols, chol: cholesky(matrix), horizonYears: 1 / 365 });
      const logs = shocks.map((m) => m.map(Math.log));
      for (let i = 0; i < 3; i++) {
        for (let j = i + 1; j < 3; j++) expectNear(sampleCorrelation(logs[i], logs[j]), matrix[i][j], 0.01);
        const mu = mean(logs[i]);
        const sd = Math.sqrt(mean(logs[i].map((x) => (x - mu) * (x - mu))));
        expectNear(sd / (vols[i] * Math.sqrt(1 / 365)), 1, 0.01);
        expectNear(mean(shocks[i]), 1, 0.001);
      }
    });

    it("are the same for the same seed and different for another", function () {
      const o = { paths: 1000, vols, chol: cholesky(matrix), horizonYears: 0.1 };
      const a = correlatedShocks({ ...o, seed: 9 });
      const b = correlatedShocks({ ...o, seed: 9 });
      const c = correlatedShocks({ ...o, seed: 10 });
      expect(a.map((x) => Array.from(x))).to.deep.equal(b.map((x) => Array.from(x)));
      expect(Array.from(a[0])).to.not.deep.equal(Array.from(c[0]));
    });
  });

  describe("quantiles", function () {
    const uniform = Float64Array.from({ length: 100 }, (_, i) => 100 - i); // 100, 99, ..., 1 (unsorted)

    it("VaR and ES of the losses 1..100 are exact", function () {
      const sorted = sortLosses(uniform);
      expect(quantileRank(100, 0.95)).to.equal(95); // 0.95 * 100 is 95.00000000000001 in floating point
      expect(tailRisk(sorted, 0.95)).to.deep.equal({ level: 0.95, var: 95, es: (95 + 96 + 97 + 98 + 99 + 100) / 6 });
      expect(tailRisk(sorted, 0.99)).to.deep.equal({ level: 0.99, var: 99, es: 99.5 });
      expect(quantile(uniform, 0.5)).to.equal(50);
    });

    it("a hand-built loss vector: mostly zero, a fat tail", function () {
      // 1,000 paths: 980 without loss, then 10 x 5, 5 x 50, 5 x 500.
      const losses = new Float64Array(1000);
      losses.fill(5, 0, 10);
      losses.fill(50, 10, 15);
      losses.fill(500, 15, 20);
      const sorted = sortLosses(losses);
      expect(tailRisk(sorted, 0.95)).to.deep.equal({
        level: 0.95,
        var: 0,
        es: (31 * 0 + 10 * 5 + 5 * 50 + 5 * 500) / 51,
      });
      const t99 = tailRisk(sorted, 0.99);
      expect(t99.var).to.equal(5); // rank 990: the 10th of the 5s
      expect(t99.es).to.equal((5 + 5 * 50 + 5 * 500) / 11);
      expect(t99.es >= t99.var).to.equal(true);
    });

    it("rejects levels outside (0, 1)", function () {
      expectThrows(() => tailRisk(sortLosses([1, 2]), 1), /outside \(0, 1\)/);
    });
  });

  describe("histogram", function () {
    it("counts and weights values into [edge, next edge) buckets", function () {
      const h = histogram([-1, 0, 0.04, 0.05, 0.2, 7, NaN], [0, 0.05, 0.1], [1, 2, 3, 4, 5, 6, 100]);
      expect(h).to.deep.equal([
        { min: null, max: 0, count: 1, weight: 1 },
        { min: 0, max: 0.05, count: 2, weight: 5 },
        { min: 0.05, max: 0.1, count: 1, weight: 4 },
        { min: 0.1, max: null, count: 2, weight: 11 },
      ]);
      expect(() => histogram([1], [1, 1])).to.throw(/strictly ascending/);
    });
  });

  describe("haircut curve and liquidation price", function () {
    const sized: HaircutCurve = { flat: 0.15, sizeMultiplier: 0.5, sizeCap: 0.1, depth: 1_000_000 };

    it("effectiveValue mirrors the engine: quadratic below the size cap, linear from it", function () {
      expectNear(effectiveValue(1000, FLAT), 850, 1e-9);
      // Below the cap (0.5 x 100,000 / 1,000,000 = 5% add-on): 100,000 x 0.85 - 0.5 x 1e10 / 1e6.
      expectNear(effectiveValue(100_000, sized), 80_000, 1e-6);
      // At and above the cap point 200,000: value x (0.85 - 0.1).
      expectNear(effectiveValue(400_000, sized), 300_000, 1e-6);
    });

    it("valueForEffectiveValue inverts it on both branches", function () {
      for (const v of [1, 5_000, 100_000, 199_999, 200_000, 3_000_000]) {
        expectNear(valueForEffectiveValue(effectiveValue(v, sized), sized) / v, 1, 1e-9);
        expectNear(valueForEffectiveValue(effectiveValue(v, FLAT), FLAT) / v, 1, 1e-12);
      }
    });

    it("liquidationRatio: the price fall of the main collateral that brings HF to 1", function () {
      // 10,000 of collateral at 15% haircut, 6,800 debt: HF 1 at value 8,000, i.e. a 20% fall.
      const v: BookVault = { id: 1, debtValue: 6800, positions: [{ asset: 0, value: 10_000, curve: FLAT }] };
      expectNear(liquidationRatio(v, 0)!, 0.8, 1e-12);
      // A second collateral worth 8,500 after haircut covers the debt alone: no liquidation price.
      const covered: BookVault = { ...v, positions: [...v.positions, { asset: 1, value: 10_000, curve: FLAT }] };
      expect(liquidationRatio(covered, 0)).to.equal(null);
    });
  });

  describe("simulateBook", function () {
    it("bad debt = sum of max(0, debt - shocked collateral), shortfall under maintenance haircuts", function () {
      const book: BookVault[] = [
        // Collateral 10,000 + 5,000, debt 12,000.
        {
          id: 1,
          debtValue: 12_000,
          positions: [
            { asset: 0, value: 10_000, curve: FLAT },
            { asset: 1, value: 5_000, curve: FLAT },
          ],
        },
        { id: 2, debtValue: 1_000, positions: [{ asset: 1, value: 10_000, curve: FLAT }] },
        { id: 3, debtValue: 0, positions: [{ asset: 0, value: 1, curve: FLAT }] },
      ];
      // Three paths: unchanged; asset 0 -50%; both -60%.
      const shocks = [Float64Array.from([1, 0.5, 0.4]), Float64Array.from([1, 1, 0.4])];
      const r = simulateBook(book, shocks, { saleDiscount: 0 });
      expect(Array.from(r.badDebt)).to.deep.equal([0, 2_000, 6_000]);
      // Vault 1's maintenance value: 12,750, 8,500, 5,100 vs 12,000; vault 2: 8,500 or 3,400 vs 1,000.
      expect(Array.from(r.shortfallVaults)).to.deep.equal([0, 1, 1]);
      expect(Array.from(r.shortfallDebt)).to.deep.equal([0, 12_000, 12_000]);
      const discounted = simulateBook(book, shocks, { saleDiscount: 0.1 });
      expect(discounted.badDebt[0]).to.equal(0); // 13,500 still covers 12,000
      expectNear(discounted.badDebt[1], 12_000 - 0.9 * 10_000, 1e-9);
    });

    it("runs 10,000 paths x 1,000 vaults x 3 assets in seconds", function () {
      const rng = createRng(5);
      const curve: HaircutCurve = { flat: 0.2, sizeMultiplier: 0.5, sizeCap: 0.1, depth: 50_000_000 };
      const book: BookVault[] = Array.from({ length: 1000 }, (_, id) => ({
        id,
        debtValue: 5_000 + 10_000 * rng(),
        positions: [0, 1, 2].map((asset) => ({ asset, value: 5_000 * (0.5 + rng()), curve })),
      }));
      const started = Date.now();
      const shocks = correlatedShocks({
        paths: 10_000,
        seed: 1,
        vols: [0.8, 0.6, 1],
        chol: cholesky(equicorrelation(3, 0.7)),
        horizonYears: 1 / 365,
      });
      const r = simulateBook(book, shocks, { saleDiscount: 0 });
      const elapsed = Date.now() - started;
      expect(r.badDebt.length).to.equal(10_000);
      expect(elapsed).to.be.below(5_000);
    });
  });
});

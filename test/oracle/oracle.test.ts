import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const WAD = 10n ** 18n;
const HOUR = 3600;
const DAY = 86400;
const RISK_MANAGER = 1n;

/** Mirrors `OracleFailure` in IBreakwaterOracle.sol. */
const Failure = {
  None: 0n,
  NoFeed: 1n,
  CallFailed: 2n,
  NonPositive: 3n,
  Stale: 4n,
  OutOfBounds: 5n,
  SequencerDown: 6n,
  SequencerGracePeriod: 7n,
  Deviation: 8n,
} as const;

const ASSET = ethers.getAddress("0x" + "a5".repeat(20));
const ASSET2 = ethers.getAddress("0x" + "b6".repeat(20));
const UNKNOWN = ethers.getAddress("0x" + "c7".repeat(20));

/** Mirrors `BreakwaterOracle.decayWeight`: lambda^(dt / 1 h), whole intervals by squaring (36
 * decimals), the rest of an interval to first order, rounded down to wad. */
function decayWeight(lambda: bigint, dt: bigint): bigint {
  const interval = BigInt(HOUR);
  const one36 = 10n ** 36n;
  let n = dt / interval;
  if (n >= 2n ** 16n) return 0n;
  const lambda36 = lambda * WAD;
  let w = one36;
  for (let base = lambda36; n !== 0n;) {
    if (n & 1n) w = (w * base) / one36;
    n >>= 1n;
    if (n !== 0n) base = (base * base) / one36;
  }
  const f = dt % interval;
  if (f !== 0n) w = (w * (one36 - ((one36 - lambda36) * f) / interval)) / one36;
  return w / WAD;
}

/** The EWMA update: w * old + (1 - w) * sample, rounded down. */
const mix = (old: bigint, sample: bigint, w: bigint) => (w * old + (WAD - w) * sample) / WAD;

function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let r = BigInt(Math.floor(Math.sqrt(Number(x))));
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

/** `n` whole units of a feed answer with `decimals` decimals. */
const units = (n: bigint, decimals: number) => n * 10n ** BigInt(decimals);

type Config = {
  primary: string;
  secondary: string;
  primaryStaleness: number;
  secondaryStaleness: number;
  maxDeviation: bigint;
  minPrice: bigint;
  maxPrice: bigint;
};

function feedConfig(primary: string, overrides: Partial<Config> = {}): Config {
  return {
    primary,
    secondary: ethers.ZeroAddress,
    primaryStaleness: HOUR,
    secondaryStaleness: 0,
    maxDeviation: 0n,
    minPrice: 100n * WAD,
    maxPrice: 10_000n * WAD,
    ...overrides,
  };
}

const asTuple = (c: Config) => [
  c.primary,
  c.secondary,
  c.primaryStaleness,
  c.secondaryStaleness,
  c.maxDeviation,
  c.minPrice,
  c.maxPrice,
];

async function deployOracleFixture() {
  const [admin, gov, alice] = await ethers.getSigners();
  const manager = await ethers.deployContract("AccessManager", [admin.address]);
  const oracle = await ethers.deployContract("BreakwaterOracle", [await manager.getAddress()]);
  const oracleAddress = await oracle.getAddress();
  const restricted = ["setFeed", "removeFeed", "setSequencerFeed", "setTrackerParameters"] as const;
  const selectors = restricted.map((name) => oracle.interface.getFunction(name).selector);
  await manager.setTargetFunctionRole(oracleAddress, selectors, RISK_MANAGER);
  await manager.grantRole(RISK_MANAGER, gov.address, 0);

  // ETH/USD 2000 with 8 decimals (primary) and 18 decimals (secondary).
  const primary = await ethers.deployContract("MockV3Aggregator", [8, units(2000n, 8)]);
  const secondary = await ethers.deployContract("MockV3Aggregator", [18, units(2000n, 18)]);
  const sequencer = await ethers.deployContract("MockV3Aggregator", [0, 0n]);
  const reverting = await ethers.deployContract("RevertingFeed");
  const shortData = await ethers.deployContract("ShortDataFeed");
  const gasBurner = await ethers.deployContract("GasBurnerFeed");
  const noDecimals = await ethers.deployContract("NoDecimalsFeed");
  const probe = await ethers.deployContract("OracleGasProbe");

  const config = feedConfig(await primary.getAddress());
  await oracle.connect(gov).setFeed(ASSET, config);

  return {
    admin,
    gov,
    alice,
    manager,
    oracle: oracle.connect(gov),
    oracleAddress,
    primary,
    secondary,
    sequencer,
    reverting,
    shortData,
    gasBurner,
    noDecimals,
    probe,
    config,
  };
}

type Fixture = Awaited<ReturnType<typeof deployOracleFixture>>;

/** Every read path must agree: the two reverting getters and the non-reverting one. */
async function expectFailure(f: Fixture, asset: string, reason: bigint) {
  await expect(f.oracle.getPrice(asset))
    .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
    .withArgs(asset, reason);
  await expect(f.oracle.getPriceAndVolatility(asset))
    .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
    .withArgs(asset, reason);
  const [price, failure] = await f.oracle.tryGetPrice(asset);
  expect(failure).to.equal(reason);
  expect(price).to.equal(0n);
}

async function expectPrice(f: Fixture, asset: string, expected: bigint) {
  expect(await f.oracle.getPrice(asset)).to.equal(expected);
  const [price, failure] = await f.oracle.tryGetPrice(asset);
  expect(failure).to.equal(Failure.None);
  expect(price).to.equal(expected);
}

/** Adds `secondary` to ASSET with a 1% deviation limit and a 30 min staleness. */
async function withSecondary(f: Fixture, overrides: Partial<Config> = {}) {
  const config = {
    ...f.config,
    secondary: await f.secondary.getAddress(),
    secondaryStaleness: 1800,
    maxDeviation: WAD / 100n,
    ...overrides,
  };
  await f.oracle.setFeed(ASSET, config);
  return config;
}

async function withSequencer(f: Fixture, gracePeriod: number) {
  await f.oracle.setSequencerFeed(await f.sequencer.getAddress(), gracePeriod);
}

describe("BreakwaterOracle", function () {
  describe("primary feed", function () {
    it("returns the normalised price", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await expectPrice(f, ASSET, 2000n * WAD);
      const [price, vol] = await f.oracle.getPriceAndVolatility(ASSET);
      expect(price).to.equal(2000n * WAD);
      expect(vol).to.equal(0n);
    });

    it("fails with NoFeed for an unknown asset", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await expectFailure(f, UNKNOWN, Failure.NoFeed);
    });

    it("fails with NonPositive for a zero or negative answer", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.primary.updateAnswer(0n);
      await expectFailure(f, ASSET, Failure.NonPositive);
      await f.primary.updateAnswer(-1n);
      await expectFailure(f, ASSET, Failure.NonPositive);
    });

    it("fails with Stale once the answer is older than the staleness limit", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.primary.updateAnswer(units(2000n, 8));
      const updatedAt = await time.latest();
      // Exactly `staleness` old is still fine (poke is a transaction: exact block timestamp).
      await time.setNextBlockTimestamp(updatedAt + HOUR);
      await expect(f.oracle.poke(ASSET)).to.emit(f.oracle, "Poked");
      await time.setNextBlockTimestamp(updatedAt + HOUR + 1);
      await expect(f.oracle.poke(ASSET))
        .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
        .withArgs(ASSET, Failure.Stale);
      await time.increase(10);
      await expectFailure(f, ASSET, Failure.Stale);
    });

    it("fails with Stale for a zero or future updatedAt", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const now = await time.latest();
      await f.primary.updateRoundData(7n, units(2000n, 8), 0n, 0n);
      await expectFailure(f, ASSET, Failure.Stale);
      await f.primary.updateRoundData(8n, units(2000n, 8), BigInt(now + 1000), BigInt(now + 1000));
      await expectFailure(f, ASSET, Failure.Stale);
    });

    it("fails with OutOfBounds below minPrice and above maxPrice, accepts both bounds", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.primary.updateAnswer(units(100n, 8) - 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
      await f.primary.updateAnswer(units(100n, 8));
      await expectPrice(f, ASSET, 100n * WAD);
      await f.primary.updateAnswer(units(10_000n, 8));
      await expectPrice(f, ASSET, 10_000n * WAD);
      await f.primary.updateAnswer(units(10_000n, 8) + 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
    });

    it("treats an answer too large to scale as OutOfBounds, not a revert", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.primary.updateAnswer(2n ** 255n - 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
    });

    it("fails with CallFailed for a reverting feed", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.setFeed(ASSET2, feedConfig(await f.reverting.getAddress()));
      await expectFailure(f, ASSET2, Failure.CallFailed);
    });

    it("fails with CallFailed for a feed returning short data", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.setFeed(ASSET2, feedConfig(await f.shortData.getAddress()));
      await expectFailure(f, ASSET2, Failure.CallFailed);
    });

    it("fails with CallFailed for a feed that returns no data at all", async function () {
      // Code that just STOPs: the call succeeds with empty return data, like calling an EOA.
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await networkHelpers.setCode(await f.primary.getAddress(), "0x00"); // STOP: success, empty return
      await expectFailure(f, ASSET, Failure.CallFailed);
    });
  });

  describe("out-of-gas griefing guard", function () {
    it("reports a gas-burning feed as CallFailed when the caller supplies enough gas", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.setFeed(ASSET2, feedConfig(await f.gasBurner.getAddress()));
      await expectFailure(f, ASSET2, Failure.CallFailed);
      expect(await f.probe.tryWithGas(f.oracleAddress, ASSET2, 3_000_000n)).to.equal(Failure.CallFailed);
    });

    it("reverts InsufficientGasForOracle when the feed may have been starved of gas", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.setFeed(ASSET2, feedConfig(await f.gasBurner.getAddress()));
      // Below the per-call cap the feed gets 63/64 of our gas and burns it: cannot tell apart.
      await expect(f.probe.tryWithGas(f.oracleAddress, ASSET2, 500_000n)).to.be.revertedWithCustomError(
        f.oracle,
        "InsufficientGasForOracle",
      );
    });

    /** Calls tryGetPrice through the probe with `gas` and classifies the outcome. */
    async function outcome(f: Fixture, asset: string, gas: bigint): Promise<"ok" | "guard" | "oog" | bigint> {
      const guard = f.oracle.interface.getError("InsufficientGasForOracle")!.selector;
      try {
        const failure = await f.probe.tryWithGas.staticCall(f.oracleAddress, asset, gas);
        return failure === Failure.None ? "ok" : failure;
      } catch (e) {
        const data: string = (e as { data?: string }).data ?? "0x";
        if (data === guard) return "guard";
        expect(data, `unexpected revert data at gas ${gas}`).to.equal("0x"); // plain out of gas
        return "oog";
      }
    }

    it("never reports a healthy feed as failed, whatever gas the caller supplies", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const seen = new Set<string>();
      for (let gas = 10_000n; gas <= 30_000n; gas += 100n) {
        const result = await outcome(f, ASSET, gas);
        expect(typeof result, `gas ${gas}: reported failure ${result}`).to.equal("string");
        seen.add(result as string);
      }
      // The sweep crosses from "not enough gas" (plain OOG: the 1/64 left after a starved cheap
      // feed cannot even pay for the guard's revert) to success.
      expect(seen.has("ok")).to.equal(true);
      expect(seen.has("oog")).to.equal(true);
    });

    it("raises the guard, never CallFailed, when a healthy expensive feed is starved", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const feed = await ethers.deployContract("ExpensiveFeed", [units(2000n, 8)]);
      await f.oracle.setFeed(ASSET2, feedConfig(await feed.getAddress()));
      const seen = new Set<string>();
      for (let gas = 100_000n; gas <= 600_000n; gas += 5_000n) {
        const result = await outcome(f, ASSET2, gas);
        expect(typeof result, `gas ${gas}: reported failure ${result}`).to.equal("string");
        seen.add(result as string);
      }
      expect(seen.has("guard")).to.equal(true);
      expect(seen.has("ok")).to.equal(true);
    });
  });

  describe("decimals normalisation", function () {
    for (const [decimals, answer, expected] of [
      [0, 1500n, 1500n * WAD],
      [6, 1_500_250_000n, 1500_25n * 10n ** 16n],
      [8, 150_025_000_000n, 1500_25n * 10n ** 16n],
      [18, 1500n * WAD + 1n, 1500n * WAD + 1n],
      [20, 1500n * 10n ** 20n + 99n, 1500n * WAD], // rounds down
      [36, 1500n * 10n ** 36n, 1500n * WAD],
    ] as const) {
      it(`scales a ${decimals}-decimal feed to 18 decimals`, async function () {
        const f = await networkHelpers.loadFixture(deployOracleFixture);
        const feed = await ethers.deployContract("MockV3Aggregator", [decimals, answer]);
        await f.oracle.setFeed(ASSET2, feedConfig(await feed.getAddress()));
        expect((await f.oracle.feedDecimals(ASSET2))[0]).to.equal(BigInt(decimals));
        await expectPrice(f, ASSET2, expected);
      });
    }
  });

  describe("secondary feed", function () {
    it("returns the primary price when both agree", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f);
      await f.secondary.updateAnswer(units(2010n, 18));
      await expectPrice(f, ASSET, 2000n * WAD);
    });

    it("accepts a deviation exactly at the limit and rejects one just above", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f); // maxDeviation 1%: 20 USD on 2000
      await f.secondary.updateAnswer(units(2020n, 18));
      await expectPrice(f, ASSET, 2000n * WAD);
      await f.secondary.updateAnswer(units(1980n, 18));
      await expectPrice(f, ASSET, 2000n * WAD);
      // |p - s| * 1e18 / p = 1e16 + 1 > 1e16
      await f.secondary.updateAnswer(units(2020n, 18) + 2000n);
      await expectFailure(f, ASSET, Failure.Deviation);
      await f.secondary.updateAnswer(units(1980n, 18) - 2000n);
      await expectFailure(f, ASSET, Failure.Deviation);
      // One wei below the threshold still rounds to exactly the limit.
      await f.secondary.updateAnswer(units(2020n, 18) + 1999n);
      await expectPrice(f, ASSET, 2000n * WAD);
    });

    it("fails with the secondary's Stale, using the secondary's own staleness", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f); // secondary staleness 30 min, primary 1 h
      await time.increase(1800 + 10);
      await f.primary.updateAnswer(units(2000n, 8));
      await expectFailure(f, ASSET, Failure.Stale);
      await f.secondary.updateAnswer(units(2000n, 18));
      await expectPrice(f, ASSET, 2000n * WAD);
    });

    it("fails with the secondary's Stale for a zero or future updatedAt", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f);
      await f.secondary.updateRoundData(5n, units(2000n, 18), 0n, 0n);
      await expectFailure(f, ASSET, Failure.Stale);
      const now = await time.latest();
      await f.secondary.updateRoundData(6n, units(2000n, 18), BigInt(now + 600), BigInt(now + 600));
      await expectFailure(f, ASSET, Failure.Stale);
    });

    it("fails with the secondary's NonPositive", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f);
      await f.secondary.updateAnswer(0n);
      await expectFailure(f, ASSET, Failure.NonPositive);
      await f.secondary.updateAnswer(-5n);
      await expectFailure(f, ASSET, Failure.NonPositive);
    });

    it("fails with the secondary's OutOfBounds (low and high)", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      // A 50% deviation limit so that only the bounds can trip.
      await withSecondary(f, { maxDeviation: WAD / 2n, minPrice: 1500n * WAD, maxPrice: 2500n * WAD });
      await f.secondary.updateAnswer(units(1500n, 18) - 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
      await f.secondary.updateAnswer(units(2500n, 18) + 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
      await f.secondary.updateAnswer(2n ** 255n - 1n);
      await expectFailure(f, ASSET, Failure.OutOfBounds);
    });

    it("fails with CallFailed for a reverting or short-data secondary", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f, { secondary: await f.reverting.getAddress() });
      await expectFailure(f, ASSET, Failure.CallFailed);
      await withSecondary(f, { secondary: await f.shortData.getAddress() });
      await expectFailure(f, ASSET, Failure.CallFailed);
    });

    it("reports the primary's failure first", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSecondary(f);
      await f.primary.updateAnswer(0n);
      await f.secondary.updateAnswer(0n);
      await expectFailure(f, ASSET, Failure.NonPositive);
      await f.primary.updateAnswer(units(50n, 8));
      await expectFailure(f, ASSET, Failure.OutOfBounds);
    });
  });

  describe("sequencer uptime feed", function () {
    it("fails with SequencerDown when the sequencer reports down", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 1n, now, now - 2n * BigInt(DAY));
      await expectFailure(f, ASSET, Failure.SequencerDown);
    });

    it("fails with SequencerDown for a broken feed or startedAt == 0 (fails closed)", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 0n, now, 0n);
      await expectFailure(f, ASSET, Failure.SequencerDown);
      await f.oracle.setSequencerFeed(await f.reverting.getAddress(), HOUR);
      await expectFailure(f, ASSET, Failure.SequencerDown);
      await f.oracle.setSequencerFeed(await f.shortData.getAddress(), HOUR);
      await expectFailure(f, ASSET, Failure.SequencerDown);
    });

    it("fails with SequencerGracePeriod until the grace period has elapsed", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = await time.latest();
      const startedAt = now - 100;
      await f.sequencer.updateRoundData(2n, 0n, BigInt(now), BigInt(startedAt));
      await expectFailure(f, ASSET, Failure.SequencerGracePeriod);
      // Still in grace at exactly startedAt + gracePeriod (poke is a transaction: exact timestamp).
      await time.setNextBlockTimestamp(startedAt + HOUR - 1);
      await f.primary.updateAnswer(units(2000n, 8));
      await time.setNextBlockTimestamp(startedAt + HOUR);
      await expect(f.oracle.poke(ASSET))
        .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
        .withArgs(ASSET, Failure.SequencerGracePeriod);
      await time.setNextBlockTimestamp(startedAt + HOUR + 1);
      await expect(f.oracle.poke(ASSET)).to.emit(f.oracle, "Poked");
    });

    it("fails with SequencerGracePeriod when startedAt is in the future", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, 0);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 0n, now, now + 1000n);
      await expectFailure(f, ASSET, Failure.SequencerGracePeriod);
    });

    it("passes once the grace period has elapsed", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 0n, now, now - BigInt(HOUR) - 10n);
      await expectPrice(f, ASSET, 2000n * WAD);
    });

    it("is checked before the asset feeds", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 1n, now, now);
      await f.primary.updateAnswer(0n);
      await expectFailure(f, ASSET, Failure.SequencerDown);
    });

    it("can be disabled again", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await withSequencer(f, HOUR);
      const now = BigInt(await time.latest());
      await f.sequencer.updateRoundData(2n, 1n, now, now);
      await expectFailure(f, ASSET, Failure.SequencerDown);
      await f.oracle.setSequencerFeed(ethers.ZeroAddress, 0);
      await expectPrice(f, ASSET, 2000n * WAD);
    });
  });

  describe("tracker", function () {
    it("initialises on the first poke without variance", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await expect(f.oracle.poke(ASSET))
        .to.emit(f.oracle, "Poked")
        .withArgs(ASSET, 2000n * WAD, 0n, 0n);
      const now = BigInt(await time.latest());
      const s = await f.oracle.trackerState(ASSET);
      expect([s.lastPrice, s.lastUpdate, s.ewmaVariance, s.windowStart, s.windowHighPrice]).to.deep.equal([
        2000n * WAD,
        now,
        0n,
        now,
        2000n * WAD,
      ]);
    });

    it("folds a return into the EWMA (lambda 0.94, +10% in one hour)", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      const t0 = await time.latest();
      await time.setNextBlockTimestamp(t0 + HOUR - 1);
      await f.primary.updateAnswer(units(2200n, 8));
      await time.setNextBlockTimestamp(t0 + HOUR);
      // r = 0.1, sample = 0.01e18, variance = 0.06 * 0.01e18 = 6e14, vol = sqrt(6e14 * 1e18)
      const variance = 6n * 10n ** 14n;
      const vol = 24494897427831780n; // floor(sqrt(6e32))
      await expect(f.oracle.poke(ASSET))
        .to.emit(f.oracle, "Poked")
        .withArgs(ASSET, 2200n * WAD, variance, vol);
      expect(await f.oracle.volatility(ASSET)).to.equal(vol);
      const [price, v] = await f.oracle.getPriceAndVolatility(ASSET);
      expect([price, v]).to.deep.equal([2200n * WAD, vol]);
      const s = await f.oracle.trackerState(ASSET);
      expect(s.ewmaVariance).to.equal(variance);
      expect(s.lastPrice).to.equal(2200n * WAD);
      expect(s.lastUpdate).to.equal(BigInt(t0 + HOUR));
    });

    it("decays by lambda per hour of elapsed time, to first order within an hour", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const lambda = 94n * 10n ** 16n;
      await f.oracle.poke(ASSET);
      const t0 = await time.latest();
      // +10% over exactly one hour: w = lambda, variance 0.06 * 0.01 = 6e14 (as above).
      await time.setNextBlockTimestamp(t0 + HOUR - 1);
      await f.primary.updateAnswer(units(2200n, 8));
      await time.setNextBlockTimestamp(t0 + HOUR);
      await f.oracle.poke(ASSET);
      let variance = 6n * 10n ** 14n;
      expect((await f.oracle.trackerState(ASSET)).ewmaVariance).to.equal(variance);
      // -10% over 30 min: sample 0.01 * 2 = 0.02; w = 1 - 0.06 / 2 = 0.97 -> 0.001182
      await time.setNextBlockTimestamp(t0 + HOUR + 1799);
      await f.primary.updateAnswer(units(1980n, 8));
      await time.setNextBlockTimestamp(t0 + HOUR + 1800);
      expect(decayWeight(lambda, 1800n)).to.equal(97n * 10n ** 16n);
      variance = mix(variance, 2n * 10n ** 16n, decayWeight(lambda, 1800n));
      expect(variance).to.equal(1182n * 10n ** 12n);
      await expect(f.oracle.poke(ASSET))
        .to.emit(f.oracle, "Poked")
        .withArgs(ASSET, 1980n * WAD, variance, isqrt(variance * WAD));
      // Flat for two hours: w = 0.94^2 = 0.8836 -> 0.0010444152
      await time.setNextBlockTimestamp(t0 + 3 * HOUR + 1799);
      await f.primary.updateAnswer(units(1980n, 8));
      await time.setNextBlockTimestamp(t0 + 3 * HOUR + 1800);
      expect(decayWeight(lambda, BigInt(2 * HOUR))).to.equal(8836n * 10n ** 14n);
      variance = mix(variance, 0n, decayWeight(lambda, BigInt(2 * HOUR)));
      expect(variance).to.equal(10444152n * 10n ** 8n);
      await f.oracle.poke(ASSET);
      expect((await f.oracle.trackerState(ASSET)).ewmaVariance).to.equal(variance);
      expect(await f.oracle.volatility(ASSET)).to.equal(isqrt(variance * WAD));
    });

    it("decayWeight matches lambda^(dt / 1 h) by squaring plus a first-order fraction", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      expect(await f.oracle.MAX_DECAY_INTERVALS()).to.equal(2n ** 16n);
      for (const lambda of [5n * 10n ** 17n, 94n * 10n ** 16n, 999n * 10n ** 15n]) {
        expect(await f.oracle.decayWeight(lambda, 0n)).to.equal(WAD);
        expect(await f.oracle.decayWeight(lambda, BigInt(HOUR))).to.equal(lambda);
        expect(await f.oracle.decayWeight(lambda, BigInt(2 ** 16 * HOUR))).to.equal(0n);
        let previous = WAD;
        for (const dt of [1, 60, 1799, 3599, 3600, 3601, 5400, 7200, DAY, 7 * DAY + 123, 30 * DAY, 365 * DAY]) {
          const w = await f.oracle.decayWeight(lambda, BigInt(dt));
          expect(w, `lambda ${lambda} dt ${dt}`).to.equal(decayWeight(lambda, BigInt(dt)));
          expect(w <= previous, `not monotonic at dt ${dt}`).to.equal(true);
          previous = w;
        }
      }
    });

    it("poking every minute for an hour decays the variance like one poke after the hour", async function () {
      // The old per-poke decay left 0.94^60 ~ 2.4% of the variance after 60 one-minute pokes,
      // ~39x less than one poke after the hour (94%): anyone could shrink the haircut add-on.
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const p = await f.primary.getAddress();
      // ASSET2 reads the same feed; long staleness so the feed need not be refreshed.
      await f.oracle.setFeed(ASSET, feedConfig(p, { primaryStaleness: DAY }));
      await f.oracle.setFeed(ASSET2, feedConfig(p, { primaryStaleness: DAY }));
      const t0 = (await time.latest()) + 10;
      // Both: 2000, then +10% after exactly one hour (ASSET2 always one second behind ASSET).
      await time.setNextBlockTimestamp(t0);
      await f.oracle.poke(ASSET);
      await f.oracle.poke(ASSET2);
      await f.primary.updateAnswer(units(2200n, 8));
      await time.setNextBlockTimestamp(t0 + HOUR);
      await f.oracle.poke(ASSET);
      await f.oracle.poke(ASSET2);
      const seeded = 6n * 10n ** 14n;
      expect((await f.oracle.trackerState(ASSET)).ewmaVariance).to.equal(seeded);
      expect((await f.oracle.trackerState(ASSET2)).ewmaVariance).to.equal(seeded);

      // Constant price. ASSET: 60 pokes, one a minute; ASSET2: one poke after the hour.
      const lambda = 94n * 10n ** 16n;
      let expected = seeded;
      for (let i = 1; i <= 60; i++) {
        await time.setNextBlockTimestamp(t0 + HOUR + 60 * i);
        await f.oracle.poke(ASSET);
        expected = mix(expected, 0n, decayWeight(lambda, 60n)); // w = 0.999
      }
      await time.setNextBlockTimestamp(t0 + 2 * HOUR + 1);
      await f.oracle.poke(ASSET2);
      const spammed = (await f.oracle.trackerState(ASSET)).ewmaVariance;
      const single = (await f.oracle.trackerState(ASSET2)).ewmaVariance;
      expect(single).to.equal((lambda * seeded) / WAD); // 5.64e14
      expect(spammed).to.equal(expected); // 0.999^60 * 6e14 ~ 5.647e14
      expect(spammed >= single, "spamming decayed faster than time").to.equal(true);
      expect(spammed * 100n <= single * 101n, "more than 1% apart").to.equal(true);
    });

    it("only refreshes the window high for pokes closer than minPokeInterval", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      const t0 = await time.latest();
      await f.primary.updateAnswer(units(2100n, 8));
      await time.setNextBlockTimestamp(t0 + 59);
      await expect(f.oracle.poke(ASSET))
        .to.emit(f.oracle, "Poked")
        .withArgs(ASSET, 2100n * WAD, 0n, 0n);
      const s = await f.oracle.trackerState(ASSET);
      expect(s.lastPrice).to.equal(2000n * WAD);
      expect(s.lastUpdate).to.equal(BigInt(t0));
      expect(s.windowHighPrice).to.equal(2100n * WAD);
      // At exactly minPokeInterval the variance is updated.
      await time.setNextBlockTimestamp(t0 + 60);
      await f.oracle.poke(ASSET);
      expect((await f.oracle.trackerState(ASSET)).ewmaVariance).to.be.greaterThan(0n);
    });

    it("starts a new window once windowLength has elapsed", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      const t0 = await time.latest();
      await f.primary.updateAnswer(units(1900n, 8));
      await time.setNextBlockTimestamp(t0 + HOUR - 1);
      await f.oracle.poke(ASSET);
      expect((await f.oracle.trackerState(ASSET)).windowHighPrice).to.equal(2000n * WAD);
      await time.setNextBlockTimestamp(t0 + HOUR);
      await f.oracle.poke(ASSET);
      const s = await f.oracle.trackerState(ASSET);
      expect(s.windowStart).to.equal(BigInt(t0 + HOUR));
      expect(s.windowHighPrice).to.equal(1900n * WAD);
    });

    it("poke reverts OracleFailed when the price is unusable", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.primary.updateAnswer(-1n);
      await expect(f.oracle.poke(ASSET))
        .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
        .withArgs(ASSET, Failure.NonPositive);
      await expect(f.oracle.poke(UNKNOWN))
        .to.be.revertedWithCustomError(f.oracle, "OracleFailed")
        .withArgs(UNKNOWN, Failure.NoFeed);
    });

    it("poke is permissionless", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await expect(f.oracle.connect(f.alice).poke(ASSET)).to.emit(f.oracle, "Poked");
    });
  });

  describe("governance", function () {
    it("restricts every setter to the access manager's role", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const o = f.oracle.connect(f.alice);
      const err = "AccessManagedUnauthorized";
      await expect(o.setFeed(ASSET2, f.config)).to.be.revertedWithCustomError(o, err).withArgs(f.alice.address);
      await expect(o.removeFeed(ASSET)).to.be.revertedWithCustomError(o, err).withArgs(f.alice.address);
      await expect(o.setSequencerFeed(await f.sequencer.getAddress(), HOUR))
        .to.be.revertedWithCustomError(o, err)
        .withArgs(f.alice.address);
      await expect(o.setTrackerParameters(9n * 10n ** 17n, 60, HOUR))
        .to.be.revertedWithCustomError(o, err)
        .withArgs(f.alice.address);
    });

    it("setFeed stores the config and emits FeedConfigured", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const config = feedConfig(await f.primary.getAddress(), {
        secondary: await f.secondary.getAddress(),
        primaryStaleness: 2 * HOUR,
        secondaryStaleness: 900,
        maxDeviation: WAD / 50n,
        minPrice: 10n * WAD,
        maxPrice: 2n ** 128n - 1n,
      });
      await expect(f.oracle.setFeed(ASSET2, config))
        .to.emit(f.oracle, "FeedConfigured")
        .withArgs(ASSET2, config.primary, config.secondary, asTuple(config));
      expect(await f.oracle.feedConfig(ASSET2)).to.deep.equal(asTuple(config));
      expect(await f.oracle.feedDecimals(ASSET2)).to.deep.equal([8n, 18n]);
    });

    it("removeFeed clears the feed and the tracker and emits FeedRemoved", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      await expect(f.oracle.removeFeed(ASSET)).to.emit(f.oracle, "FeedRemoved").withArgs(ASSET);
      await expectFailure(f, ASSET, Failure.NoFeed);
      const s = await f.oracle.trackerState(ASSET);
      expect([s.lastPrice, s.lastUpdate, s.ewmaVariance, s.windowStart, s.windowHighPrice]).to.deep.equal([
        0n,
        0n,
        0n,
        0n,
        0n,
      ]);
      expect((await f.oracle.feedConfig(ASSET)).primary).to.equal(ethers.ZeroAddress);
      await expect(f.oracle.removeFeed(ASSET))
        .to.be.revertedWithCustomError(f.oracle, "InvalidFeedConfig")
        .withArgs(ASSET, "asset");
    });

    it("setSequencerFeed emits SequencerFeedSet", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const seq = await f.sequencer.getAddress();
      await expect(f.oracle.setSequencerFeed(seq, DAY)).to.emit(f.oracle, "SequencerFeedSet").withArgs(seq, DAY);
      expect(await f.oracle.sequencerFeed()).to.deep.equal([seq, BigInt(DAY)]);
    });

    it("setTrackerParameters emits TrackerParametersSet; constructor sets the defaults", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      expect(await f.oracle.trackerParameters()).to.deep.equal([94n * 10n ** 16n, 60n, 3600n]);
      const lambda = 97n * 10n ** 16n;
      await expect(f.oracle.setTrackerParameters(lambda, 300, DAY))
        .to.emit(f.oracle, "TrackerParametersSet")
        .withArgs(lambda, 300, DAY);
      expect(await f.oracle.trackerParameters()).to.deep.equal([lambda, 300n, BigInt(DAY)]);
      expect(await f.oracle.VARIANCE_INTERVAL()).to.equal(3600n);
    });
  });

  describe("setter bounds", function () {
    async function expectInvalid(f: Fixture, asset: string, config: Config, field: string) {
      await expect(f.oracle.setFeed(asset, config))
        .to.be.revertedWithCustomError(f.oracle, "InvalidFeedConfig")
        .withArgs(asset, field);
    }

    it("setFeed validates asset, primary, decimals, staleness and price bounds", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const p = await f.primary.getAddress();
      await expectInvalid(f, ethers.ZeroAddress, feedConfig(p), "asset");
      await expectInvalid(f, ASSET2, feedConfig(ethers.ZeroAddress), "primary");
      await expectInvalid(f, ASSET2, feedConfig(f.alice.address), "primary"); // no code
      await expectInvalid(f, ASSET2, feedConfig(await f.noDecimals.getAddress()), "primary");
      const d37 = await ethers.deployContract("MockV3Aggregator", [37, 1n]);
      await expectInvalid(f, ASSET2, feedConfig(await d37.getAddress()), "primaryDecimals");
      await expectInvalid(f, ASSET2, feedConfig(p, { primaryStaleness: 0 }), "primaryStaleness");
      await expectInvalid(f, ASSET2, feedConfig(p, { primaryStaleness: 7 * DAY + 1 }), "primaryStaleness");
      await expectInvalid(f, ASSET2, feedConfig(p, { minPrice: 0n }), "minPrice");
      await expectInvalid(f, ASSET2, feedConfig(p, { minPrice: 5n, maxPrice: 5n }), "maxPrice");
      await expectInvalid(f, ASSET2, feedConfig(p, { minPrice: 5n, maxPrice: 4n }), "maxPrice");
      // Inclusive limits are accepted.
      await f.oracle.setFeed(ASSET2, feedConfig(p, { primaryStaleness: 1 }));
      await f.oracle.setFeed(ASSET2, feedConfig(p, { primaryStaleness: 7 * DAY, minPrice: 1n, maxPrice: 2n }));
    });

    it("setFeed validates the secondary only when one is set", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const p = await f.primary.getAddress();
      const s = await f.secondary.getAddress();
      const base = { secondary: s, secondaryStaleness: HOUR, maxDeviation: WAD / 100n };
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, secondary: p }), "secondary");
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, secondary: f.alice.address }), "secondary");
      const d37 = await ethers.deployContract("MockV3Aggregator", [37, 1n]);
      await expectInvalid(
        f,
        ASSET2,
        feedConfig(p, { ...base, secondary: await d37.getAddress() }),
        "secondaryDecimals",
      );
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, secondaryStaleness: 0 }), "secondaryStaleness");
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, secondaryStaleness: 7 * DAY + 1 }), "secondaryStaleness");
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, maxDeviation: 10n ** 15n - 1n }), "maxDeviation");
      await expectInvalid(f, ASSET2, feedConfig(p, { ...base, maxDeviation: WAD / 2n + 1n }), "maxDeviation");
      await f.oracle.setFeed(ASSET2, feedConfig(p, { ...base, maxDeviation: 10n ** 15n, secondaryStaleness: 1 }));
      await f.oracle.setFeed(ASSET2, feedConfig(p, { ...base, maxDeviation: WAD / 2n, secondaryStaleness: 7 * DAY }));
      // Without a secondary, its fields are not checked.
      await f.oracle.setFeed(ASSET2, feedConfig(p, { secondaryStaleness: 0, maxDeviation: 0n }));
      expect((await f.oracle.feedConfig(ASSET2)).secondary).to.equal(ethers.ZeroAddress);
    });

    it("setSequencerFeed bounds the grace period and rejects a feed without code", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const seq = await f.sequencer.getAddress();
      await expect(f.oracle.setSequencerFeed(seq, DAY + 1))
        .to.be.revertedWithCustomError(f.oracle, "InvalidFeedConfig")
        .withArgs(ethers.ZeroAddress, "sequencerGracePeriod");
      await expect(f.oracle.setSequencerFeed(f.alice.address, HOUR))
        .to.be.revertedWithCustomError(f.oracle, "InvalidFeedConfig")
        .withArgs(ethers.ZeroAddress, "sequencerFeed");
      await f.oracle.setSequencerFeed(seq, DAY);
      await f.oracle.setSequencerFeed(seq, 0);
    });

    it("setTrackerParameters enforces every bound with the offending value", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      const cases: [bigint, number, number, string, bigint][] = [
        [5n * 10n ** 17n - 1n, 60, HOUR, "ewmaLambda", 5n * 10n ** 17n - 1n],
        [999n * 10n ** 15n + 1n, 60, HOUR, "ewmaLambda", 999n * 10n ** 15n + 1n],
        [94n * 10n ** 16n, 0, HOUR, "minPokeInterval", 0n],
        [94n * 10n ** 16n, DAY + 1, HOUR, "minPokeInterval", BigInt(DAY + 1)],
        [94n * 10n ** 16n, 60, 59, "windowLength", 59n],
        [94n * 10n ** 16n, 60, 7 * DAY + 1, "windowLength", BigInt(7 * DAY + 1)],
      ];
      for (const [lambda, interval, window, name, value] of cases) {
        await expect(f.oracle.setTrackerParameters(lambda, interval, window))
          .to.be.revertedWithCustomError(f.oracle, "TrackerParameterOutOfBounds")
          .withArgs(name, value);
      }
      await f.oracle.setTrackerParameters(5n * 10n ** 17n, 1, 60);
      await f.oracle.setTrackerParameters(999n * 10n ** 15n, DAY, 7 * DAY);
    });
  });

  describe("gas", function () {
    it("measures getPriceAndVolatility (cold and warm)", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      const [cold, warm] = await f.probe.measure(f.oracleAddress, ASSET);
      await withSecondary(f);
      await withSequencer(f, 0);
      const [coldFull, warmFull] = await f.probe.measure(f.oracleAddress, ASSET);
      console.log(
        `      getPriceAndVolatility gas: primary only cold ${cold} / warm ${warm}; ` +
          `primary + secondary + sequencer cold ${coldFull} / warm ${warmFull}`,
      );
      // Regression guards, with headroom over the measured values.
      expect(cold).to.be.lessThan(30_000n);
      expect(warm).to.be.lessThan(6_000n);
      expect(coldFull).to.be.lessThan(60_000n);
      expect(warmFull).to.be.lessThan(12_000n);
    });

    it("measures poke (variance update after various gaps)", async function () {
      const f = await networkHelpers.loadFixture(deployOracleFixture);
      await f.oracle.poke(ASSET);
      const results: string[] = [];
      let price = 2000n;
      for (const [label, dt] of [
        ["60 s", 60],
        ["90 s", 90],
        ["1 h", HOUR],
        ["1 h 30 min", HOUR + 1800],
        ["30 days", 30 * DAY],
      ] as const) {
        await time.increase(dt - 1);
        price = price === 2000n ? 2010n : 2000n;
        await f.primary.updateAnswer(units(price, 8));
        const receipt = await (await f.oracle.poke(ASSET)).wait();
        results.push(`${label} ${receipt!.gasUsed}`);
        // Regression guard, with headroom: the time-based decay costs O(log(dt / 1 h)) squarings.
        expect(receipt!.gasUsed).to.be.lessThan(70_000n);
      }
      console.log(`      poke gas (tx, warm tracker, primary only): ${results.join("; ")}`);
    });
  });
});

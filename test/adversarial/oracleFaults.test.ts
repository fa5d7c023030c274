// Oracle faults at every call site. Each fault is applied to one fixture holding a vault of every kind
// (healthy with debt, debt-free, unhealthy, flagged past its cure window, bad debt) and three auctions
// (one to reset, one to take, one sold out). Then every price-reading entry point must revert with
// `OracleFailed(asset, reason)` and move nothing, while every risk-reducing or price-free action
// (deposit, repay, debt-free withdraw, take, bad-debt realisation, lender deposit and withdraw,
// recording the failure) still works, and the keeper views skip the unpriceable vaults.
import { expect } from "chai";
import { network } from "hardhat";
import { deployFundedSystem, LINK, openVault, refreshFeeds, setPrice, USDC, WAD, WETH } from "../helpers/fixtures.js";
import { ledgers, prepareLiquidations } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

/** Mirrors `OracleFailure` in IBreakwaterOracle.sol. */
const F = {
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

const CURE_WINDOW = 600;
const MAX_DURATION = 7200;

/**
 * Vaults: `healthy` (alice, 10 WETH, 15,000 USDC), `free` (stranger, 2 WETH, no debt), `unflagged`
 * (carol, 10 WETH, 23,000 USDC, HF 0.96 at $2,600, not flagged), `flagged` (carol, same, flagged and past
 * its cure window), `resetVault` (bob, auction `resetId` older than its max duration), `takeVault` (bob,
 * fresh auction `takeId`), `badDebtVault` (alice, 1,000 LINK crashed to $8 and sold out: debt, no collateral).
 */
async function faultFixture() {
  const s = await deployFundedSystem(ethers);
  await prepareLiquidations(s);
  const weth = await s.weth.getAddress();
  const link = await s.link.getAddress();
  const usdc = await s.usdc.getAddress();
  const open = async (who: typeof s.alice, asset: string, amount: bigint, debt: bigint) => {
    const id = await openVault(s, who);
    await s.engine.connect(who).deposit(id, asset, amount);
    if (debt !== 0n) await s.engine.connect(who).borrow(id, debt, who.address);
    return id;
  };
  const healthy = await open(s.alice, weth, WETH(10), USDC(15_000));
  const free = await open(s.stranger, weth, WETH(2), 0n);
  const unflagged = await open(s.carol, weth, WETH(10), USDC(23_000));
  const flagged = await open(s.carol, weth, WETH(10), USDC(23_000));
  const resetVault = await open(s.bob, weth, WETH(10), USDC(23_000));
  const takeVault = await open(s.bob, weth, WETH(10), USDC(23_000));
  const badDebtVault = await open(s.alice, link, LINK(1_000), USDC(9_000));

  await setPrice(s, "WETH", "2600");
  await setPrice(s, "LINK", "8"); // HF 0.67: below the hard floor, no cure window
  for (const id of [flagged, resetVault, takeVault]) await s.engine.connect(s.keeper).flagMarginCall(id);
  await time.increase(CURE_WINDOW);
  await s.auctionHouse.connect(s.keeper).kick(resetVault, weth, s.keeper.address);
  const resetId = await s.auctionHouse.auctionCount();
  await s.auctionHouse.connect(s.keeper).kick(badDebtVault, link, s.keeper.address);
  const soldOutId = await s.auctionHouse.auctionCount();
  // 45 price steps later the whole LINK lot fetches less than its debt: the rest is bad debt.
  const a = await s.auctionHouse.auction(soldOutId);
  await time.setNextBlockTimestamp(a.startedAt + 2_700n);
  await s.auctionHouse.connect(s.bob).take(soldOutId, a.lot, ethers.MaxUint256, s.bob.address, "0x");
  await time.increase(MAX_DURATION + 1 - 2_700);
  await refreshFeeds(s);
  await s.auctionHouse.connect(s.keeper).kick(takeVault, weth, s.keeper.address);
  const takeId = await s.auctionHouse.auctionCount();
  const scanner = await ethers.deployContract("LiquidationScanner", [
    await s.engine.getAddress(),
    await s.auctionHouse.getAddress(),
  ]);

  expect((await s.auctionHouse.auctionStatus(resetId)).needsReset).to.equal(true);
  expect((await s.auctionHouse.auctionStatus(takeId)).needsReset).to.equal(false);
  expect(await s.engine.collateralsOf(badDebtVault)).to.deep.equal([]);
  expect(await s.engine.scaledDebtOf(badDebtVault)).to.be.greaterThan(0n);
  expect(await s.engine.healthFactor(unflagged)).to.be.lessThan(WAD);
  return {
    s,
    weth,
    link,
    usdc,
    scanner,
    ids: { healthy, free, unflagged, flagged, resetVault, takeVault, badDebtVault },
    resetId,
    takeId,
  };
}
type Fixture = Awaited<ReturnType<typeof faultFixture>>;

async function wethFeedConfig(f: Fixture) {
  const c = await f.s.oracle.feedConfig(f.weth);
  return {
    primary: c.primary,
    secondary: c.secondary,
    primaryStaleness: c.primaryStaleness,
    secondaryStaleness: c.secondaryStaleness,
    maxDeviation: c.maxDeviation,
    minPrice: c.minPrice,
    maxPrice: c.maxPrice,
  };
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

interface Fault {
  name: string;
  reason: bigint;
  /** The fault hits every price read (sequencer): the error names the first asset the call site reads. */
  global?: boolean;
  apply: (f: Fixture) => Promise<unknown>;
}

const P2600 = 2600n * 10n ** 8n;

const FAULTS: Fault[] = [
  {
    name: "stale answer (updatedAt older than the staleness limit)",
    reason: F.Stale,
    apply: async (f) => {
      const t = (await now()) - 86_401n;
      return f.s.feeds.WETH.updateRoundData(99n, P2600, t, t);
    },
  },
  {
    name: "answer timestamped in the future",
    reason: F.Stale,
    apply: async (f) => f.s.feeds.WETH.updateRoundData(99n, P2600, (await now()) + 3_600n, await now()),
  },
  {
    name: "updatedAt = 0 (round never completed)",
    reason: F.Stale,
    apply: async (f) => f.s.feeds.WETH.updateRoundData(99n, P2600, 0n, 0n),
  },
  { name: "zero answer", reason: F.NonPositive, apply: (f) => f.s.feeds.WETH.updateAnswer(0n) },
  { name: "negative answer", reason: F.NonPositive, apply: (f) => f.s.feeds.WETH.updateAnswer(-1n) },
  {
    name: "answer below the configured floor ($5 < $10)",
    reason: F.OutOfBounds,
    apply: (f) => f.s.feeds.WETH.updateAnswer(5n * 10n ** 8n),
  },
  {
    name: "answer above the configured ceiling ($2M > $1M)",
    reason: F.OutOfBounds,
    apply: (f) => f.s.feeds.WETH.updateAnswer(2_000_000n * 10n ** 8n),
  },
  {
    name: "feed whose latestRoundData reverts",
    reason: F.CallFailed,
    apply: async (f) => {
      const feed = await ethers.deployContract("RevertingFeed");
      return f.s.oracle.setFeed(f.weth, { ...(await wethFeedConfig(f)), primary: await feed.getAddress() });
    },
  },
  {
    name: "feed returning short data (2 of 5 words)",
    reason: F.CallFailed,
    apply: async (f) => {
      const feed = await ethers.deployContract("ShortDataFeed");
      return f.s.oracle.setFeed(f.weth, { ...(await wethFeedConfig(f)), primary: await feed.getAddress() });
    },
  },
  {
    name: "feed that burns all the gas it is given",
    reason: F.CallFailed,
    apply: async (f) => {
      const feed = await ethers.deployContract("GasBurnerFeed");
      return f.s.oracle.setFeed(f.weth, { ...(await wethFeedConfig(f)), primary: await feed.getAddress() });
    },
  },
  {
    name: "feed decimals changed after configuration (8 -> 18, cached 8: price x1e10)",
    reason: F.OutOfBounds,
    apply: async (f) => {
      const feed = await ethers.deployContract("MutableDecimalsFeed", [8, P2600]);
      await f.s.oracle.setFeed(f.weth, { ...(await wethFeedConfig(f)), primary: await feed.getAddress() });
      expect(await f.s.oracle.getPrice(f.weth)).to.equal(2600n * WAD);
      return feed.set(18, 2600n * WAD);
    },
  },
  {
    name: "feed removed by governance",
    reason: F.NoFeed,
    apply: (f) => f.s.oracle.removeFeed(f.weth),
  },
  {
    name: "secondary feed deviating from the primary (2,000 vs 2,600)",
    reason: F.Deviation,
    apply: async (f) => {
      const second = await ethers.deployContract("MockV3Aggregator", [8, 2000n * 10n ** 8n]);
      return f.s.oracle.setFeed(f.weth, {
        ...(await wethFeedConfig(f)),
        secondary: await second.getAddress(),
        secondaryStaleness: 86_400,
        maxDeviation: 10n ** 16n,
      });
    },
  },
  {
    name: "secondary feed stale",
    reason: F.Stale,
    apply: async (f) => {
      const second = await ethers.deployContract("MockV3Aggregator", [8, P2600]);
      const t = (await now()) - 3_601n;
      await second.updateRoundData(7n, P2600, t, t);
      return f.s.oracle.setFeed(f.weth, {
        ...(await wethFeedConfig(f)),
        secondary: await second.getAddress(),
        secondaryStaleness: 3_600,
        maxDeviation: 10n ** 16n,
      });
    },
  },
  {
    name: "L2 sequencer down",
    reason: F.SequencerDown,
    global: true,
    apply: async (f) => {
      const uptime = await ethers.deployContract("MockV3Aggregator", [0, 1n]);
      return f.s.oracle.setSequencerFeed(await uptime.getAddress(), 3_600);
    },
  },
  {
    name: "L2 sequencer up again, inside its grace period",
    reason: F.SequencerGracePeriod,
    global: true,
    apply: async (f) => {
      const uptime = await ethers.deployContract("MockV3Aggregator", [0, 0n]);
      await uptime.updateRoundData(2n, 0n, await now(), await now());
      return f.s.oracle.setSequencerFeed(await uptime.getAddress(), 3_600);
    },
  },
  {
    name: "L2 sequencer uptime feed reverting (fails closed)",
    reason: F.SequencerDown,
    global: true,
    apply: async (f) => {
      const uptime = await ethers.deployContract("RevertingFeed");
      return f.s.oracle.setSequencerFeed(await uptime.getAddress(), 3_600);
    },
  },
];

/** Call sites that read a price and must revert OracleFailed(asset, reason). `reads` is the first asset read. */
function priceReadingSites(f: Fixture): { name: string; reads: string; call: () => Promise<unknown> }[] {
  const { s, weth, usdc, ids } = f;
  const k = s.keeper.address;
  return [
    { name: "engine.borrow", reads: usdc, call: () => s.engine.connect(s.alice).borrow(ids.healthy, USDC(100), k) },
    {
      name: "engine.withdraw (vault with debt)",
      reads: usdc,
      call: () => s.engine.connect(s.alice).withdraw(ids.healthy, weth, 1n, s.alice.address),
    },
    {
      name: "engine.flagMarginCall",
      reads: usdc,
      call: () => s.engine.connect(s.keeper).flagMarginCall(ids.unflagged),
    },
    { name: "engine.clearMarginCall", reads: usdc, call: () => s.engine.connect(s.carol).clearMarginCall(ids.flagged) },
    { name: "auctionHouse.kick", reads: usdc, call: () => s.auctionHouse.connect(s.keeper).kick(ids.flagged, weth, k) },
    { name: "auctionHouse.reset", reads: usdc, call: () => s.auctionHouse.connect(s.keeper).reset(f.resetId, k) },
    { name: "oracle.poke", reads: weth, call: () => s.oracle.connect(s.keeper).poke(weth) },
    { name: "engine.healthFactor", reads: usdc, call: () => s.engine.healthFactor(ids.healthy) },
    { name: "engine.initialHealthFactor", reads: usdc, call: () => s.engine.initialHealthFactor(ids.healthy) },
    { name: "engine.maxBorrow", reads: usdc, call: () => s.engine.maxBorrow(ids.healthy) },
    { name: "engine.healthBreakdown", reads: usdc, call: () => s.engine.healthBreakdown(ids.healthy) },
    { name: "auctionHouse.previewKick", reads: usdc, call: () => s.auctionHouse.previewKick(ids.flagged, weth) },
    { name: "lens.vaultSummary", reads: usdc, call: () => s.lens.vaultSummary(ids.healthy) },
    { name: "lens.liquidationPrice", reads: usdc, call: () => s.lens.liquidationPrice(ids.healthy, weth) },
  ];
}

describe("Adversarial: oracle faults at every call site", function () {
  it("control: without a fault every price-reading call site works on the fixture", async function () {
    for (const site of priceReadingSites(await networkHelpers.loadFixture(faultFixture))) {
      const f = await networkHelpers.loadFixture(faultFixture);
      const call = priceReadingSites(f).find((x) => x.name === site.name)!.call;
      if (site.name === "engine.clearMarginCall") {
        // It reads the price and finds the vault still unhealthy.
        await expect(call()).to.be.revertedWithCustomError(f.s.engine, "VaultUnhealthy");
      } else {
        await call();
      }
    }
  });

  for (const fault of FAULTS) {
    describe(fault.name, function () {
      async function faultyFixture() {
        const f = await faultFixture();
        await fault.apply(f);
        return f;
      }

      it(`every price-reading call site reverts OracleFailed(asset, ${fault.reason}) and moves nothing`, async function () {
        const f = await networkHelpers.loadFixture(faultyFixture);
        const { s, weth, link, ids } = f;
        const vaults = Object.values(ids);
        const before = await ledgers(s, vaults, [weth, link]);
        const oracleBefore = await s.oracle.trackerState(weth);
        for (const site of priceReadingSites(f)) {
          const asset = fault.global ? site.reads : weth;
          try {
            await expect(site.call())
              .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
              .withArgs(asset, fault.reason);
          } catch (e) {
            throw new Error(`${site.name}: ${(e as Error).message}`);
          }
        }
        expect(await s.auctionHouse.canKick(ids.flagged, weth)).to.deep.equal([
          false,
          s.oracle.interface.getError("OracleFailed")!.selector,
        ]);
        // The price-drop breaker refuses to trip on an unusable price, naming the failure.
        await expect(s.circuitBreaker.connect(s.keeper).trip(weth))
          .to.be.revertedWithCustomError(s.circuitBreaker, "OracleFailureMode")
          .withArgs(weth, fault.reason);
        expect(await ledgers(s, vaults, [weth, link])).to.deep.equal(before);
        expect(await s.oracle.trackerState(weth)).to.deep.equal(oracleBefore);
      });

      it("repay, deposit, debt-free withdraw, take, bad-debt realisation and lender flows still work", async function () {
        const f = await networkHelpers.loadFixture(faultyFixture);
        const { s, weth, ids } = f;
        // Risk-reducing actions on a vault with debt, and on a flagged one (the flag stays: no price proves a cure).
        await expect(s.engine.connect(s.alice).repay(ids.healthy, USDC(1_000))).to.emit(s.engine, "Repaid");
        await expect(s.engine.connect(s.alice).deposit(ids.healthy, weth, WETH(1)))
          .to.emit(s.engine, "CollateralDeposited")
          .withArgs(ids.healthy, weth, s.alice.address, WETH(1));
        const flaggedAt = await s.engine.marginCallOf(ids.flagged);
        await s.engine.connect(s.carol).deposit(ids.flagged, weth, WETH(5));
        await s.engine.connect(s.carol).repay(ids.flagged, USDC(5_000));
        expect(await s.engine.marginCallOf(ids.flagged)).to.equal(flaggedAt);
        // A debt-free vault needs no price.
        await expect(
          s.engine.connect(s.stranger).withdraw(ids.free, weth, WETH(1), s.stranger.address),
        ).to.changeTokenBalance(ethers, s.weth, s.stranger, WETH(1));
        // Full repayment, then the whole collateral back out.
        await s.engine.connect(s.alice).repay(ids.healthy, ethers.MaxUint256);
        await expect(
          s.engine.connect(s.alice).withdraw(ids.healthy, weth, WETH(11), s.alice.address),
        ).to.changeTokenBalance(ethers, s.weth, s.alice, WETH(11));
        // A take prices off the auction curve, not the oracle.
        const lotBefore = (await s.auctionHouse.auction(f.takeId)).lot;
        await expect(
          s.auctionHouse.connect(s.bob).take(f.takeId, WETH(1), ethers.MaxUint256, s.bob.address, "0x"),
        ).to.emit(s.auctionHouse, "AuctionTaken");
        expect((await s.auctionHouse.auction(f.takeId)).lot).to.equal(lotBefore - WETH(1));
        // Bad debt is realised without a price.
        await expect(s.engine.connect(s.stranger).realiseBadDebt(ids.badDebtVault)).to.emit(
          s.engine,
          "BadDebtRealised",
        );
        expect(await s.engine.scaledDebtOf(ids.badDebtVault)).to.equal(0n);
        // Lenders come and go.
        await expect(s.pool.connect(s.carol).deposit(USDC(1_000), s.carol.address)).to.emit(s.pool, "Deposit");
        await expect(s.pool.connect(s.lender).withdraw(USDC(1_000), s.lender.address, s.lender.address)).to.emit(
          s.pool,
          "Withdraw",
        );
        // Anyone records the failure, with the live reason.
        await expect(s.circuitBreaker.connect(s.stranger).recordOracleFailure(weth))
          .to.emit(s.circuitBreaker, "OracleFailureRecorded")
          .withArgs(weth, fault.reason);
      });

      it("keeper views skip unpriceable vaults instead of reverting", async function () {
        const f = await networkHelpers.loadFixture(faultyFixture);
        const { s, ids, scanner } = f;
        // Every vault with debt holds WETH or needs the base price; only the bad-debt vault (no
        // collateral) is still priced when WETH alone fails, at HF 0.
        expect(await s.lens.liquidatableVaults(1n, 100n)).to.deep.equal(fault.global ? [] : [ids.badDebtVault]);
        const hfs = await scanner.healthFactors(1n, 100n);
        const unpriced = await scanner.UNPRICED();
        expect(hfs[Number(ids.free) - 1]).to.equal(ethers.MaxUint256);
        expect(hfs[Number(ids.badDebtVault) - 1]).to.equal(fault.global ? unpriced : 0n);
        for (const id of [ids.healthy, ids.unflagged, ids.flagged, ids.resetVault, ids.takeVault]) {
          expect(hfs[Number(id) - 1], `vault ${id}`).to.equal(unpriced);
        }
        const found = await scanner.scan(1n, 100n, WAD);
        const unpricedIds = found.filter((v) => !v.priced).map((v) => v.id);
        expect(unpricedIds).to.include.members([
          ids.healthy,
          ids.unflagged,
          ids.flagged,
          ids.resetVault,
          ids.takeVault,
        ]);
      });
    });
  }
  describe("a stale base-asset (USDC) feed", function () {
    async function staleBaseFixture() {
      const f = await faultFixture();
      const t = (await now()) - 86_401n;
      await f.s.feeds.USDC.updateRoundData(99n, 10n ** 8n, t, t);
      return f;
    }

    it("every call site valuing debt reverts OracleFailed(USDC, Stale); collateral-only reads still work", async function () {
      const f = await networkHelpers.loadFixture(staleBaseFixture);
      const { s, weth, usdc, ids } = f;
      const before = await ledgers(s, Object.values(ids), [weth, f.link]);
      for (const site of priceReadingSites(f)) {
        if (site.name === "oracle.poke") continue;
        try {
          await expect(site.call()).to.be.revertedWithCustomError(s.oracle, "OracleFailed").withArgs(usdc, F.Stale);
        } catch (e) {
          throw new Error(`${site.name}: ${(e as Error).message}`);
        }
      }
      expect(await ledgers(s, Object.values(ids), [weth, f.link])).to.deep.equal(before);
      // The WETH price itself is fine: the tracker and a debt-free vault's health do not need the base price.
      await expect(s.oracle.connect(s.keeper).poke(weth)).to.emit(s.oracle, "Poked");
      expect(await s.engine.healthFactor(ids.free)).to.equal(ethers.MaxUint256);
      expect((await s.engine.healthBreakdown(ids.free)).assets[0].price).to.equal(2600n * WAD);
      // Max borrow converts borrowing power into base units, so it needs the base price even without debt.
      await expect(s.engine.maxBorrow(ids.free))
        .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
        .withArgs(usdc, F.Stale);
      await expect(s.lens.vaultSummary(ids.free))
        .to.be.revertedWithCustomError(s.oracle, "OracleFailed")
        .withArgs(usdc, F.Stale);
    });

    it("repay, deposit, take, bad-debt realisation and lender flows still work", async function () {
      const f = await networkHelpers.loadFixture(staleBaseFixture);
      const { s, weth, ids } = f;
      await expect(s.engine.connect(s.alice).repay(ids.healthy, USDC(1_000))).to.emit(s.engine, "Repaid");
      await expect(s.engine.connect(s.alice).deposit(ids.healthy, weth, WETH(1))).to.emit(
        s.engine,
        "CollateralDeposited",
      );
      await expect(
        s.auctionHouse.connect(s.bob).take(f.takeId, WETH(1), ethers.MaxUint256, s.bob.address, "0x"),
      ).to.emit(s.auctionHouse, "AuctionTaken");
      await expect(s.engine.connect(s.stranger).realiseBadDebt(ids.badDebtVault)).to.emit(s.engine, "BadDebtRealised");
      await expect(s.pool.connect(s.carol).deposit(USDC(1_000), s.carol.address)).to.emit(s.pool, "Deposit");
      await expect(s.engine.connect(s.stranger).withdraw(ids.free, weth, WETH(1), s.stranger.address)).to.emit(
        s.engine,
        "CollateralWithdrawn",
      );
    });
  });
});

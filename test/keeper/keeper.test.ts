// The keeper bot end to end on the in-process network: a populated deployment (scripts/lib/local.ts),
// a WETH and LINK price shock, then keeperStep passes with time moving on (cure window, falling auction
// prices) until the bot has nothing left to do.
import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { keeperStep, runKeeper, type KeeperAction, type KeeperOptions } from "../../scripts/lib/keeper.js";
import { deployLocalSystem, type LocalSystem } from "../../scripts/lib/local.js";

const { ethers, networkHelpers } = await network.create();

const WAD = 10n ** 18n;
const MAX_UINT256 = 2n ** 256n - 1n;
/** Mirrors `Action` in ICircuitBreaker.sol. */
const Action = { Kick: 3, Take: 4 } as const;
const HOUR = 3600;

interface Plan {
  name: string;
  collateral: Record<string, string>;
  borrow: string;
  /** What the shock (WETH 3,000 -> 2,200, LINK 15 -> 7) does to it. */
  expect: "healthy" | "flagged" | "below floor";
}

// Maintenance haircuts: WETH 0.15, WBTC 0.18, LINK 0.25 (plus tiny size add-ons); hard floor 0.9.
const PLANS: Plan[] = [
  // M = 22,000 x 0.85 = 18,695 vs 20,000: HF 0.93, cure window first.
  { name: "alice", collateral: { WETH: "10" }, borrow: "20000", expect: "flagged" },
  // 18,695 vs 21,000: HF 0.89, below the hard floor; one collateral cannot cover it all: bad debt.
  { name: "bob", collateral: { WETH: "10" }, borrow: "21000", expect: "below floor" },
  // LINK crash: 1,000 LINK worth 7,000 (M 5,245) vs 9,500: HF 0.55, sold out below the debt: bad debt.
  { name: "carol", collateral: { LINK: "1000" }, borrow: "9500", expect: "below floor" },
  { name: "dave", collateral: { WETH: "10" }, borrow: "5000", expect: "healthy" },
  { name: "erin", collateral: { WBTC: "2" }, borrow: "50000", expect: "healthy" },
  // Two collaterals: 5 WETH (M 9,347) + 1,000 LINK (M 5,245) vs 15,000: HF 0.97; selling WETH restores it.
  { name: "frank", collateral: { WETH: "5", LINK: "1000" }, borrow: "15000", expect: "flagged" },
  // Not touched by the shock at all.
  { name: "gina", collateral: { WBTC: "1", WETH: "5" }, borrow: "30000", expect: "healthy" },
];

interface World {
  s: LocalSystem;
  keeper: HardhatEthersSigner;
  vaults: { id: bigint; plan: Plan }[];
}

async function populatedFixture(): Promise<World> {
  const signers = await ethers.getSigners();
  const [deployer, lender] = signers;
  const keeper = signers[2 + PLANS.length];
  const s = await deployLocalSystem(ethers, { deployer });
  await s.fund(lender, { USDC: "2000000" });
  await (await s.pool.connect(lender).deposit(s.units("USDC", "2000000"), lender.address)).wait();
  // The insurance fund pays keeper incentives and is first loss on bad debt.
  await s.fund(deployer, { USDC: "10000" });
  await (
    await s.baseToken.connect(deployer).transfer(await s.insuranceFund.getAddress(), s.units("USDC", "10000"))
  ).wait();
  // The keeper has capital but has not approved the auction house: the bot does that itself.
  await s.fund(keeper, { USDC: "500000" });
  const vaults: World["vaults"] = [];
  for (const [i, plan] of PLANS.entries()) {
    const owner = signers[2 + i];
    await s.fund(owner, plan.collateral);
    await (await s.engine.connect(owner).openVault(owner.address)).wait();
    const id = await s.engine.vaultCount();
    for (const [symbol, amount] of Object.entries(plan.collateral)) {
      await (await s.engine.connect(owner).deposit(id, s.info[symbol].address, s.units(symbol, amount))).wait();
    }
    await (await s.engine.connect(owner).borrow(id, s.units("USDC", plan.borrow), owner.address)).wait();
    vaults.push({ id, plan });
  }
  return { s, keeper, vaults };
}

async function shockedFixture(): Promise<World> {
  const w = await populatedFixture();
  await w.s.setPrice("WETH", "2200");
  await w.s.setPrice("LINK", "7");
  return w;
}

function options(w: World, extra: Partial<KeeperOptions> = {}, lines: string[] = []): KeeperOptions {
  return {
    ethers,
    bw: w.s,
    signer: w.keeper,
    minProfitBps: 100,
    log: (line) => lines.push(line),
    ...extra,
  };
}

/** Oracle price of `asset` in base units per whole token [wad], as the auction house converts it. */
async function oracleInBase(s: LocalSystem, asset: string): Promise<bigint> {
  return ((await s.oracle.getPrice(asset)) * WAD) / (await s.oracle.getPrice(s.record.baseAsset.address));
}

async function openAuctionIds(s: LocalSystem): Promise<bigint[]> {
  const open: bigint[] = [];
  for (let id = 1n; id <= (await s.auctionHouse.auctionCount()); id++) {
    if ((await s.auctionHouse.auctionStatus(id)).active) open.push(id);
  }
  return open;
}

/** Nothing left for a keeper: no open auction and no vault in shortfall. */
async function idle(s: LocalSystem): Promise<boolean> {
  const shortfall = await s.lens.liquidatableVaults(1n, await s.engine.vaultCount());
  return shortfall.length === 0 && (await openAuctionIds(s)).length === 0;
}

/** keeperStep, then a minute passes (one step of the auction curve), until the keeper goes idle. */
async function runUntilIdle(o: KeeperOptions, s: LocalSystem, maxPasses = 150): Promise<KeeperAction[]> {
  const all: KeeperAction[] = [];
  for (let pass = 0; pass < maxPasses; pass++) {
    const actions = await keeperStep(o);
    all.push(...actions);
    if (actions.length === 0 && (await idle(s))) return all;
    await networkHelpers.time.increase(60);
  }
  throw new Error(`keeper still busy after ${maxPasses} passes`);
}

async function takenEvent(s: LocalSystem, txHash: string) {
  const receipt = await ethers.provider.getTransactionReceipt(txHash);
  for (const log of receipt!.logs) {
    const parsed = s.auctionHouse.interface.parseLog(log);
    if (parsed?.name === "AuctionTaken") return parsed.args;
  }
  throw new Error(`no AuctionTaken in ${txHash}`);
}

const ofKind = (actions: KeeperAction[], kind: KeeperAction["kind"]) => actions.filter((a) => a.kind === kind);
const vaultsOf = (actions: KeeperAction[]) => new Set(actions.map((a) => a.vault));

describe("Keeper bot", function () {
  it("the shock puts exactly the planned vaults in shortfall (scenario check)", async function () {
    const { s, vaults } = await networkHelpers.loadFixture(shockedFixture);
    const hardFloor = (await s.auctionHouse.auctionParameters()).hardFloor;
    for (const { id, plan } of vaults) {
      const hf = await s.engine.healthFactor(id);
      if (plan.expect === "healthy") expect(hf, plan.name).to.be.at.least(WAD);
      if (plan.expect === "flagged") expect(hf, plan.name).to.be.lessThan(WAD).and.at.least(hardFloor);
      if (plan.expect === "below floor") expect(hf, plan.name).to.be.lessThan(hardFloor);
    }
  });

  it("liquidates every vault in shortfall to health or realises its bad debt, and leaves healthy vaults alone", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const { s, vaults } = w;
    const lines: string[] = [];
    const hfBefore = new Map<bigint, bigint>();
    const collateralBefore = new Map<bigint, bigint[]>();
    for (const { id } of vaults) {
      hfBefore.set(id, await s.engine.healthFactor(id));
      collateralBefore.set(
        id,
        await Promise.all(s.record.collaterals.map((c) => s.engine.collateralAmount(id, c.address))),
      );
    }

    const actions = await runUntilIdle(options(w, {}, lines), s);

    const liquidatable = vaults.filter((v) => hfBefore.get(v.id)! < WAD);
    const healthy = vaults.filter((v) => hfBefore.get(v.id)! >= WAD);
    expect(liquidatable.map((v) => v.plan.name)).to.deep.equal(["alice", "bob", "carol", "frank"]);
    for (const { id, plan } of liquidatable) {
      const kicks = ofKind(actions, "kick").filter((a) => a.vault === id);
      expect(kicks.length, `${plan.name} kicked`).to.be.at.least(1);
      const hf = await s.engine.healthFactor(id);
      const realised = ofKind(actions, "realiseBadDebt").some((a) => a.vault === id);
      if (realised) {
        expect(await s.engine.debtOf(id), `${plan.name} debt after bad debt`).to.equal(0n);
        expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
      } else {
        expect(hf, `${plan.name} HF after liquidation`).to.be.at.least(WAD);
      }
      expect(await s.engine.openAuctionsOf(id)).to.equal(0n);
    }
    // Vaults above the hard floor waited out the cure window; the others were kicked at once.
    for (const name of ["alice", "frank"]) {
      const id = vaults.find((v) => v.plan.name === name)!.id;
      expect(ofKind(actions, "flag").some((a) => a.vault === id)).to.equal(true);
      expect(await s.engine.healthFactor(id)).to.be.at.least(WAD);
    }
    for (const name of ["bob", "carol"]) {
      const id = vaults.find((v) => v.plan.name === name)!.id;
      expect(ofKind(actions, "realiseBadDebt").map((a) => a.vault)).to.include(id);
    }
    // Healthy vaults: no action, no margin call, no auction, collateral untouched.
    const touched = vaultsOf(actions);
    for (const { id, plan } of healthy) {
      expect(touched.has(id), `${plan.name} touched`).to.equal(false);
      expect(await s.engine.marginCallOf(id)).to.equal(0n);
      for (const c of s.record.collaterals) expect(await s.auctionHouse.activeAuctionOf(id, c.address)).to.equal(0n);
      const now = await Promise.all(s.record.collaterals.map((c) => s.engine.collateralAmount(id, c.address)));
      expect(now, plan.name).to.deep.equal(collateralBefore.get(id));
    }
    const started = await s.auctionHouse.queryFilter(s.auctionHouse.filters.AuctionStarted());
    expect(started.map((e) => e.args.vault).filter((v) => healthy.some((h) => h.id === v))).to.deep.equal([]);
    expect(started.length).to.equal(ofKind(actions, "kick").length);

    // Every take was profitable against the market source (here the oracle): price < market x 0.99.
    const takes = ofKind(actions, "take");
    expect(takes.length).to.be.at.least(started.length);
    for (const t of takes) {
      const e = await takenEvent(s, t.txHash);
      const market = await oracleInBase(s, t.asset!);
      expect(e.price * 10_000n, `take ${t.txHash}`).to.be.lessThan(market * 9_900n);
      expect(typeof t.auctionId).to.equal("bigint");
    }
    expect(await openAuctionIds(s)).to.deep.equal([]);
    // Every action was logged as one line with its transaction.
    for (const a of actions) expect(lines.some((l) => l.includes(a.txHash) && l.startsWith(a.kind))).to.equal(true);
    expect(lines.some((l) => l.includes("CureWindowActive"))).to.equal(true);
  });

  it("takes only below the market price source: never while the market is below the auction price, then at its own threshold", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const { s } = w;
    const weth = s.info.WETH.address;
    // A market that pays half the oracle price for WETH (other assets at the oracle).
    let wethFactor = 5_000n; // [bps of the oracle price]
    const calls: string[] = [];
    const marketPrice = async (asset: string) => {
      calls.push(asset);
      const price = await s.oracle.getPrice(asset);
      return asset.toLowerCase() === weth.toLowerCase() ? (price * wethFactor) / 10_000n : price;
    };
    const lines: string[] = [];
    const o = options(w, { marketPrice }, lines);
    const all: KeeperAction[] = [];
    // 80 minutes: WETH auctions fall from 1.1 x oracle past 0.55 x oracle (reset at half the start price).
    for (let pass = 0; pass < 80; pass++) {
      all.push(...(await keeperStep(o)));
      await networkHelpers.time.increase(60);
    }
    const wethTakes = ofKind(all, "take").filter((a) => a.asset === weth);
    expect(wethTakes).to.deep.equal([]);
    const wethAuctions = ofKind(all, "kick").filter((a) => a.asset === weth);
    expect(wethAuctions.length).to.be.at.least(1);
    // The stale WETH auctions were restarted instead of sold into a market below their price.
    expect(ofKind(all, "reset").filter((a) => a.asset === weth).length).to.be.at.least(1);
    expect(lines.some((l) => /auction #\d+ \(vault #\d+, WETH\): price .* not below/.test(l))).to.equal(true);
    expect(calls.map((c) => c.toLowerCase())).to.include(weth.toLowerCase());
    expect(await s.tokens.WETH.balanceOf(w.keeper.address)).to.equal(0n);
    // LINK was sold against its (oracle) market price meanwhile.
    expect(ofKind(all, "take").filter((a) => a.asset === s.info.LINK.address).length).to.be.at.least(1);

    // Market at 90% of the oracle: takes happen, each below 0.9 x 0.99 of the oracle price.
    wethFactor = 9_000n;
    const more = await runUntilIdle(o, s);
    const takes = ofKind(more, "take").filter((a) => a.asset === weth);
    expect(takes.length).to.be.at.least(1);
    for (const t of takes) {
      const e = await takenEvent(s, t.txHash);
      const threshold = ((await oracleInBase(s, weth)) * 9_000n * 9_900n) / 10_000n / 10_000n;
      expect(e.price).to.be.lessThan(threshold);
    }
    expect(await s.tokens.WETH.balanceOf(w.keeper.address)).to.be.greaterThan(0n);
  });

  it("with too little capital the keeper buys the part of a lot its balance pays for", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const { s, keeper } = w;
    const keep = s.units("USDC", "3000");
    const balance = await s.baseToken.balanceOf(keeper.address);
    await (await s.baseToken.connect(keeper).transfer(s.deployer.address, balance - keep)).wait();
    const o = options(w);
    let take: KeeperAction | undefined;
    for (let pass = 0; pass < 30 && take === undefined; pass++) {
      take = ofKind(await keeperStep(o), "take")[0];
      await networkHelpers.time.increase(60);
    }
    expect(take, "a take").to.not.equal(undefined);
    const e = await takenEvent(s, take!.txHash);
    // It spent (nearly) all it had: its 3,000 plus the keeper rewards its kicks earned.
    expect(e.paid).to.be.greaterThan(keep);
    expect(await s.baseToken.balanceOf(keeper.address)).to.be.lessThan(s.units("USDC", "1"));
    expect(e.lotLeft).to.be.greaterThan(0n);
    expect((await s.auctionHouse.auctionStatus(take!.auctionId!)).active).to.equal(true);
  });

  it("refuses a minimum profit outside [0, 10000) bps before sending anything", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    for (const minProfitBps of [-1, 10_000, 1.5]) {
      let error: unknown;
      await keeperStep(options(w, { minProfitBps })).catch((e: unknown) => (error = e));
      expect(error).to.be.instanceOf(RangeError);
    }
    expect(await w.s.engine.marginCallOf(1n)).to.equal(0n);
  });

  it("a Kick pause is respected: refusals are decoded and logged, flags still go out", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const { s } = w;
    await (await s.circuitBreaker.connect(s.deployer).pause(Action.Kick, HOUR)).wait();
    const lines: string[] = [];
    const actions = await keeperStep(options(w, {}, lines));
    expect(ofKind(actions, "kick")).to.deep.equal([]);
    expect(ofKind(actions, "flag").map((a) => a.vault)).to.deep.equal([1n, 2n, 3n, 6n]);
    expect(lines.some((l) => /vault #2 .*not kickable now: WETH: ActionPaused/.test(l))).to.equal(true);
    expect(await s.auctionHouse.auctionCount()).to.equal(0n);
  });

  it("a failing transaction (Take paused) is logged with the decoded error and the pass goes on", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const { s } = w;
    const lines: string[] = [];
    const o = options(w, {}, lines);
    // Pass 1: vaults below the hard floor are kicked at once, the others flagged.
    const first = await keeperStep(o);
    expect(ofKind(first, "kick").map((a) => a.vault)).to.deep.equal([2n, 3n]);
    await (await s.circuitBreaker.connect(s.deployer).pause(Action.Take, HOUR)).wait();
    // 15 minutes: auction prices are profitable now, and the cure window has passed.
    await networkHelpers.time.increase(15 * 60);
    lines.length = 0;
    const second = await keeperStep(o);
    expect(ofKind(second, "take")).to.deep.equal([]);
    const failures = lines.filter((l) => l.startsWith("take") && l.includes("FAILED"));
    expect(failures.length).to.equal(2);
    for (const f of failures) expect(f).to.match(/FAILED: ActionPaused\(action: 4, until: \d+\)/);
    // The failures did not stop the pass: the flagged vaults were kicked after them.
    expect(ofKind(second, "kick").map((a) => a.vault)).to.deep.equal([1n, 6n]);

    // Governance lifts the pause: the next pass takes.
    await (await s.circuitBreaker.connect(s.deployer).unpause(Action.Take)).wait();
    const third = await keeperStep(o);
    expect(ofKind(third, "take").length).to.be.at.least(2);
  });

  it("a kick that trips the price-drop breaker is reported as deferred; the keeper waits out the trip and grace period", async function () {
    const w = await networkHelpers.loadFixture(populatedFixture);
    const { s } = w;
    const weth = s.info.WETH.address;
    // The oracle tracker has seen WETH at 3,000 in this window: the fall to 2,200 (-26.7%) exceeds maxDrop (20%).
    await (await s.oracle.poke(weth)).wait();
    await w.s.setPrice("WETH", "2200");
    await w.s.setPrice("LINK", "7");
    // Alice's vault was flagged by someone else and its cure window has passed.
    await (await s.engine.connect(s.deployer).flagMarginCall(1n)).wait();
    await networkHelpers.time.increase(601);
    const lines: string[] = [];
    const o = options(w, {}, lines);
    const first = await keeperStep(o);
    // Alice (above the hard floor) is kicked first: the kick trips the breaker and defers; bob (below it)
    // is auctioned anyway.
    const [aliceKick, bobKick] = ofKind(first, "kick");
    expect([aliceKick.vault, aliceKick.auctionId, aliceKick.detail]).to.deep.equal([
      1n,
      undefined,
      "deferred: the kick tripped the WETH price-drop breaker (HF 0.9347)",
    ]);
    expect([bobKick.vault, typeof bobKick.auctionId]).to.deep.equal([2n, "bigint"]);
    const trippedUntil = (await s.circuitBreaker.assetView(weth)).trippedUntil;
    expect(trippedUntil).to.be.greaterThan(0n);

    const all = [...first, ...(await runUntilIdle(o, s))];
    expect(lines.some((l) => /vault #1 .*not kickable now: WETH: BreakerTripped/.test(l))).to.equal(true);
    expect(lines.some((l) => /vault #1 .*not kickable now: WETH: LiquidationGracePeriod/.test(l))).to.equal(true);
    // Alice's real auction started only once the trip and the grace period after it were over.
    const graceUntil = (await s.circuitBreaker.assetView(weth)).graceUntil;
    const aliceAuctions = ofKind(all, "kick").filter((a) => a.vault === 1n && a.auctionId !== undefined);
    expect(aliceAuctions.length).to.be.at.least(1);
    const startedAt = (
      await s.auctionHouse.queryFilter(s.auctionHouse.filters.AuctionStarted(aliceAuctions[0].auctionId))
    )[0];
    const block = await ethers.provider.getBlock(startedAt.blockNumber);
    expect(BigInt(block!.timestamp)).to.be.at.least(graceUntil);
    expect(await s.engine.healthFactor(1n)).to.be.at.least(WAD);
  });

  it("runKeeper stops promptly when aborted while sleeping, returns its actions and leaves no timer", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const controller = new AbortController();
    const lines: string[] = [];
    let abortedAt = 0;
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const o = options(w, {
      pollIntervalMs: 600_000, // far longer than the test's timeout: only the abort can end the sleep
      signal: controller.signal,
      log: (line) => {
        lines.push(line);
        // End of the first pass: abort once runKeeper is asleep.
        if (line.startsWith("pass 1:")) {
          setImmediate(() => {
            abortedAt = Date.now();
            controller.abort();
          });
        }
      },
    });
    const actions = await runKeeper(o);
    const stoppedAfter = Date.now() - abortedAt;
    expect(abortedAt).to.be.greaterThan(0);
    expect(stoppedAfter).to.be.lessThan(1_000);
    expect(ofKind(actions, "flag").map((a) => a.vault)).to.deep.equal([1n, 2n, 3n, 6n]);
    expect(ofKind(actions, "kick").map((a) => a.vault)).to.deep.equal([2n, 3n]);
    expect(lines.at(-1)).to.match(/keeper stopped after 1 pass\(es\), 6 action\(s\)/);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(timersAfter).to.be.at.most(timersBefore);
  });

  it("runKeeper aborted in the middle of a pass stops before the next vault and returns what it did", async function () {
    const w = await networkHelpers.loadFixture(shockedFixture);
    const controller = new AbortController();
    const o = options(w, {
      pollIntervalMs: 10,
      signal: controller.signal,
      log: (line) => {
        if (line.startsWith("flag")) controller.abort();
      },
    });
    const actions = await runKeeper(o);
    expect(actions.map((a) => [a.kind, a.vault])).to.deep.equal([["flag", 1n]]);
    expect(await w.s.engine.marginCallOf(2n)).to.equal(0n);
    // Already aborted: no pass at all.
    expect(await runKeeper(o)).to.deep.equal([]);
  });

  it("does nothing on a healthy system", async function () {
    const w = await networkHelpers.loadFixture(populatedFixture);
    const lines: string[] = [];
    expect(await keeperStep(options(w, {}, lines))).to.deep.equal([]);
    expect(lines).to.deep.equal([]);
    for (const { id } of w.vaults) expect(await w.s.engine.healthFactor(id)).to.not.equal(MAX_UINT256);
  });
});

import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { BaseContract, FunctionFragment, ParamType } from "ethers";
import { ROLES } from "../../deploy/breakwater.js";
import { deploySystem, setPrice, USDC, WAD, type System } from "../helpers/fixtures.js";
import type { CircuitBreaker, MockV3Aggregator } from "../../types/ethers-contracts/index.js";

const { ethers, networkHelpers } = await network.create();
const { time } = networkHelpers;

const wad = (x: string) => ethers.parseUnits(x, 18);
const b32 = (s: string) => ethers.encodeBytes32String(s);
const MINUTE = 60n;
const HOUR = 3600n;
const DAY = 86400n;
const MAX_UINT = 2n ** 256n - 1n;
const MAX_UINT64 = 2n ** 64n - 1n;

/** Mirrors `Action` in ICircuitBreaker.sol. */
const Action = { Deposit: 0, Withdraw: 1, Borrow: 2, Kick: 3, Take: 4, PoolDeposit: 5, PoolWithdraw: 6 } as const;
const ALL_ACTIONS = Object.values(Action);

/** Mirrors `OracleFailure` in IBreakwaterOracle.sol. */
const Failure = { None: 0n, NoFeed: 1n, NonPositive: 3n, Stale: 4n, OutOfBounds: 5n } as const;

const GLOBAL = {
  globalDebtUnderAuctionCap: USDC(1_000_000),
  maxPauseDuration: 3n * DAY,
  pauseCooldown: DAY,
  gracePeriod: HOUR,
};
type GlobalConfig = typeof GLOBAL;

/** WETH: 20% drop, 2 h trips, 400k USDC under auction, $360,000 per hour (exactly $100 per second). */
const WETH_CONFIG = {
  maxDrop: wad("0.2"),
  cooldown: 2n * HOUR,
  refillPeriod: HOUR,
  debtUnderAuctionCap: USDC(400_000),
  bucketCapacity: wad("360000"),
};
/** TKN (an 18-decimal feed, so prices are exact to the wei): odd values so every rounding shows. */
const TKN_CONFIG = {
  maxDrop: 123_456_789_012_345_678n,
  cooldown: 45n * MINUTE,
  refillPeriod: 7n * MINUTE,
  debtUnderAuctionCap: USDC(250_000),
  bucketCapacity: wad("1000") + 7n,
};
/** WBTC: only a debt cap, larger than the global room left once WETH is at its cap. */
const WBTC_CONFIG = {
  maxDrop: wad("0.3"),
  cooldown: HOUR,
  refillPeriod: 0n,
  debtUnderAuctionCap: USDC(700_000),
  bucketCapacity: 0n,
};
type AssetConfig = typeof WETH_CONFIG;

const TKN_START_PRICE = wad("2345.678901234567890123");

/** Price below which the asset trips: windowHigh x (1 - maxDrop), rounded down [wad]. */
const tripPriceOf = (windowHigh: bigint, maxDrop: bigint) => (windowHigh * (WAD - maxDrop)) / WAD;

// ---------------------------------------------------------------------------------------------
// Access classification of every state-changing function of the breaker, by ABI signature.
// A function missing here makes the first access test fail: classify it before shipping it.
// ---------------------------------------------------------------------------------------------

type Role = "ADMIN" | "RISK_MANAGER" | "GUARDIAN";
type Access =
  | { kind: "public"; reason: string }
  | { kind: "restricted"; role: Role }
  | { kind: "auctionHouseOnly" }
  | { kind: "authorityOnly" };

const pub = (reason: string): Access => ({ kind: "public", reason });
const ADMIN: Access = { kind: "restricted", role: "ADMIN" };
const RISK: Access = { kind: "restricted", role: "RISK_MANAGER" };
const GUARDIAN: Access = { kind: "restricted", role: "GUARDIAN" };
const AUCTION_HOUSE_ONLY: Access = { kind: "auctionHouseOnly" };

const ASSET_CONFIG = "(uint64,uint32,uint32,uint128,uint128)";
const GLOBAL_CONFIG = "(uint128,uint32,uint32,uint32)";

const ACCESS: Record<string, Access> = {
  "trip(address)": pub("anyone trips an asset whose price fell maxDrop below the window high (NoPriceDrop)"),
  "recordOracleFailure(address)": pub("anyone records an unusable price (OracleHealthy otherwise)"),
  "recordOracleRecovery(address)": pub("anyone records that a failed price is usable again (OracleFailureMode)"),
  "pause(uint8,uint256)": GUARDIAN,
  "freeze(address,uint256)": GUARDIAN,
  "unpause(uint8)": ADMIN,
  "unfreeze(address)": ADMIN,
  "extendPause(uint8,uint256)": ADMIN,
  "extendFreeze(address,uint256)": ADMIN,
  "clearTrip(address)": ADMIN,
  "setAuctionHouse(address)": ADMIN,
  [`setAssetConfig(address,${ASSET_CONFIG})`]: RISK,
  [`setGlobalConfig(${GLOBAL_CONFIG})`]: RISK,
  "onAuctionStart(address,uint256,uint256)": AUCTION_HOUSE_ONLY,
  "onAuctionEnd(address,uint256)": AUCTION_HOUSE_ONLY,
  "setAuthority(address)": { kind: "authorityOnly" },
};

/** Role wiring the deployment gives the breaker: functions not listed stay ADMIN (role 0). */
const BREAKER_ROLE_FUNCTIONS: Record<"GUARDIAN" | "RISK_MANAGER", string[]> = {
  GUARDIAN: ["pause(uint8,uint256)", "freeze(address,uint256)"],
  RISK_MANAGER: [`setAssetConfig(address,${ASSET_CONFIG})`, `setGlobalConfig(${GLOBAL_CONFIG})`],
};

const selectorOf = (signature: string) => ethers.id(signature).slice(0, 10);

function stateChangingFunctions(c: CircuitBreaker): FunctionFragment[] {
  return c.interface.fragments.filter(
    (f): f is FunctionFragment => f.type === "function" && !(f as FunctionFragment).constant,
  );
}

function placeholder(p: ParamType): unknown {
  if (p.isArray()) {
    return p.arrayLength > 0 ? Array.from({ length: p.arrayLength }, () => placeholder(p.arrayChildren)) : [];
  }
  if (p.isTuple()) return p.components.map(placeholder);
  const t = p.baseType;
  if (t === "address") return ethers.ZeroAddress;
  if (t === "bool") return false;
  if (/^u?int\d*$/.test(t)) return 0n;
  throw new Error(`no placeholder for ABI type ${p.format()}`);
}

function placeholderCalldata(c: BaseContract, f: FunctionFragment): string {
  return c.interface.encodeFunctionData(f, f.inputs.map(placeholder));
}

/** Runs a matcher, prefixing any failure with what it was about. */
async function about(label: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------

interface Fixture {
  s: System;
  breaker: CircuitBreaker;
  guardian: HardhatEthersSigner; // GUARDIAN only
  riskManager: HardhatEthersSigner; // RISK_MANAGER only
  house: HardhatEthersSigner; // stands in for the auction house
  admin: HardhatEthersSigner; // the deployer: ADMIN (and, on the hardhat parameters, every role)
  weth: string;
  wbtc: string;
  link: string; // listed, no breaker configuration
  tkn: string;
  tknFeed: MockV3Aggregator;
}

/**
 * The deployed system plus a CircuitBreaker wired as the deployment is to wire it: guardian ->
 * pause/freeze, risk manager -> setAssetConfig/setGlobalConfig, everything else admin. TKN is an extra
 * asset with an 18-decimal feed at TKN_START_PRICE. WETH, WBTC and TKN are configured; LINK is not.
 */
async function breakerFixture(): Promise<Fixture> {
  const s = await deploySystem(ethers);
  const signers = await ethers.getSigners();
  const [guardian, riskManager, house] = [signers[7], signers[8], signers[9]];
  const breaker = (await ethers.deployContract("CircuitBreaker", [
    await s.accessManager.getAddress(),
    await s.oracle.getAddress(),
    GLOBAL,
  ])) as unknown as CircuitBreaker;
  const target = await breaker.getAddress();
  for (const [role, sigs] of Object.entries(BREAKER_ROLE_FUNCTIONS)) {
    await s.accessManager.setTargetFunctionRole(target, sigs.map(selectorOf), ROLES[role as keyof typeof ROLES]);
  }
  await s.accessManager.grantRole(ROLES.GUARDIAN, guardian.address, 0);
  await s.accessManager.grantRole(ROLES.RISK_MANAGER, riskManager.address, 0);

  const token = await ethers.deployContract("MockERC20", ["Test token", "TKN", 18]);
  const tkn = await token.getAddress();
  const tknFeed = (await ethers.deployContract("MockV3Aggregator", [
    18,
    TKN_START_PRICE,
  ])) as unknown as MockV3Aggregator;
  await s.oracle.setFeed(tkn, {
    primary: await tknFeed.getAddress(),
    secondary: ethers.ZeroAddress,
    primaryStaleness: 7n * DAY,
    secondaryStaleness: 0,
    maxDeviation: 0,
    minPrice: wad("1"),
    maxPrice: wad("1000000"),
  });

  const weth = await s.weth.getAddress();
  const wbtc = await s.wbtc.getAddress();
  const link = await s.link.getAddress();
  const rm = breaker.connect(riskManager);
  await rm.setAssetConfig(weth, WETH_CONFIG);
  await rm.setAssetConfig(wbtc, WBTC_CONFIG);
  await rm.setAssetConfig(tkn, TKN_CONFIG);
  await breaker.setAuctionHouse(house.address);
  return { s, breaker, guardian, riskManager, house, admin: s.deployer, weth, wbtc, link, tkn, tknFeed };
}

/** The fixture with both WETH and TKN windows started by a poke (WETH at $3,000, TKN at its start). */
async function pokedFixture(): Promise<Fixture> {
  const f = await breakerFixture();
  await f.s.oracle.poke(f.weth);
  await f.s.oracle.poke(f.tkn);
  return f;
}

/** TKN tripped by a stranger at `trippedAt`, one wei below its trip price. */
async function trippedFixture() {
  const f = await pokedFixture();
  const tripPrice = tripPriceOf(TKN_START_PRICE, TKN_CONFIG.maxDrop);
  await f.tknFeed.updateAnswer(tripPrice - 1n);
  const trippedAt = (await latest()) + 10n;
  await time.setNextBlockTimestamp(trippedAt);
  await f.breaker.connect(f.s.stranger).trip(f.tkn);
  return { ...f, trippedAt, trippedUntil: trippedAt + TKN_CONFIG.cooldown };
}

async function latest(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Mines an empty block at exactly `t`, so that views see block.timestamp == t. */
async function mineAt(t: bigint): Promise<void> {
  await time.increaseTo(t);
}

/** The next transaction is mined at exactly `t`. */
async function nextAt(t: bigint): Promise<void> {
  await time.setNextBlockTimestamp(t);
}

function asTuple(c: AssetConfig | GlobalConfig): bigint[] {
  return Object.values(c).map((v) => BigInt(v));
}

// ---------------------------------------------------------------------------------------------

describe("CircuitBreaker: deployment and views", function () {
  it("constructor stores the oracle and the initial config, emits GlobalConfigSet, refuses zero addresses", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    expect(await f.breaker.oracle()).to.equal(await f.s.oracle.getAddress());
    expect(await f.breaker.authority()).to.equal(await f.s.accessManager.getAddress());
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL));
    await expect(f.breaker.deploymentTransaction()).to.emit(f.breaker, "GlobalConfigSet").withArgs(asTuple(GLOBAL));

    const manager = await f.s.accessManager.getAddress();
    const oracle = await f.s.oracle.getAddress();
    const factory = await ethers.getContractFactory("CircuitBreaker");
    await expect(factory.deploy(ethers.ZeroAddress, oracle, GLOBAL)).to.be.revertedWithCustomError(
      f.breaker,
      "ZeroAddress",
    );
    await expect(factory.deploy(manager, ethers.ZeroAddress, GLOBAL)).to.be.revertedWithCustomError(
      f.breaker,
      "ZeroAddress",
    );
    // The initial config goes through the same bounds as setGlobalConfig.
    await expect(factory.deploy(manager, oracle, { ...GLOBAL, gracePeriod: 4n * HOUR + 1n }))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("gracePeriod"), 4n * HOUR + 1n, 4n * HOUR);
  });

  it("publishes its bounds as constants", async function () {
    const { breaker } = await networkHelpers.loadFixture(breakerFixture);
    expect(await breaker.MIN_MAX_DROP()).to.equal(wad("0.01"));
    expect(await breaker.MAX_MAX_DROP()).to.equal(wad("0.9"));
    expect(await breaker.MIN_COOLDOWN()).to.equal(MINUTE);
    expect(await breaker.MAX_COOLDOWN()).to.equal(7n * DAY);
    expect(await breaker.MIN_REFILL_PERIOD()).to.equal(MINUTE);
    expect(await breaker.MAX_REFILL_PERIOD()).to.equal(7n * DAY);
    expect(await breaker.MIN_MAX_PAUSE_DURATION()).to.equal(HOUR);
    expect(await breaker.MAX_MAX_PAUSE_DURATION()).to.equal(14n * DAY);
    expect(await breaker.MAX_PAUSE_COOLDOWN()).to.equal(7n * DAY);
    expect(await breaker.MAX_GRACE_PERIOD()).to.equal(4n * HOUR);
  });

  it("globalView and assetView fill every field, before anything happened", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = await f.breaker.globalView();
    expect([...g.pausedUntil]).to.deep.equal(ALL_ACTIONS.map(() => 0n));
    expect(g.globalDebtUnderAuction).to.equal(0n);
    expect(g.globalDebtUnderAuctionCap).to.equal(GLOBAL.globalDebtUnderAuctionCap);
    expect(g.globalGraceUntil).to.equal(0n);
    expect([...g.config]).to.deep.equal(asTuple(GLOBAL));

    // WETH: configured, never poked (window high 0, so nothing can trip it).
    const v = await f.breaker.assetView(f.weth);
    expect(v.asset).to.equal(f.weth);
    expect([v.frozen, v.frozenUntil, v.tripped, v.trippedUntil]).to.deep.equal([false, 0n, false, 0n]);
    expect([v.oracleFailed, v.oracleFailure, v.graceUntil]).to.deep.equal([false, Failure.None, 0n]);
    expect([v.debtUnderAuction, v.debtUnderAuctionCap]).to.deep.equal([0n, WETH_CONFIG.debtUnderAuctionCap]);
    expect([v.bucketAvailable, v.bucketCapacity]).to.deep.equal([
      WETH_CONFIG.bucketCapacity,
      WETH_CONFIG.bucketCapacity,
    ]);
    expect([v.windowHighPrice, v.tripPrice]).to.deep.equal([0n, 0n]);
    expect([...(await f.breaker.assetConfig(f.weth))]).to.deep.equal(asTuple(WETH_CONFIG));

    // After a poke: the tracker's window high and the trip price derived from it.
    await f.s.oracle.poke(f.weth);
    const poked = await f.breaker.assetView(f.weth);
    expect(poked.windowHighPrice).to.equal(wad("3000"));
    expect(poked.tripPrice).to.equal(wad("2400"));

    // An address with no feed and no config: live failure NoFeed, unlimited bucket, no trip price.
    const unknown = ethers.getAddress("0x" + "c7".repeat(20));
    const u = await f.breaker.assetView(unknown);
    expect(u.asset).to.equal(unknown);
    expect([u.oracleFailed, u.oracleFailure]).to.deep.equal([false, Failure.NoFeed]);
    expect([u.debtUnderAuctionCap, u.bucketAvailable, u.bucketCapacity]).to.deep.equal([0n, MAX_UINT, 0n]);
    expect([u.windowHighPrice, u.tripPrice]).to.deep.equal([0n, 0n]);
    expect([...(await f.breaker.assetConfig(unknown))]).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
  });
});

describe("CircuitBreaker: price-drop breaker", function () {
  it("trips exactly below windowHigh x (1 - maxDrop) and not one wei above (18-decimal feed)", async function () {
    const f = await networkHelpers.loadFixture(pokedFixture);
    const tripPrice = tripPriceOf(TKN_START_PRICE, TKN_CONFIG.maxDrop);
    // The rounding is real: the exact product is not a whole number of wei.
    expect((TKN_START_PRICE * (WAD - TKN_CONFIG.maxDrop)) % WAD).to.not.equal(0n);
    const v = await f.breaker.assetView(f.tkn);
    expect([v.windowHighPrice, v.tripPrice]).to.deep.equal([TKN_START_PRICE, tripPrice]);

    for (const price of [TKN_START_PRICE, tripPrice + 1n, tripPrice]) {
      await f.tknFeed.updateAnswer(price);
      await expect(f.breaker.connect(f.s.stranger).trip(f.tkn))
        .to.be.revertedWithCustomError(f.breaker, "NoPriceDrop")
        .withArgs(f.tkn, price, tripPrice);
    }
    expect(await f.breaker.isRiskIncreaseBlocked(f.tkn)).to.equal(false);

    await f.tknFeed.updateAnswer(tripPrice - 1n);
    const t = (await latest()) + 5n;
    await nextAt(t);
    await expect(f.breaker.connect(f.s.stranger).trip(f.tkn))
      .to.emit(f.breaker, "Tripped")
      .withArgs(f.tkn, f.s.stranger.address, tripPrice - 1n, TKN_START_PRICE, t + TKN_CONFIG.cooldown);
    const after = await f.breaker.assetView(f.tkn);
    expect([after.tripped, after.trippedUntil]).to.deep.equal([true, t + TKN_CONFIG.cooldown]);
  });

  it("trips one feed unit below the threshold of an 8-decimal feed (WETH: $3,000 high, 20% drop)", async function () {
    const f = await networkHelpers.loadFixture(pokedFixture);
    await setPrice(f.s, "WETH", "2400");
    await expect(f.breaker.trip(f.weth))
      .to.be.revertedWithCustomError(f.breaker, "NoPriceDrop")
      .withArgs(f.weth, wad("2400"), wad("2400"));
    await setPrice(f.s, "WETH", "2399.99999999");
    const t = (await latest()) + 1n;
    await nextAt(t);
    await expect(f.breaker.trip(f.weth))
      .to.emit(f.breaker, "Tripped")
      .withArgs(f.weth, f.admin.address, wad("2399.99999999"), wad("3000"), t + WETH_CONFIG.cooldown);
  });

  it("follows the tracker's window high: a higher poke raises it, a new window resets it", async function () {
    const f = await networkHelpers.loadFixture(pokedFixture);
    // Within the window a higher price raises the high (pokes closer than minPokeInterval do too).
    const high = TKN_START_PRICE + wad("100");
    await f.tknFeed.updateAnswer(high);
    await f.s.oracle.poke(f.tkn);
    const tripPrice = tripPriceOf(high, TKN_CONFIG.maxDrop);
    expect((await f.breaker.assetView(f.tkn)).tripPrice).to.equal(tripPrice);
    await f.tknFeed.updateAnswer(tripPrice);
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "NoPriceDrop")
      .withArgs(f.tkn, tripPrice, tripPrice);

    // One window (1 h) later a poke starts a new window at the current, lower price: no drop left.
    const windowStart = (await f.s.oracle.trackerState(f.tkn)).windowStart;
    await mineAt(windowStart + HOUR);
    await f.s.oracle.poke(f.tkn);
    expect((await f.breaker.assetView(f.tkn)).windowHighPrice).to.equal(tripPrice);
    await f.tknFeed.updateAnswer(tripPrice - 1n);
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "NoPriceDrop")
      .withArgs(f.tkn, tripPrice - 1n, tripPriceOf(tripPrice, TKN_CONFIG.maxDrop));
  });

  it("refuses an unpoked asset (no window high), an unconfigured asset, a failing oracle and a re-trip", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    // Never poked: the window high is zero, so the trip price is zero and no price is below it.
    await expect(f.breaker.trip(f.wbtc))
      .to.be.revertedWithCustomError(f.breaker, "NoPriceDrop")
      .withArgs(f.wbtc, wad("60000"), 0n);
    // LINK has no breaker configuration.
    await f.s.oracle.poke(f.link);
    await setPrice(f.s, "LINK", "1");
    await expect(f.breaker.trip(f.link))
      .to.be.revertedWithCustomError(f.breaker, "BreakerNotConfigured")
      .withArgs(f.link);
    // A failing price cannot trip (the oracle breaker is the tool for that).
    await f.s.oracle.poke(f.tkn);
    await f.tknFeed.updateAnswer(0n);
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "OracleFailureMode")
      .withArgs(f.tkn, Failure.NonPositive);
    await f.tknFeed.updateAnswer(wad("2")); // healthy, far below the trip price
    await f.breaker.trip(f.tkn);
    const until = (await f.breaker.assetView(f.tkn)).trippedUntil;
    // Re-tripping while active would extend it: refused, up to the last second.
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "BreakerTripped")
      .withArgs(f.tkn, until);
    await nextAt(until - 1n);
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "BreakerTripped")
      .withArgs(f.tkn, until);
    // Once expired, the same tracker window cannot trip again: a stale high must not stall
    // liquidations for ever.
    await nextAt(until);
    const window = (await f.s.oracle.trackerState(f.tkn)).windowStart;
    await expect(f.breaker.trip(f.tkn))
      .to.be.revertedWithCustomError(f.breaker, "WindowAlreadyTripped")
      .withArgs(f.tkn, window);
    // A new window starts at the current price: no drop from its high, no trip...
    await networkHelpers.time.increase(3600);
    await f.tknFeed.updateAnswer(wad("2"));
    await f.s.oracle.poke(f.tkn);
    const fresh = await f.s.oracle.trackerState(f.tkn);
    expect(fresh.windowStart).to.be.greaterThan(window);
    await expect(f.breaker.trip(f.tkn)).to.be.revertedWithCustomError(f.breaker, "NoPriceDrop");
    // ...until the price falls more than maxDrop below the new window's high.
    const newTrip = tripPriceOf(fresh.windowHighPrice, TKN_CONFIG.maxDrop);
    await f.tknFeed.updateAnswer(newTrip - 1n);
    await expect(f.breaker.trip(f.tkn)).to.emit(f.breaker, "Tripped");
  });

  it("blocks new risk and non-floor liquidations of the asset only, then clears on time through the grace period", async function () {
    const f = await networkHelpers.loadFixture(trippedFixture);
    const { breaker, tkn, weth, trippedUntil } = f;
    const graceUntil = trippedUntil + GLOBAL.gracePeriod;
    expect(await breaker.isRiskIncreaseBlocked(tkn)).to.equal(true);
    expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "BreakerTripped")
      .withArgs(tkn, trippedUntil);
    await breaker.checkLiquidation(tkn, true); // below the hard floor: not held back
    await breaker.checkLiquidation(weth, false);
    for (const a of ALL_ACTIONS) await breaker.checkAction(a);
    await breaker.checkDeposit(tkn); // a trip never blocks deposits
    expect((await breaker.assetView(tkn)).graceUntil).to.equal(graceUntil);

    await mineAt(trippedUntil - 1n);
    expect(await breaker.isRiskIncreaseBlocked(tkn)).to.equal(true);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "BreakerTripped")
      .withArgs(tkn, trippedUntil);

    // Expired: new risk allowed again, liquidations wait out the grace period.
    await mineAt(trippedUntil);
    expect(await breaker.isRiskIncreaseBlocked(tkn)).to.equal(false);
    const v = await breaker.assetView(tkn);
    expect([v.tripped, v.trippedUntil, v.graceUntil]).to.deep.equal([false, trippedUntil, graceUntil]);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(tkn, graceUntil);
    await breaker.checkLiquidation(tkn, true);
    await mineAt(graceUntil - 1n);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(tkn, graceUntil);
    await mineAt(graceUntil);
    await breaker.checkLiquidation(tkn, false);
  });

  it("clearTrip: governance only, NotTripped unless active, the grace period starts at the clearing", async function () {
    const f = await networkHelpers.loadFixture(trippedFixture);
    const { breaker, tkn } = f;
    for (const who of [f.guardian, f.riskManager, f.s.stranger]) {
      await expect(breaker.connect(who).clearTrip(tkn))
        .to.be.revertedWithCustomError(breaker, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    await expect(breaker.clearTrip(f.weth)).to.be.revertedWithCustomError(breaker, "NotTripped").withArgs(f.weth);
    const t = f.trippedAt + 600n;
    await nextAt(t);
    await expect(breaker.clearTrip(tkn))
      .to.emit(breaker, "TripCleared")
      .withArgs(tkn, f.admin.address)
      .and.to.emit(breaker, "GraceStarted")
      .withArgs(tkn, t + GLOBAL.gracePeriod);
    const v = await breaker.assetView(tkn);
    expect([v.tripped, v.trippedUntil, v.graceUntil]).to.deep.equal([false, t, t + GLOBAL.gracePeriod]);
    expect(await breaker.isRiskIncreaseBlocked(tkn)).to.equal(false);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(tkn, t + GLOBAL.gracePeriod);
    await expect(breaker.clearTrip(tkn)).to.be.revertedWithCustomError(breaker, "NotTripped").withArgs(tkn);
    await mineAt(t + GLOBAL.gracePeriod);
    await breaker.checkLiquidation(tkn, false);
  });
});

describe("CircuitBreaker: guardian pauses", function () {
  it("pauses one action for exactly its duration and nothing else", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    const t = (await latest()) + 10n;
    const until = t + 2n * HOUR;
    await nextAt(t);
    await expect(g.pause(Action.Borrow, 2n * HOUR))
      .to.emit(f.breaker, "Paused")
      .withArgs(Action.Borrow, f.guardian.address, until);
    expect((await f.breaker.globalView()).pausedUntil[Action.Borrow]).to.equal(until);
    await expect(f.breaker.checkAction(Action.Borrow))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.Borrow, until);
    for (const a of ALL_ACTIONS) if (a !== Action.Borrow) await f.breaker.checkAction(a);
    // A pause of an action other than Kick has no effect on the breakers or on liquidations.
    expect(await f.breaker.isRiskIncreaseBlocked(f.weth)).to.equal(false);
    await f.breaker.checkLiquidation(f.weth, false);
    await mineAt(until - 1n);
    await expect(f.breaker.checkAction(Action.Borrow))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.Borrow, until);
    await mineAt(until);
    await f.breaker.checkAction(Action.Borrow);
    await f.breaker.checkLiquidation(f.weth, false); // no grace after a Borrow pause
  });

  it("refuses a pause longer than maxPauseDuration (and a zero one); accepts exactly the maximum", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    const max = GLOBAL.maxPauseDuration;
    await expect(g.pause(Action.Withdraw, max + 1n))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(max + 1n, max);
    await expect(g.pause(Action.Withdraw, MAX_UINT))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(MAX_UINT, max);
    await expect(g.pause(Action.Withdraw, 0n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("duration"), 0n, 1n);
    await expect(g.freeze(f.weth, max + 1n))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(max + 1n, max);
    await expect(g.freeze(f.weth, 0n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("duration"), 0n, 1n);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await expect(g.pause(Action.Withdraw, max))
      .to.emit(f.breaker, "Paused")
      .withArgs(Action.Withdraw, f.guardian.address, t + max);
    await nextAt(t + 1n);
    await expect(g.freeze(f.weth, max))
      .to.emit(f.breaker, "Frozen")
      .withArgs(f.weth, f.guardian.address, t + 1n + max);
    // The bound follows the config.
    await f.breaker.connect(f.riskManager).setGlobalConfig({ ...GLOBAL, maxPauseDuration: HOUR });
    await expect(g.pause(Action.Take, HOUR + 1n))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(HOUR + 1n, HOUR);
    await g.pause(Action.Take, HOUR);
  });

  it("cannot re-pause during the pause or its cooldown: allowed again exactly at end + pauseCooldown", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await g.pause(Action.Kick, HOUR);
    const allowedAt = t + HOUR + GLOBAL.pauseCooldown;
    // While paused: a second pause would extend it.
    await expect(g.pause(Action.Kick, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "PauseCooldown")
      .withArgs(Action.Kick, allowedAt);
    // Other actions are independent.
    await g.pause(Action.Take, HOUR);
    await nextAt(allowedAt - 1n);
    await expect(g.pause(Action.Kick, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "PauseCooldown")
      .withArgs(Action.Kick, allowedAt);
    await nextAt(allowedAt);
    await expect(g.pause(Action.Kick, HOUR))
      .to.emit(f.breaker, "Paused")
      .withArgs(Action.Kick, f.guardian.address, allowedAt + HOUR);
  });

  it("after an early unpause the cooldown runs from the unpause; after an extension from the new end", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await g.pause(Action.Deposit, 2n * DAY);
    await nextAt(t + 100n);
    await f.breaker.unpause(Action.Deposit);
    await expect(g.pause(Action.Deposit, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "PauseCooldown")
      .withArgs(Action.Deposit, t + 100n + GLOBAL.pauseCooldown);
    await nextAt(t + 100n + GLOBAL.pauseCooldown);
    await g.pause(Action.Deposit, HOUR);
    const end = t + 100n + GLOBAL.pauseCooldown + HOUR;
    await f.breaker.extendPause(Action.Deposit, end + 10n * DAY);
    await expect(g.pause(Action.Deposit, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "PauseCooldown")
      .withArgs(Action.Deposit, end + 10n * DAY + GLOBAL.pauseCooldown);
    // With no cooldown configured, only the running pause itself blocks a new one.
    await f.breaker.connect(f.riskManager).setGlobalConfig({ ...GLOBAL, pauseCooldown: 0n });
    await expect(g.pause(Action.Deposit, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "PauseCooldown")
      .withArgs(Action.Deposit, end + 10n * DAY);
    await nextAt(end + 10n * DAY);
    await g.pause(Action.Deposit, HOUR);
  });

  it("the guardian cannot unpause, extend, unfreeze, clear a trip or change settings", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    await g.pause(Action.Borrow, HOUR);
    await g.freeze(f.weth, HOUR);
    const far = (await latest()) + 30n * DAY;
    const attempts: [string, () => Promise<unknown>][] = [
      ["unpause", () => g.unpause(Action.Borrow)],
      ["extendPause", () => g.extendPause(Action.Borrow, far)],
      ["unfreeze", () => g.unfreeze(f.weth)],
      ["extendFreeze", () => g.extendFreeze(f.weth, far)],
      ["clearTrip", () => g.clearTrip(f.weth)],
      ["setAssetConfig", () => g.setAssetConfig(f.weth, WETH_CONFIG)],
      ["setGlobalConfig", () => g.setGlobalConfig(GLOBAL)],
      ["setAuctionHouse", () => g.setAuctionHouse(f.guardian.address)],
    ];
    // Thunks, so each call is made and its refusal awaited in turn (no calls in flight at once).
    for (const [label, call] of attempts) {
      await about(label, () =>
        expect(call())
          .to.be.revertedWithCustomError(f.breaker, "AccessManagedUnauthorized")
          .withArgs(f.guardian.address),
      );
    }
    // Still paused and frozen, for the original hour.
    await expect(f.breaker.checkAction(Action.Borrow)).to.be.revertedWithCustomError(f.breaker, "ActionPaused");
    expect((await f.breaker.assetView(f.weth)).frozen).to.equal(true);
  });

  it("governance extends a pause beyond the guardian maximum, or pauses an idle action, to a future time", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await f.breaker.connect(f.guardian).pause(Action.PoolWithdraw, HOUR);
    const until = t + 30n * DAY; // far beyond maxPauseDuration
    await expect(f.breaker.extendPause(Action.PoolWithdraw, until))
      .to.emit(f.breaker, "Paused")
      .withArgs(Action.PoolWithdraw, f.admin.address, until);
    await mineAt(until - 1n);
    await expect(f.breaker.checkAction(Action.PoolWithdraw))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.PoolWithdraw, until);
    await mineAt(until);
    await f.breaker.checkAction(Action.PoolWithdraw);

    // An action that is not paused (e.g. the guardian's pause ended before a timelocked extension ran).
    const now = await latest();
    await nextAt(now + 1n);
    await expect(f.breaker.extendPause(Action.PoolDeposit, now + 1n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("until"), now + 1n, now + 1n);
    await expect(f.breaker.extendPause(Action.PoolDeposit, MAX_UINT64 + 1n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("until"), MAX_UINT64 + 1n, MAX_UINT64);
    await f.breaker.extendPause(Action.PoolDeposit, MAX_UINT64);
    await expect(f.breaker.checkAction(Action.PoolDeposit))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.PoolDeposit, MAX_UINT64);
    // Only governance can keep it paused; it can also end it.
    await f.breaker.unpause(Action.PoolDeposit);
    await f.breaker.checkAction(Action.PoolDeposit);
  });

  it("governance lifts a pause at once; NotPaused when none is active", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    await expect(f.breaker.unpause(Action.Take))
      .to.be.revertedWithCustomError(f.breaker, "NotPaused")
      .withArgs(Action.Take);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await f.breaker.connect(f.guardian).pause(Action.Take, HOUR);
    await nextAt(t + 60n);
    const tx = f.breaker.unpause(Action.Take);
    await expect(tx).to.emit(f.breaker, "Unpaused").withArgs(Action.Take, f.admin.address);
    await expect(tx).to.not.emit(f.breaker, "GraceStarted"); // only a Kick pause has a grace period
    expect((await f.breaker.globalView()).pausedUntil[Action.Take]).to.equal(t + 60n);
    await f.breaker.checkAction(Action.Take);
    await expect(f.breaker.unpause(Action.Take))
      .to.be.revertedWithCustomError(f.breaker, "NotPaused")
      .withArgs(Action.Take);
    // An expired pause cannot be lifted either.
    await f.breaker.connect(f.guardian).pause(Action.Withdraw, HOUR);
    await mineAt((await f.breaker.globalView()).pausedUntil[Action.Withdraw]);
    await expect(f.breaker.unpause(Action.Withdraw))
      .to.be.revertedWithCustomError(f.breaker, "NotPaused")
      .withArgs(Action.Withdraw);
  });

  it("a Kick pause stops every liquidation, even below the hard floor, then a global grace period follows", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await f.breaker.connect(f.guardian).pause(Action.Kick, HOUR);
    const until = t + HOUR;
    const graceUntil = until + GLOBAL.gracePeriod;
    for (const asset of [f.weth, f.tkn, f.link]) {
      for (const floor of [false, true]) {
        await expect(f.breaker.checkLiquidation(asset, floor))
          .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
          .withArgs(Action.Kick, until);
      }
      expect(await f.breaker.isRiskIncreaseBlocked(asset)).to.equal(false);
    }
    expect((await f.breaker.globalView()).globalGraceUntil).to.equal(graceUntil);
    await mineAt(until);
    for (const asset of [f.weth, f.tkn, f.link]) {
      await expect(f.breaker.checkLiquidation(asset, false))
        .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
        .withArgs(asset, graceUntil);
      await f.breaker.checkLiquidation(asset, true);
      expect((await f.breaker.assetView(asset)).graceUntil).to.equal(graceUntil);
    }
    await mineAt(graceUntil - 1n);
    await expect(f.breaker.checkLiquidation(f.link, false))
      .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
      .withArgs(f.link, graceUntil);
    await mineAt(graceUntil);
    for (const asset of [f.weth, f.tkn, f.link]) await f.breaker.checkLiquidation(asset, false);
  });

  it("lifting a Kick pause early starts the global grace period at the lift", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    await f.breaker.connect(f.guardian).pause(Action.Kick, HOUR);
    const t = (await latest()) + 100n;
    await nextAt(t);
    await expect(f.breaker.unpause(Action.Kick))
      .to.emit(f.breaker, "Unpaused")
      .withArgs(Action.Kick, f.admin.address)
      .and.to.emit(f.breaker, "GraceStarted")
      .withArgs(ethers.ZeroAddress, t + GLOBAL.gracePeriod);
    expect((await f.breaker.globalView()).globalGraceUntil).to.equal(t + GLOBAL.gracePeriod);
    await expect(f.breaker.checkLiquidation(f.weth, false))
      .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
      .withArgs(f.weth, t + GLOBAL.gracePeriod);
    await mineAt(t + GLOBAL.gracePeriod);
    await f.breaker.checkLiquidation(f.weth, false);
  });
});

describe("CircuitBreaker: guardian freezes", function () {
  it("a freeze blocks new risk and deposits of the asset, liquidations go on; grace after it ends", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const t = (await latest()) + 1n;
    const until = t + 6n * HOUR;
    const graceUntil = until + GLOBAL.gracePeriod;
    await nextAt(t);
    await expect(f.breaker.connect(f.guardian).freeze(f.weth, 6n * HOUR))
      .to.emit(f.breaker, "Frozen")
      .withArgs(f.weth, f.guardian.address, until);
    expect(await f.breaker.isRiskIncreaseBlocked(f.weth)).to.equal(true);
    expect(await f.breaker.isRiskIncreaseBlocked(f.wbtc)).to.equal(false);
    await expect(f.breaker.checkDeposit(f.weth))
      .to.be.revertedWithCustomError(f.breaker, "AssetFrozen")
      .withArgs(f.weth, until);
    await f.breaker.checkDeposit(f.wbtc);
    for (const a of ALL_ACTIONS) await f.breaker.checkAction(a);
    // Liquidations go on during the freeze.
    await f.breaker.checkLiquidation(f.weth, false);
    const v = await f.breaker.assetView(f.weth);
    expect([v.frozen, v.frozenUntil, v.graceUntil]).to.deep.equal([true, until, 0n]);

    await mineAt(until - 1n);
    expect(await f.breaker.isRiskIncreaseBlocked(f.weth)).to.equal(true);
    await f.breaker.checkLiquidation(f.weth, false);
    await mineAt(until);
    expect(await f.breaker.isRiskIncreaseBlocked(f.weth)).to.equal(false);
    await f.breaker.checkDeposit(f.weth);
    const after = await f.breaker.assetView(f.weth);
    expect([after.frozen, after.frozenUntil, after.graceUntil]).to.deep.equal([false, until, graceUntil]);
    await expect(f.breaker.checkLiquidation(f.weth, false))
      .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
      .withArgs(f.weth, graceUntil);
    await f.breaker.checkLiquidation(f.weth, true);
    await f.breaker.checkLiquidation(f.wbtc, false); // per asset
    await mineAt(graceUntil - 1n);
    await expect(f.breaker.checkLiquidation(f.weth, false))
      .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
      .withArgs(f.weth, graceUntil);
    await mineAt(graceUntil);
    await f.breaker.checkLiquidation(f.weth, false);
  });

  it("checkDeposit reports a Deposit pause first, then a freeze", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    await f.breaker.connect(f.guardian).freeze(f.weth, HOUR);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await f.breaker.connect(f.guardian).pause(Action.Deposit, HOUR);
    for (const asset of [f.weth, f.wbtc]) {
      await expect(f.breaker.checkDeposit(asset))
        .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
        .withArgs(Action.Deposit, t + HOUR);
    }
  });

  it("freeze: cooldown per asset, exact; zero address refused", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const g = f.breaker.connect(f.guardian);
    await expect(g.freeze(ethers.ZeroAddress, HOUR)).to.be.revertedWithCustomError(f.breaker, "ZeroAddress");
    const t = (await latest()) + 1n;
    await nextAt(t);
    await g.freeze(f.tkn, HOUR);
    const allowedAt = t + HOUR + GLOBAL.pauseCooldown;
    await expect(g.freeze(f.tkn, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "FreezeCooldown")
      .withArgs(f.tkn, allowedAt);
    await g.freeze(f.weth, HOUR); // another asset: independent
    await nextAt(allowedAt - 1n);
    await expect(g.freeze(f.tkn, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "FreezeCooldown")
      .withArgs(f.tkn, allowedAt);
    await nextAt(allowedAt);
    await expect(g.freeze(f.tkn, HOUR))
      .to.emit(f.breaker, "Frozen")
      .withArgs(f.tkn, f.guardian.address, allowedAt + HOUR);
  });

  it("governance unfreezes (grace from now, cooldown from now) and extends a freeze", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    await expect(f.breaker.unfreeze(f.weth)).to.be.revertedWithCustomError(f.breaker, "NotFrozen").withArgs(f.weth);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await f.breaker.connect(f.guardian).freeze(f.weth, 2n * DAY);
    await nextAt(t + 300n);
    await expect(f.breaker.unfreeze(f.weth))
      .to.emit(f.breaker, "Unfrozen")
      .withArgs(f.weth, f.admin.address)
      .and.to.emit(f.breaker, "GraceStarted")
      .withArgs(f.weth, t + 300n + GLOBAL.gracePeriod);
    expect(await f.breaker.isRiskIncreaseBlocked(f.weth)).to.equal(false);
    await expect(f.breaker.checkLiquidation(f.weth, false))
      .to.be.revertedWithCustomError(f.breaker, "LiquidationGracePeriod")
      .withArgs(f.weth, t + 300n + GLOBAL.gracePeriod);
    await expect(f.breaker.unfreeze(f.weth)).to.be.revertedWithCustomError(f.breaker, "NotFrozen").withArgs(f.weth);
    await expect(f.breaker.connect(f.guardian).freeze(f.weth, HOUR))
      .to.be.revertedWithCustomError(f.breaker, "FreezeCooldown")
      .withArgs(f.weth, t + 300n + GLOBAL.pauseCooldown);

    // extendFreeze: governance, any future time, also on an asset that is not frozen.
    const until = t + 20n * DAY;
    await expect(f.breaker.extendFreeze(f.wbtc, until))
      .to.emit(f.breaker, "Frozen")
      .withArgs(f.wbtc, f.admin.address, until);
    await mineAt(until - 1n);
    expect(await f.breaker.isRiskIncreaseBlocked(f.wbtc)).to.equal(true);
    await mineAt(until);
    expect(await f.breaker.isRiskIncreaseBlocked(f.wbtc)).to.equal(false);
    const now = await latest();
    await nextAt(now + 1n);
    await expect(f.breaker.extendFreeze(f.wbtc, now + 1n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("until"), now + 1n, now + 1n);
    await expect(f.breaker.extendFreeze(ethers.ZeroAddress, now + DAY)).to.be.revertedWithCustomError(
      f.breaker,
      "ZeroAddress",
    );
  });
});

describe("CircuitBreaker: oracle breaker", function () {
  it("records a failure only while the price is unusable, once; blocks new risk and non-floor liquidations", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const { breaker, tkn } = f;
    await expect(breaker.connect(f.s.stranger).recordOracleFailure(tkn))
      .to.be.revertedWithCustomError(breaker, "OracleHealthy")
      .withArgs(tkn);
    await f.tknFeed.updateAnswer(0n);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await expect(breaker.connect(f.s.stranger).recordOracleFailure(tkn))
      .to.emit(breaker, "OracleFailureRecorded")
      .withArgs(tkn, Failure.NonPositive);
    await expect(breaker.recordOracleFailure(tkn))
      .to.be.revertedWithCustomError(breaker, "OracleFailureAlreadyRecorded")
      .withArgs(tkn, t);
    expect(await breaker.isRiskIncreaseBlocked(tkn)).to.equal(true);
    expect(await breaker.isRiskIncreaseBlocked(f.weth)).to.equal(false);
    const v = await breaker.assetView(tkn);
    expect([v.oracleFailed, v.oracleFailure]).to.deep.equal([true, Failure.NonPositive]);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
      .withArgs(tkn, Failure.NonPositive);
    await breaker.checkLiquidation(tkn, true);
    await breaker.checkDeposit(tkn); // oracle failure never blocks deposits
    // The reason reported is the live one.
    await f.tknFeed.updateAnswer(wad("2000000")); // above maxPrice
    expect((await breaker.assetView(tkn)).oracleFailure).to.equal(Failure.OutOfBounds);
    await expect(breaker.recordOracleRecovery(tkn))
      .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
      .withArgs(tkn, Failure.OutOfBounds);
    // Nothing recorded for another asset.
    await expect(breaker.recordOracleRecovery(f.weth))
      .to.be.revertedWithCustomError(breaker, "NoOracleFailureRecorded")
      .withArgs(f.weth);
  });

  it("a stale feed can be recorded; recovery starts the grace period, which ends exactly", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const { breaker, weth } = f;
    // WETH's feed allows 1 day of staleness.
    const updatedAt = (await f.s.feeds.WETH.latestRoundData())[3];
    await nextAt(updatedAt + DAY);
    await expect(breaker.recordOracleFailure(weth))
      .to.be.revertedWithCustomError(breaker, "OracleHealthy")
      .withArgs(weth);
    await nextAt(updatedAt + DAY + 1n);
    await expect(breaker.recordOracleFailure(weth))
      .to.emit(breaker, "OracleFailureRecorded")
      .withArgs(weth, Failure.Stale);
    await expect(breaker.recordOracleRecovery(weth))
      .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
      .withArgs(weth, Failure.Stale);

    // The price is usable again but nobody recorded it: still in failure mode, reason None.
    await setPrice(f.s, "WETH", "3000");
    expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(true);
    await expect(breaker.checkLiquidation(weth, false))
      .to.be.revertedWithCustomError(breaker, "OracleFailureMode")
      .withArgs(weth, Failure.None);

    const t = (await latest()) + 30n;
    const graceUntil = t + GLOBAL.gracePeriod;
    await nextAt(t);
    await expect(breaker.connect(f.s.stranger).recordOracleRecovery(weth))
      .to.emit(breaker, "OracleRecovered")
      .withArgs(weth, graceUntil)
      .and.to.emit(breaker, "GraceStarted")
      .withArgs(weth, graceUntil);
    expect(await breaker.isRiskIncreaseBlocked(weth)).to.equal(false);
    const v = await breaker.assetView(weth);
    expect([v.oracleFailed, v.oracleFailure, v.graceUntil]).to.deep.equal([false, Failure.None, graceUntil]);
    await expect(breaker.checkLiquidation(weth, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(weth, graceUntil);
    await breaker.checkLiquidation(weth, true);
    await expect(breaker.recordOracleRecovery(weth))
      .to.be.revertedWithCustomError(breaker, "NoOracleFailureRecorded")
      .withArgs(weth);
    await mineAt(graceUntil - 1n);
    await expect(breaker.checkLiquidation(weth, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(weth, graceUntil);
    await mineAt(graceUntil);
    await breaker.checkLiquidation(weth, false);
    // A new failure can be recorded after a recovery.
    await f.s.feeds.WETH.updateAnswer(-1n);
    await expect(breaker.recordOracleFailure(weth))
      .to.emit(breaker, "OracleFailureRecorded")
      .withArgs(weth, Failure.NonPositive);
  });

  it("an asset without a feed can be put into failure mode (NoFeed) by anyone", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const unknown = ethers.getAddress("0x" + "d8".repeat(20));
    await expect(f.breaker.connect(f.s.stranger).recordOracleFailure(unknown))
      .to.emit(f.breaker, "OracleFailureRecorded")
      .withArgs(unknown, Failure.NoFeed);
    expect(await f.breaker.isRiskIncreaseBlocked(unknown)).to.equal(true);
  });

  it("the grace period is the latest of every source, read from the current config", async function () {
    const f = await networkHelpers.loadFixture(trippedFixture);
    const { breaker, tkn } = f;
    // A Kick pause ending before the trip, a freeze of TKN ending after it.
    await nextAt(f.trippedAt + 1n);
    await breaker.connect(f.guardian).pause(Action.Kick, 10n * MINUTE);
    const freezeEnd = f.trippedUntil + 1000n;
    await breaker.extendFreeze(tkn, freezeEnd);
    await mineAt(f.trippedAt + 1n + 10n * MINUTE);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "BreakerTripped")
      .withArgs(tkn, f.trippedUntil);
    // Other assets only wait for the Kick pause's grace.
    await expect(breaker.checkLiquidation(f.weth, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(f.weth, f.trippedAt + 1n + 10n * MINUTE + GLOBAL.gracePeriod);
    await mineAt(f.trippedUntil);
    // The freeze is still running, so its end does not count yet: the trip's grace applies.
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(tkn, f.trippedUntil + GLOBAL.gracePeriod);
    await mineAt(freezeEnd);
    await expect(breaker.checkLiquidation(tkn, false))
      .to.be.revertedWithCustomError(breaker, "LiquidationGracePeriod")
      .withArgs(tkn, freezeEnd + GLOBAL.gracePeriod);
    // An oracle recovery later still moves it.
    await f.tknFeed.updateAnswer(0n);
    await breaker.recordOracleFailure(tkn);
    await f.tknFeed.updateAnswer(TKN_START_PRICE);
    const recoveredAt = freezeEnd + 100n;
    await nextAt(recoveredAt);
    await breaker.recordOracleRecovery(tkn);
    expect((await breaker.assetView(tkn)).graceUntil).to.equal(recoveredAt + GLOBAL.gracePeriod);
    // A shorter grace period applies at once; zero turns it off.
    await breaker.connect(f.riskManager).setGlobalConfig({ ...GLOBAL, gracePeriod: 0n });
    await breaker.checkLiquidation(tkn, false);
    expect((await breaker.assetView(tkn)).graceUntil).to.equal(recoveredAt);
  });
});

describe("CircuitBreaker: liquidation throttle", function () {
  it("only the auction house calls the hooks; it is set once, by the admin", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    expect(await f.breaker.auctionHouse()).to.equal(f.house.address);
    for (const who of [f.s.stranger, f.guardian, f.riskManager, f.admin]) {
      await expect(f.breaker.connect(who).onAuctionStart(f.weth, 1n, 1n))
        .to.be.revertedWithCustomError(f.breaker, "OnlyAuctionHouse")
        .withArgs(who.address);
      await expect(f.breaker.connect(who).onAuctionEnd(f.weth, 1n))
        .to.be.revertedWithCustomError(f.breaker, "OnlyAuctionHouse")
        .withArgs(who.address);
    }
    await expect(f.breaker.setAuctionHouse(f.s.stranger.address))
      .to.be.revertedWithCustomError(f.breaker, "AuctionHouseAlreadySet")
      .withArgs(f.house.address);

    // A fresh breaker: no auction house, so nobody passes the hooks; zero refused; the event.
    const fresh = (await ethers.deployContract("CircuitBreaker", [
      await f.s.accessManager.getAddress(),
      await f.s.oracle.getAddress(),
      GLOBAL,
    ])) as unknown as CircuitBreaker;
    await expect(fresh.connect(f.house).onAuctionStart(f.weth, 0n, 0n))
      .to.be.revertedWithCustomError(fresh, "OnlyAuctionHouse")
      .withArgs(f.house.address);
    await expect(fresh.setAuctionHouse(ethers.ZeroAddress)).to.be.revertedWithCustomError(fresh, "ZeroAddress");
    await expect(fresh.connect(f.riskManager).setAuctionHouse(f.house.address))
      .to.be.revertedWithCustomError(fresh, "AccessManagedUnauthorized")
      .withArgs(f.riskManager.address);
    await expect(fresh.setAuctionHouse(f.house.address)).to.emit(fresh, "AuctionHouseSet").withArgs(f.house.address);
    await fresh.connect(f.house).onAuctionStart(f.weth, 0n, 0n);
  });

  it("asset cap: exactly the room is accepted, one unit more refused; released debt frees room", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    const cap = WETH_CONFIG.debtUnderAuctionCap;
    expect(await f.breaker.auctionRoom(f.weth)).to.deep.equal([cap, WETH_CONFIG.bucketCapacity]);
    await expect(h.onAuctionStart(f.weth, USDC(150_000), wad("1000")))
      .to.emit(f.breaker, "AuctionThrottled")
      .withArgs(f.weth, USDC(150_000), wad("1000"));
    const room = cap - USDC(150_000);
    await expect(h.onAuctionStart(f.weth, room + 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "AssetAuctionCapReached")
      .withArgs(f.weth, room);
    await h.onAuctionStart(f.weth, room, 0n);
    await expect(h.onAuctionStart(f.weth, 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "AssetAuctionCapReached")
      .withArgs(f.weth, 0n);
    expect((await f.breaker.auctionRoom(f.weth))[0]).to.equal(0n);
    expect((await f.breaker.assetView(f.weth)).debtUnderAuction).to.equal(cap);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(cap);

    await expect(h.onAuctionEnd(f.weth, USDC(100_000)))
      .to.emit(f.breaker, "AuctionReleased")
      .withArgs(f.weth, USDC(100_000));
    expect((await f.breaker.auctionRoom(f.weth))[0]).to.equal(USDC(100_000));
    await h.onAuctionStart(f.weth, USDC(100_000), 0n);
    // A lower cap than the debt under auction leaves no room (and no underflow).
    await f.breaker.connect(f.riskManager).setAssetConfig(f.weth, { ...WETH_CONFIG, debtUnderAuctionCap: USDC(1) });
    expect((await f.breaker.auctionRoom(f.weth))[0]).to.equal(0n);
    await expect(h.onAuctionStart(f.weth, 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "AssetAuctionCapReached")
      .withArgs(f.weth, 0n);
  });

  it("global cap across assets: checked first, exact; auctionRoom is the smaller room", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    await h.onAuctionStart(f.weth, WETH_CONFIG.debtUnderAuctionCap, 0n); // 400k
    const globalRoom = GLOBAL.globalDebtUnderAuctionCap - WETH_CONFIG.debtUnderAuctionCap; // 600k
    // WBTC's own cap (700k) is above the global room: the global room binds.
    expect(await f.breaker.auctionRoom(f.wbtc)).to.deep.equal([globalRoom, MAX_UINT]);
    expect((await f.breaker.auctionRoom(f.weth))[0]).to.equal(0n);
    await expect(h.onAuctionStart(f.wbtc, globalRoom + 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "GlobalAuctionCapReached")
      .withArgs(globalRoom);
    // Above both caps: the global error comes first.
    await expect(h.onAuctionStart(f.wbtc, USDC(800_000), 0n))
      .to.be.revertedWithCustomError(f.breaker, "GlobalAuctionCapReached")
      .withArgs(globalRoom);
    // Unconfigured assets count towards the global cap too.
    await h.onAuctionStart(f.link, USDC(50_000), wad("1000000000"));
    await h.onAuctionStart(f.wbtc, globalRoom - USDC(50_000), 0n);
    const g = await f.breaker.globalView();
    expect([g.globalDebtUnderAuction, g.globalDebtUnderAuctionCap]).to.deep.equal([
      GLOBAL.globalDebtUnderAuctionCap,
      GLOBAL.globalDebtUnderAuctionCap,
    ]);
    for (const asset of [f.weth, f.wbtc, f.link, f.tkn]) expect((await f.breaker.auctionRoom(asset))[0]).to.equal(0n);
    await expect(h.onAuctionStart(f.tkn, 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "GlobalAuctionCapReached")
      .withArgs(0n);
    // Releasing WETH debt frees global room for every asset.
    await h.onAuctionEnd(f.weth, USDC(10));
    expect((await f.breaker.auctionRoom(f.tkn))[0]).to.equal(USDC(10));
    expect((await f.breaker.auctionRoom(f.wbtc))[0]).to.equal(USDC(10));
  });

  it("an unconfigured asset is unthrottled (max room) but for the global cap; a zero global cap means no cap", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    expect(await f.breaker.auctionRoom(f.link)).to.deep.equal([GLOBAL.globalDebtUnderAuctionCap, MAX_UINT]);
    await f.breaker.connect(f.riskManager).setGlobalConfig({ ...GLOBAL, globalDebtUnderAuctionCap: 0n });
    expect(await f.breaker.auctionRoom(f.link)).to.deep.equal([MAX_UINT, MAX_UINT]);
    const huge = 2n ** 200n;
    await h.onAuctionStart(f.link, huge, huge);
    expect(await f.breaker.auctionRoom(f.link)).to.deep.equal([MAX_UINT, MAX_UINT]);
    expect((await f.breaker.assetView(f.link)).debtUnderAuction).to.equal(huge);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(huge);
    // The configured assets keep their own caps.
    expect((await f.breaker.auctionRoom(f.weth))[0]).to.equal(WETH_CONFIG.debtUnderAuctionCap);
  });

  it("onAuctionEnd never releases more than is recorded for the asset", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    await h.onAuctionStart(f.weth, USDC(1_000), 0n);
    await h.onAuctionStart(f.tkn, USDC(2_000), 0n);
    await expect(h.onAuctionEnd(f.weth, USDC(5_000)))
      .to.emit(f.breaker, "AuctionReleased")
      .withArgs(f.weth, USDC(1_000));
    await expect(h.onAuctionEnd(f.weth, 1n)).to.emit(f.breaker, "AuctionReleased").withArgs(f.weth, 0n);
    await expect(h.onAuctionEnd(f.link, MAX_UINT)).to.emit(f.breaker, "AuctionReleased").withArgs(f.link, 0n);
    // TKN's debt was not touched by WETH's over-release.
    expect((await f.breaker.assetView(f.tkn)).debtUnderAuction).to.equal(USDC(2_000));
    expect((await f.breaker.assetView(f.weth)).debtUnderAuction).to.equal(0n);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(USDC(2_000));
  });

  it("bucket: starts full, refuses one wei more than it holds, refills linearly to the wei, capped", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    const cap = WETH_CONFIG.bucketCapacity; // $360,000 per hour: $100 per second
    const perSecond = cap / WETH_CONFIG.refillPeriod;
    expect(perSecond).to.equal(wad("100"));
    await expect(h.onAuctionStart(f.weth, 0n, cap + 1n))
      .to.be.revertedWithCustomError(f.breaker, "AuctionBucketEmpty")
      .withArgs(f.weth, cap);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await expect(h.onAuctionStart(f.weth, USDC(10), cap))
      .to.emit(f.breaker, "AuctionThrottled")
      .withArgs(f.weth, USDC(10), cap);
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(0n);
    for (const dt of [1n, 7n, 1800n, 3599n]) {
      await mineAt(t + dt);
      expect((await f.breaker.auctionRoom(f.weth))[1], `after ${dt} s`).to.equal(dt * perSecond);
      expect((await f.breaker.assetView(f.weth)).bucketAvailable).to.equal(dt * perSecond);
    }
    await nextAt(t + 3600n);
    await expect(h.onAuctionStart(f.weth, 0n, cap + 1n))
      .to.be.revertedWithCustomError(f.breaker, "AuctionBucketEmpty")
      .withArgs(f.weth, cap);
    await mineAt(t + 100_000n);
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(cap); // never above capacity
    // Taking part of it: the rest stays, and refills from there.
    const t2 = t + 100_001n;
    await nextAt(t2);
    await h.onAuctionStart(f.weth, 0n, wad("1000.5"));
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(cap - wad("1000.5"));
    await mineAt(t2 + 10n);
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(cap - wad("1000.5") + 10n * perSecond);
    await mineAt(t2 + 11n);
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(cap);
  });

  it("bucket refill is exact with an indivisible rate and does not depend on how often the bucket is touched", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    const cap = TKN_CONFIG.bucketCapacity; // ($1000 + 7 wei) per 420 s
    const period = TKN_CONFIG.refillPeriod;
    expect(cap % period).to.not.equal(0n);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await h.onAuctionStart(f.tkn, 0n, cap); // empty
    // available(dt) = floor(dt x cap / period), whatever zero-value auctions happen in between.
    for (const dt of [1n, 2n, 3n, 100n, 211n, 419n]) {
      await nextAt(t + dt);
      await h.onAuctionStart(f.tkn, 0n, 0n); // touches the bucket
      expect((await f.breaker.auctionRoom(f.tkn))[1], `after ${dt} s`).to.equal((dt * cap) / period);
    }
    await mineAt(t + period);
    expect((await f.breaker.auctionRoom(f.tkn))[1]).to.equal(cap);
    // Exactly what is available is accepted, one wei more is not, at a fractional level.
    await nextAt(t + period + 1n);
    await h.onAuctionStart(f.tkn, 0n, cap);
    await nextAt(t + period + 5n);
    const available = (4n * cap) / period;
    await expect(h.onAuctionStart(f.tkn, 0n, available + 1n))
      .to.be.revertedWithCustomError(f.breaker, "AuctionBucketEmpty")
      .withArgs(f.tkn, available);
    await nextAt(t + period + 6n);
    const available6 = (5n * cap) / period;
    await h.onAuctionStart(f.tkn, 0n, available6);
    // The fraction left over keeps accruing: after one more second, (5 cap mod period + cap) / period.
    await mineAt(t + period + 7n);
    expect((await f.breaker.auctionRoom(f.tkn))[1]).to.equal((6n * cap) / period - available6);
  });

  it("reconfiguring keeps the bucket's level up to the new capacity; a new bucket starts full", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    const rm = f.breaker.connect(f.riskManager);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await h.onAuctionStart(f.weth, 0n, wad("300000")); // $60,000 left, refilling at $100 per second
    await nextAt(t + 1n);
    await rm.setAssetConfig(f.weth, { ...WETH_CONFIG, bucketCapacity: wad("720000"), refillPeriod: 2n * HOUR });
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(wad("60100"));
    // The new rate: $720,000 per 2 h, still $100 per second, from the level kept.
    await mineAt(t + 11n);
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(wad("61100"));
    await rm.setAssetConfig(f.weth, { ...WETH_CONFIG, bucketCapacity: wad("1000") });
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(wad("1000"));
    // WBTC had no bucket: configuring one starts it full; removing it makes it unlimited.
    expect((await f.breaker.auctionRoom(f.wbtc))[1]).to.equal(MAX_UINT);
    await rm.setAssetConfig(f.wbtc, { ...WBTC_CONFIG, bucketCapacity: wad("5000"), refillPeriod: HOUR });
    expect((await f.breaker.auctionRoom(f.wbtc))[1]).to.equal(wad("5000"));
    await rm.setAssetConfig(f.wbtc, WBTC_CONFIG);
    expect((await f.breaker.auctionRoom(f.wbtc))[1]).to.equal(MAX_UINT);
  });

  it("the bucket is checked after the caps and nothing is recorded on a refusal", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    await expect(h.onAuctionStart(f.weth, WETH_CONFIG.debtUnderAuctionCap + 1n, WETH_CONFIG.bucketCapacity + 1n))
      .to.be.revertedWithCustomError(f.breaker, "AssetAuctionCapReached")
      .withArgs(f.weth, WETH_CONFIG.debtUnderAuctionCap);
    await expect(h.onAuctionStart(f.weth, USDC(1), WETH_CONFIG.bucketCapacity + 1n))
      .to.be.revertedWithCustomError(f.breaker, "AuctionBucketEmpty")
      .withArgs(f.weth, WETH_CONFIG.bucketCapacity);
    const v = await f.breaker.assetView(f.weth);
    expect([v.debtUnderAuction, v.bucketAvailable]).to.deep.equal([0n, WETH_CONFIG.bucketCapacity]);
  });
});

describe("CircuitBreaker: access control generated from the ABI", function () {
  it("classifies every state-changing function (and lists no stale ones)", async function () {
    const { breaker } = await networkHelpers.loadFixture(breakerFixture);
    const inAbi = new Set(stateChangingFunctions(breaker).map((f) => f.format("sighash")));
    const unclassified = [...inAbi].filter((sig) => ACCESS[sig] === undefined);
    const stale = Object.keys(ACCESS).filter((sig) => !inAbi.has(sig));
    expect(unclassified, "functions with no access classification").to.deep.equal([]);
    expect(stale, "classified functions missing from the ABI").to.deep.equal([]);
    // The role wiring used here agrees with the classification, and the AccessManager with both.
    for (const [role, sigs] of Object.entries(BREAKER_ROLE_FUNCTIONS)) {
      const classified = Object.entries(ACCESS)
        .filter(([, a]) => a.kind === "restricted" && a.role === role)
        .map(([sig]) => sig)
        .sort();
      expect(classified, role).to.deep.equal([...sigs].sort());
    }
  });

  it("the AccessManager maps every restricted function to its role", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const target = await f.breaker.getAddress();
    for (const [sig, access] of Object.entries(ACCESS)) {
      if (access.kind !== "restricted") continue;
      expect(await f.s.accessManager.getTargetFunctionRole(target, selectorOf(sig)), sig).to.equal(ROLES[access.role]);
    }
  });

  it("every gated function refuses every caller without its role, with the exact error", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const c = f.breaker;
    const to = await c.getAddress();
    const holders: Record<Role, HardhatEthersSigner> = {
      ADMIN: f.admin,
      RISK_MANAGER: f.riskManager,
      GUARDIAN: f.guardian,
    };
    const callers = [f.s.stranger, f.guardian, f.riskManager, f.house];
    let refusals = 0;
    for (const fn of stateChangingFunctions(c)) {
      const sig = fn.format("sighash");
      const access = ACCESS[sig];
      expect(access, `${sig} is not classified`).to.not.equal(undefined);
      const data = placeholderCalldata(c, fn);
      for (const who of callers) {
        const label = `${sig} from ${who.address} (${access.kind})`;
        let refused: string | undefined;
        if (access.kind === "restricted") {
          if (holders[access.role] !== who) refused = "AccessManagedUnauthorized";
        } else if (access.kind === "authorityOnly") {
          refused = "AccessManagedUnauthorized";
        } else if (access.kind === "auctionHouseOnly") {
          if (who !== f.house) refused = "OnlyAuctionHouse";
        }
        if (refused === undefined) continue;
        refusals++;
        await about(label, () =>
          expect(who.sendTransaction({ to, data })).to.be.revertedWithCustomError(c, refused!).withArgs(who.address),
        );
      }
    }
    // Public functions refuse nobody; guardian, risk-manager and auction-house functions refuse 3 of
    // the 4 callers; admin functions (6) and setAuthority refuse all 4.
    expect(refusals).to.equal(2 * 3 + 2 * 3 + 2 * 3 + 6 * 4 + 1 * 4);
  });

  it("callers with the role (and every caller of a public function) pass the gate", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const c = f.breaker;
    const to = await c.getAddress();
    const gateErrors = new Map<string, string>();
    c.interface.forEachError((e) => {
      if (["AccessManagedUnauthorized", "OnlyAuctionHouse"].includes(e.name)) gateErrors.set(e.selector, e.name);
    });
    expect(gateErrors.size).to.equal(2);
    const holders: Record<Role, HardhatEthersSigner> = {
      ADMIN: f.admin,
      RISK_MANAGER: f.riskManager,
      GUARDIAN: f.guardian,
    };
    let checked = 0;
    for (const fn of stateChangingFunctions(c)) {
      const sig = fn.format("sighash");
      const access = ACCESS[sig];
      let who: HardhatEthersSigner;
      if (access.kind === "public") {
        expect(access.reason.length, `${sig} needs a reason`).to.be.greaterThan(0);
        who = f.s.stranger;
      } else if (access.kind === "restricted") who = holders[access.role];
      else if (access.kind === "auctionHouseOnly") who = f.house;
      else continue;
      let revertData = "0x";
      try {
        await ethers.provider.call({
          from: who.address,
          to,
          data: placeholderCalldata(c, fn),
        });
      } catch (e) {
        revertData = ((e as { data?: string }).data ?? "0x").toString();
      }
      const selector = revertData.slice(0, 10);
      expect(gateErrors.has(selector), `${sig} from its role reverted with ${gateErrors.get(selector)}`).to.equal(
        false,
      );
      checked++;
    }
    expect(checked).to.equal(Object.keys(ACCESS).length - 1);
  });
});

describe("CircuitBreaker: bounds of every setter", function () {
  type Bound = { field: keyof AssetConfig; min: bigint; max: bigint };
  const ASSET_BOUNDS: Bound[] = [
    { field: "maxDrop", min: wad("0.01"), max: wad("0.9") },
    { field: "cooldown", min: MINUTE, max: 7n * DAY },
    { field: "refillPeriod", min: MINUTE, max: 7n * DAY },
  ];

  it("setAssetConfig: each bound accepted exactly, one unit outside refused with the bound crossed", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const rm = f.breaker.connect(f.riskManager);
    for (const { field, min, max } of ASSET_BOUNDS) {
      for (const [value, bound] of [
        [min - 1n, min],
        [max + 1n, max],
      ]) {
        await about(`${field} = ${value}`, () =>
          expect(rm.setAssetConfig(f.weth, { ...WETH_CONFIG, [field]: value }))
            .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
            .withArgs(b32(field), value, bound),
        );
      }
      for (const value of [min, max]) {
        const cfg = { ...WETH_CONFIG, [field]: value };
        await expect(rm.setAssetConfig(f.weth, cfg))
          .to.emit(f.breaker, "AssetConfigSet")
          .withArgs(f.weth, asTuple(cfg));
        expect([...(await f.breaker.assetConfig(f.weth))]).to.deep.equal(asTuple(cfg));
      }
    }
    // Zero maxDrop (no breaker) is below the bound too.
    await expect(rm.setAssetConfig(f.weth, { ...WETH_CONFIG, maxDrop: 0n }))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("maxDrop"), 0n, wad("0.01"));
    // Without a bucket the refill period is not checked; caps have no bounds (zero = no limit).
    const noBucket = { ...WETH_CONFIG, bucketCapacity: 0n, refillPeriod: 0n, debtUnderAuctionCap: 0n };
    await expect(rm.setAssetConfig(f.weth, noBucket))
      .to.emit(f.breaker, "AssetConfigSet")
      .withArgs(f.weth, asTuple(noBucket));
    const maxed = { ...WETH_CONFIG, debtUnderAuctionCap: 2n ** 128n - 1n, bucketCapacity: 2n ** 128n - 1n };
    await rm.setAssetConfig(f.weth, { ...maxed, refillPeriod: 7n * DAY });
    expect((await f.breaker.auctionRoom(f.weth))[1]).to.equal(2n ** 128n - 1n);
    await expect(rm.setAssetConfig(ethers.ZeroAddress, WETH_CONFIG)).to.be.revertedWithCustomError(
      f.breaker,
      "ZeroAddress",
    );
  });

  it("setGlobalConfig: each bound accepted exactly, one unit outside refused with the bound crossed", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const rm = f.breaker.connect(f.riskManager);
    const bounds: { field: keyof GlobalConfig; min: bigint | null; max: bigint }[] = [
      { field: "maxPauseDuration", min: HOUR, max: 14n * DAY },
      { field: "pauseCooldown", min: null, max: 7n * DAY },
      { field: "gracePeriod", min: null, max: 4n * HOUR },
    ];
    for (const { field, min, max } of bounds) {
      const outside: [bigint, bigint][] = [[max + 1n, max]];
      if (min !== null) outside.push([min - 1n, min]);
      for (const [value, bound] of outside) {
        await about(`${field} = ${value}`, () =>
          expect(rm.setGlobalConfig({ ...GLOBAL, [field]: value }))
            .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
            .withArgs(b32(field), value, bound),
        );
      }
      for (const value of [min ?? 0n, max]) {
        const cfg = { ...GLOBAL, [field]: value };
        await expect(rm.setGlobalConfig(cfg)).to.emit(f.breaker, "GlobalConfigSet").withArgs(asTuple(cfg));
        expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(cfg));
      }
    }
    const uncapped = { ...GLOBAL, globalDebtUnderAuctionCap: 0n };
    await expect(rm.setGlobalConfig(uncapped)).to.emit(f.breaker, "GlobalConfigSet").withArgs(asTuple(uncapped));
    expect((await f.breaker.globalView()).globalDebtUnderAuctionCap).to.equal(0n);
  });

  it("the ADMIN holds RISK_MANAGER on the hardhat parameters; a pure admin cannot set configs", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const signers = await ethers.getSigners();
    const admin = signers[10];
    await f.s.accessManager.grantRole(ROLES.ADMIN, admin.address, 0);
    for (const tx of [
      f.breaker.connect(admin).setGlobalConfig(GLOBAL),
      f.breaker.connect(admin).setAssetConfig(f.weth, WETH_CONFIG),
      f.breaker.connect(admin).pause(Action.Borrow, HOUR),
      f.breaker.connect(admin).freeze(f.weth, HOUR),
    ]) {
      await expect(tx).to.be.revertedWithCustomError(f.breaker, "AccessManagedUnauthorized").withArgs(admin.address);
    }
    // ...but governs: lifts, extensions, clearing.
    await f.breaker.connect(f.guardian).pause(Action.Borrow, HOUR);
    await expect(f.breaker.connect(admin).unpause(Action.Borrow))
      .to.emit(f.breaker, "Unpaused")
      .withArgs(Action.Borrow, admin.address);
  });
});

// ---------------------------------------------------------------------------------------------
// Packed storage: every field at the edge of its width. A narrowing cast that truncated, or two
// packed fields that overlapped, would show here as a value that does not read back exactly.
// ---------------------------------------------------------------------------------------------

describe("CircuitBreaker: packed storage at its bounds", function () {
  const MAX_UINT128 = 2n ** 128n - 1n;
  /** Every asset setting at its largest allowed value (the caps at their type's maximum). */
  const ASSET_MAX: AssetConfig = {
    maxDrop: wad("0.9"),
    cooldown: 7n * DAY,
    refillPeriod: 7n * DAY,
    debtUnderAuctionCap: MAX_UINT128,
    bucketCapacity: MAX_UINT128,
  };
  /** Every global setting at its largest allowed value. */
  const GLOBAL_MAX: GlobalConfig = {
    globalDebtUnderAuctionCap: MAX_UINT128,
    maxPauseDuration: 14n * DAY,
    pauseCooldown: 7n * DAY,
    gracePeriod: 4n * HOUR,
  };

  it("asset and global settings at their maximums read back exactly beside the state packed with them", async function () {
    const f = await networkHelpers.loadFixture(pokedFixture);
    const rm = f.breaker.connect(f.riskManager);
    const h = f.breaker.connect(f.house);
    await rm.setGlobalConfig(GLOBAL_MAX);
    // The freeze end shares the risk slot with maxDrop: set it to 2^64 - 1 before the config.
    await f.breaker.extendFreeze(f.tkn, MAX_UINT64);
    // Without a bucket first, so that the maximum bucket starts full (a bucket keeps its level otherwise).
    await rm.setAssetConfig(f.tkn, { ...TKN_CONFIG, bucketCapacity: 0n, refillPeriod: 0n });
    await expect(rm.setAssetConfig(f.tkn, ASSET_MAX))
      .to.emit(f.breaker, "AssetConfigSet")
      .withArgs(f.tkn, asTuple(ASSET_MAX));
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));
    let v = await f.breaker.assetView(f.tkn);
    expect([v.frozen, v.frozenUntil, v.tripped, v.trippedUntil, v.oracleFailed]).to.deep.equal([
      true,
      MAX_UINT64,
      false,
      0n,
      false,
    ]);
    // A bucket of 2^128 - 1 over 7 days starts full: its scaled level (~2^147.2) fits its 192 bits.
    expect([v.bucketAvailable, v.bucketCapacity, v.debtUnderAuctionCap]).to.deep.equal([
      MAX_UINT128,
      MAX_UINT128,
      MAX_UINT128,
    ]);
    const tripPrice = tripPriceOf(TKN_START_PRICE, ASSET_MAX.maxDrop);
    expect(v.tripPrice).to.equal(tripPrice);

    // Trip at the 90% drop bound: it lasts exactly the 7-day maximum cooldown.
    await f.tknFeed.updateAnswer(tripPrice - 1n);
    const t = (await latest()) + 1n;
    await nextAt(t);
    await expect(f.breaker.trip(f.tkn))
      .to.emit(f.breaker, "Tripped")
      .withArgs(f.tkn, f.admin.address, tripPrice - 1n, TKN_START_PRICE, t + 7n * DAY);
    v = await f.breaker.assetView(f.tkn);
    expect([v.frozenUntil, v.trippedUntil, v.tripPrice]).to.deep.equal([MAX_UINT64, t + 7n * DAY, tripPrice]);
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));

    // The whole bucket and both caps used at once: the debt fields (2^128 - 1, the spill marker's value)
    // sit beside the cooldown, refill period and recovery time, and beside the global cap.
    const t2 = t + 10n;
    await nextAt(t2);
    await expect(h.onAuctionStart(f.tkn, MAX_UINT128, MAX_UINT128))
      .to.emit(f.breaker, "AuctionThrottled")
      .withArgs(f.tkn, MAX_UINT128, MAX_UINT128);
    v = await f.breaker.assetView(f.tkn);
    expect([v.debtUnderAuction, v.bucketAvailable]).to.deep.equal([MAX_UINT128, 0n]);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(MAX_UINT128);
    expect(await f.breaker.auctionRoom(f.tkn)).to.deep.equal([0n, 0n]);
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));
    expect([v.frozenUntil, v.trippedUntil]).to.deep.equal([MAX_UINT64, t + 7n * DAY]);
    await expect(h.onAuctionStart(f.tkn, 1n, 0n))
      .to.be.revertedWithCustomError(f.breaker, "GlobalAuctionCapReached")
      .withArgs(0n);

    // The bucket refills at exactly (2^128 - 1) per 7 days, to the wei, and stops at its capacity.
    for (const dt of [1n, 3_600n, 7n * DAY - 1n]) {
      await mineAt(t2 + dt);
      expect((await f.breaker.auctionRoom(f.tkn))[1], `after ${dt} s`).to.equal((dt * MAX_UINT128) / (7n * DAY));
    }
    await mineAt(t2 + 7n * DAY + 1n);
    expect((await f.breaker.auctionRoom(f.tkn))[1]).to.equal(MAX_UINT128);

    // Releasing one unit moves both totals back into their 128-bit fields; the rest releases exactly.
    await expect(h.onAuctionEnd(f.tkn, 1n)).to.emit(f.breaker, "AuctionReleased").withArgs(f.tkn, 1n);
    expect((await f.breaker.assetView(f.tkn)).debtUnderAuction).to.equal(MAX_UINT128 - 1n);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(MAX_UINT128 - 1n);
    expect(await f.breaker.auctionRoom(f.tkn)).to.deep.equal([1n, MAX_UINT128]);
    await expect(h.onAuctionEnd(f.tkn, MAX_UINT))
      .to.emit(f.breaker, "AuctionReleased")
      .withArgs(f.tkn, MAX_UINT128 - 1n);
    expect((await f.breaker.assetView(f.tkn)).debtUnderAuction).to.equal(0n);
    expect((await f.breaker.globalView()).globalDebtUnderAuction).to.equal(0n);
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));

    // The oracle recovery time shares the slot with the debt field: record one, then run the debt
    // through the spill boundary again; the grace period still ends at recovery + 4 h.
    await f.breaker.unfreeze(f.tkn); // the trip has ended by now
    await f.tknFeed.updateAnswer(0n);
    await f.breaker.recordOracleFailure(f.tkn);
    await f.tknFeed.updateAnswer(TKN_START_PRICE);
    const recoveredAt = (await latest()) + 1n;
    await nextAt(recoveredAt);
    await f.breaker.recordOracleRecovery(f.tkn);
    await h.onAuctionStart(f.tkn, MAX_UINT128, 0n);
    v = await f.breaker.assetView(f.tkn);
    expect([v.graceUntil, v.debtUnderAuction, v.oracleFailed]).to.deep.equal([
      recoveredAt + 4n * HOUR,
      MAX_UINT128,
      false,
    ]);
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));
  });

  it("settings one above their bound revert: the custom error for bounded ones, the ABI decoder past a width", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const rm = f.breaker.connect(f.riskManager);
    // The bounded settings, each one above its maximum (all far below their field's width).
    for (const [field, value, bound] of [
      ["maxDrop", ASSET_MAX.maxDrop + 1n, ASSET_MAX.maxDrop],
      ["cooldown", ASSET_MAX.cooldown + 1n, ASSET_MAX.cooldown],
      ["refillPeriod", ASSET_MAX.refillPeriod + 1n, ASSET_MAX.refillPeriod],
    ] as const) {
      await expect(rm.setAssetConfig(f.tkn, { ...ASSET_MAX, [field]: value }))
        .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
        .withArgs(b32(field), value, bound);
    }
    for (const [field, value, bound] of [
      ["maxPauseDuration", GLOBAL_MAX.maxPauseDuration + 1n, GLOBAL_MAX.maxPauseDuration],
      ["pauseCooldown", GLOBAL_MAX.pauseCooldown + 1n, GLOBAL_MAX.pauseCooldown],
      ["gracePeriod", GLOBAL_MAX.gracePeriod + 1n, GLOBAL_MAX.gracePeriod],
    ] as const) {
      await expect(rm.setGlobalConfig({ ...GLOBAL_MAX, [field]: value }))
        .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
        .withArgs(b32(field), value, bound);
    }
    // The caps are bounded by their 128-bit type: 2^128 (which a silent truncation would store as 0,
    // "no limit") is refused by the ABI decoder, so it cannot be encoded and must be sent raw.
    const assetSel = selectorOf(`setAssetConfig(address,${ASSET_CONFIG})`);
    const globalSel = selectorOf(`setGlobalConfig(${GLOBAL_CONFIG})`);
    const coder = ethers.AbiCoder.defaultAbiCoder();
    const rawAsset = (c: AssetConfig) =>
      assetSel +
      coder
        .encode(
          ["address", "uint256", "uint256", "uint256", "uint256", "uint256"],
          [f.tkn, c.maxDrop, c.cooldown, c.refillPeriod, c.debtUnderAuctionCap, c.bucketCapacity],
        )
        .slice(2);
    const rawGlobal = (c: GlobalConfig) =>
      globalSel +
      coder
        .encode(
          ["uint256", "uint256", "uint256", "uint256"],
          [c.globalDebtUnderAuctionCap, c.maxPauseDuration, c.pauseCooldown, c.gracePeriod],
        )
        .slice(2);
    const to = await f.breaker.getAddress();
    for (const field of ["debtUnderAuctionCap", "bucketCapacity"] as const) {
      await expect(
        f.riskManager.sendTransaction({ to, data: rawAsset({ ...ASSET_MAX, [field]: 2n ** 128n }) }),
      ).to.be.revertedWithoutReason(ethers);
    }
    await expect(
      f.riskManager.sendTransaction({ to, data: rawGlobal({ ...GLOBAL_MAX, globalDebtUnderAuctionCap: 2n ** 128n }) }),
    ).to.be.revertedWithoutReason(ethers);
    // The same raw encodings at the maximums are accepted: the refusals above are the width, not the encoding.
    await f.riskManager.sendTransaction({ to, data: rawAsset(ASSET_MAX) });
    await f.riskManager.sendTransaction({ to, data: rawGlobal(GLOBAL_MAX) });
    expect([...(await f.breaker.assetConfig(f.tkn))]).to.deep.equal(asTuple(ASSET_MAX));
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));
    // Pause and freeze ends: 2^64 - 1 is the last accepted, one above is refused for every action.
    for (const action of ALL_ACTIONS) {
      await expect(f.breaker.extendPause(action, MAX_UINT64 + 1n))
        .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
        .withArgs(b32("until"), MAX_UINT64 + 1n, MAX_UINT64);
    }
    await expect(f.breaker.extendFreeze(f.tkn, MAX_UINT64 + 1n))
      .to.be.revertedWithCustomError(f.breaker, "ParameterOutOfBounds")
      .withArgs(b32("until"), MAX_UINT64 + 1n, MAX_UINT64);
    // A guardian pause or freeze one second over the 14-day maximum.
    await expect(f.breaker.connect(f.guardian).pause(Action.Borrow, GLOBAL_MAX.maxPauseDuration + 1n))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(GLOBAL_MAX.maxPauseDuration + 1n, GLOBAL_MAX.maxPauseDuration);
    await expect(f.breaker.connect(f.guardian).freeze(f.tkn, GLOBAL_MAX.maxPauseDuration + 1n))
      .to.be.revertedWithCustomError(f.breaker, "PauseTooLong")
      .withArgs(GLOBAL_MAX.maxPauseDuration + 1n, GLOBAL_MAX.maxPauseDuration);
  });

  it("pause ends near 2^64 in every lane read back exactly and leave the other lanes and settings alone", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    // Distinct all-but-ones values, so a lane written at the wrong offset or with the wrong mask shows.
    const endOf = (a: number) => MAX_UINT64 - BigInt(a);
    const expected = ALL_ACTIONS.map(() => 0n);
    for (const action of ALL_ACTIONS) {
      await expect(f.breaker.extendPause(action, endOf(action)))
        .to.emit(f.breaker, "Paused")
        .withArgs(action, f.admin.address, endOf(action));
      expected[action] = endOf(action);
      expect([...(await f.breaker.globalView()).pausedUntil], `after pausing ${action}`).to.deep.equal(expected);
    }
    for (const action of ALL_ACTIONS) {
      await expect(f.breaker.checkAction(action))
        .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
        .withArgs(action, endOf(action));
    }
    await expect(f.breaker.checkDeposit(f.weth))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.Deposit, endOf(Action.Deposit));
    await expect(f.breaker.checkLiquidation(f.weth, true))
      .to.be.revertedWithCustomError(f.breaker, "ActionPaused")
      .withArgs(Action.Kick, endOf(Action.Kick));
    // What shares the slots with the pauses: the auction house and the grace period (Take), the
    // guardian's limits (pool pauses).
    expect(await f.breaker.auctionHouse()).to.equal(f.house.address);
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL));
    const g = await f.breaker.globalView();
    expect(g.globalGraceUntil).to.equal(endOf(Action.Kick) + GLOBAL.gracePeriod);
    expect((await f.breaker.assetView(f.weth)).graceUntil).to.equal(endOf(Action.Kick) + GLOBAL.gracePeriod);

    // Settings written beside the pauses leave them alone, and the other way round.
    const rm = f.breaker.connect(f.riskManager);
    await rm.setGlobalConfig(GLOBAL_MAX);
    expect([...(await f.breaker.globalView()).pausedUntil]).to.deep.equal(expected);
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));

    // Lifting each pause in turn sets only its own lane to now.
    for (const action of ALL_ACTIONS) {
      const now = (await latest()) + 1n;
      await nextAt(now);
      await f.breaker.unpause(action);
      expected[action] = now;
      expect([...(await f.breaker.globalView()).pausedUntil], `after lifting ${action}`).to.deep.equal(expected);
      await f.breaker.checkAction(action);
    }
    expect(await f.breaker.auctionHouse()).to.equal(f.house.address);
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple(GLOBAL_MAX));

    // A guardian pause at the 14-day maximum, once each cooldown has passed, ends exactly then.
    await mineAt((await latest()) + GLOBAL_MAX.pauseCooldown);
    for (const action of [Action.Deposit, Action.Kick, Action.Take, Action.PoolWithdraw]) {
      const at = (await latest()) + 1n;
      await nextAt(at);
      await f.breaker.connect(f.guardian).pause(action, GLOBAL_MAX.maxPauseDuration);
      expected[action] = at + GLOBAL_MAX.maxPauseDuration;
    }
    expect([...(await f.breaker.globalView()).pausedUntil]).to.deep.equal(expected);
  });

  it("debt totals cross the 128-bit spill boundary exactly, per asset and globally, both ways", async function () {
    const f = await networkHelpers.loadFixture(breakerFixture);
    const h = f.breaker.connect(f.house);
    await f.breaker.connect(f.riskManager).setGlobalConfig({ ...GLOBAL, globalDebtUnderAuctionCap: 0n });
    const other = ethers.getAddress("0x" + "d8".repeat(20)); // another uncapped, unconfigured asset
    const debtOf = async (a: string) => (await f.breaker.assetView(a)).debtUnderAuction;
    const globalDebt = async () => (await f.breaker.globalView()).globalDebtUnderAuction;
    const expectTotals = async (link: bigint, oth: bigint, label: string) => {
      expect([await debtOf(f.link), await debtOf(other), await globalDebt()], label).to.deep.equal([
        link,
        oth,
        link + oth,
      ]);
    };

    await h.onAuctionStart(f.link, MAX_UINT128 - 1n, 0n);
    await expectTotals(MAX_UINT128 - 1n, 0n, "one below the marker");
    await h.onAuctionStart(f.link, 1n, 0n);
    await expectTotals(MAX_UINT128, 0n, "at the marker (spilled)");
    await h.onAuctionStart(other, 1n, 0n);
    await expectTotals(MAX_UINT128, 1n, "global 2^128");
    await h.onAuctionStart(f.link, 2n ** 255n, 0n);
    await expectTotals(MAX_UINT128 + 2n ** 255n, 1n, "far above");
    // Past 2^256 the sum overflows (checked arithmetic), as before the packing.
    await expect(h.onAuctionStart(other, MAX_UINT - (MAX_UINT128 + 2n ** 255n), 0n)).to.be.revertedWithPanic(0x11);
    await expectTotals(MAX_UINT128 + 2n ** 255n, 1n, "after the overflow");

    await h.onAuctionEnd(f.link, 2n ** 255n);
    await expectTotals(MAX_UINT128, 1n, "back at the marker");
    await h.onAuctionEnd(f.link, 1n);
    await expectTotals(MAX_UINT128 - 1n, 1n, "asset back in its field, global at the marker");
    await h.onAuctionEnd(other, 1n);
    await expectTotals(MAX_UINT128 - 1n, 0n, "both back in their fields");
    // Spilling again overwrites the stale spill slots.
    await h.onAuctionStart(f.link, 3n, 0n);
    await expectTotals(MAX_UINT128 + 2n, 0n, "spilled again");
    await expect(h.onAuctionEnd(f.link, MAX_UINT))
      .to.emit(f.breaker, "AuctionReleased")
      .withArgs(f.link, MAX_UINT128 + 2n);
    await expectTotals(0n, 0n, "all released");
    // The neighbours of the debt fields are untouched.
    expect([...(await f.breaker.globalConfig())]).to.deep.equal(asTuple({ ...GLOBAL, globalDebtUnderAuctionCap: 0n }));
    expect([...(await f.breaker.assetConfig(f.link))]).to.deep.equal([0n, 0n, 0n, 0n, 0n]);
    expect(await f.breaker.auctionRoom(f.weth)).to.deep.equal([
      WETH_CONFIG.debtUnderAuctionCap,
      WETH_CONFIG.bucketCapacity,
    ]);
  });
});

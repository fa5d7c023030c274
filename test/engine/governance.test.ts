import { expect } from "chai";
import { network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { type BaseContract, type FunctionFragment, type ParamType } from "ethers";
import { GUARDIAN_FUNCTIONS, RISK_MANAGER_FUNCTIONS, ROLES } from "../../deploy/breakwater.js";
import { deployFundedSystem, deploySystem, openVault, USDC, WAD, WETH, type System } from "../helpers/fixtures.js";

const { ethers, networkHelpers } = await network.create();

async function systemFixture(): Promise<System> {
  return deploySystem(ethers);
}

const wad = (x: string) => ethers.parseUnits(x, 18);
const b32 = (s: string) => ethers.encodeBytes32String(s);

// ---------------------------------------------------------------------------------------------
// Access classification of every state-changing function, by contract and ABI signature.
// A function missing here makes the first test fail: classify it before shipping it.
// ---------------------------------------------------------------------------------------------

type ContractKey = "engine" | "pool" | "oracle" | "rateModel" | "insuranceFund" | "auctionHouse" | "circuitBreaker";

/** Roles a `restricted` function can be mapped to (ROLES in deploy/breakwater.ts). */
type Role = "ADMIN" | "RISK_MANAGER" | "GUARDIAN";

type Access =
  /** (a) Permissionless or user-level: no governance gate (any own checks are listed in the reason). */
  | { kind: "public"; reason: string }
  /** (b) Lending pool: only the vault engine, `OnlyEngine(caller)`. */
  | { kind: "engineOnly" }
  /**
   * Only the auction house the contract itself stores, refused with the contract's own
   * `OnlyAuctionHouse(caller)`: the vault engine's liquidation hooks (engine.auctionHouse) and the
   * circuit breaker's throttle hooks (circuitBreaker.auctionHouse). Two distinct errors declared by
   * IVaultEngine and ICircuitBreaker with the same signature (hence the same selector); every check
   * decodes it against the contract called, and "Governance: auction-house-only hooks" checks that
   * each gate is the contract's own.
   */
  | { kind: "auctionHouseOnly" }
  /** Insurance fund `pay`: only authorised spenders (engine, auction house), `UnauthorisedSpender(caller)`. */
  | { kind: "spenderOnly" }
  /**
   * (c) `restricted` through the AccessManager, with the role the deployment maps it to:
   * RISK_MANAGER_FUNCTIONS, GUARDIAN_FUNCTIONS, everything else ADMIN.
   */
  | { kind: "restricted"; role: Role }
  /** AccessManaged.setAuthority: only the AccessManager itself (AccessManager.updateAuthority). */
  | { kind: "authorityOnly" };

const pub = (reason: string): Access => ({ kind: "public", reason });
const ADMIN: Access = { kind: "restricted", role: "ADMIN" };
const RISK: Access = { kind: "restricted", role: "RISK_MANAGER" };
const GUARDIAN: Access = { kind: "restricted", role: "GUARDIAN" };
const ENGINE_ONLY: Access = { kind: "engineOnly" };
const AUTHORITY_ONLY: Access = { kind: "authorityOnly" };
const AUCTION_HOUSE_ONLY: Access = { kind: "auctionHouseOnly" };

const COLLATERAL_CONFIG = "(bool,uint8,uint64,uint64,uint64,uint64,uint64,uint64,uint128,uint128)";
const FEED_CONFIG = "(address,address,uint32,uint32,uint64,uint128,uint128)";
const AUCTION_CONFIG = "(address,uint64,uint64,uint64,uint32)";
const AUCTION_PARAMETERS = "(uint64,uint64,uint64,uint32,uint64,uint128,uint128)";
const BREAKER_ASSET_CONFIG = "(uint64,uint32,uint32,uint128,uint128)";
const BREAKER_GLOBAL_CONFIG = "(uint128,uint32,uint32,uint32)";

const ACCESS: Record<ContractKey, Record<string, Access>> = {
  engine: {
    "openVault(address)": pub("anyone opens a vault, for any owner"),
    "setManager(uint256,address,bool)": pub("vault owner only (NotOwner), checked in the engine"),
    "transferVault(uint256,address)": pub("vault owner only (NotOwner), checked in the engine"),
    "deposit(uint256,address,uint256)": pub("vault owner or manager (NotOwnerOrManager)"),
    "withdraw(uint256,address,uint256,address)": pub("vault owner or manager, health-checked"),
    "borrow(uint256,uint256,address)": pub("vault owner or manager, health-checked"),
    "repay(uint256,uint256)": pub("anyone may repay any vault's debt; never blocked"),
    "flagMarginCall(uint256)": pub("keepers flag any vault in margin shortfall (VaultHealthy otherwise)"),
    "clearMarginCall(uint256)": pub("anyone clears the flag of a vault that is healthy again"),
    "realiseBadDebt(uint256)": pub("anyone realises debt left on a vault without collateral (NotBadDebt)"),
    "seizeForAuction(uint256,address,uint256,uint256)": AUCTION_HOUSE_ONLY,
    "returnFromAuction(uint256,address,uint256,uint256)": AUCTION_HOUSE_ONLY,
    "payOutCollateral(address,address,uint256)": AUCTION_HOUSE_ONLY,
    "repayAuctionDebt(uint256,uint256,address)": AUCTION_HOUSE_ONLY,
    "setCallbackLock(bool)": AUCTION_HOUSE_ONLY,
    "setAuctionHouse(address)": ADMIN,
    "setCircuitBreaker(address)": ADMIN,
    [`listCollateral(address,${COLLATERAL_CONFIG})`]: RISK,
    [`setCollateralConfig(address,${COLLATERAL_CONFIG})`]: RISK,
    "setMinDebt(uint256)": RISK,
    "setMaxCollateralsPerVault(uint256)": RISK,
    "setOracle(address)": ADMIN,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
  pool: {
    "approve(address,uint256)": pub("ERC-20 share approval"),
    "transfer(address,uint256)": pub("ERC-20 share transfer"),
    "transferFrom(address,address,uint256)": pub("ERC-20 share transfer with allowance"),
    "deposit(uint256,address)": pub("ERC-4626 lender deposit"),
    "mint(uint256,address)": pub("ERC-4626 lender mint"),
    "withdraw(uint256,address,address)": pub("ERC-4626 lender withdraw (owner or allowance)"),
    "redeem(uint256,address,address)": pub("ERC-4626 lender redeem (owner or allowance)"),
    "accrueInterest()": pub("permissionless accrual up to now"),
    "borrow(uint256,address)": ENGINE_ONLY,
    "repay(uint256,uint256,address)": ENGINE_ONLY,
    "socialiseBadDebt(uint256)": ENGINE_ONLY,
    "setEngine(address)": ADMIN,
    "setRateModel(address)": ADMIN,
    "setInsuranceFund(address)": ADMIN,
    "setCircuitBreaker(address)": ADMIN,
    "skim(address,address)": ADMIN,
    "setReserveFactor(uint256)": RISK,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
  oracle: {
    "poke(address)": pub("permissionless volatility tracker update"),
    [`setFeed(address,${FEED_CONFIG})`]: ADMIN,
    "removeFeed(address)": ADMIN,
    "setSequencerFeed(address,uint32)": ADMIN,
    "setTrackerParameters(uint64,uint32,uint32)": RISK,
    "setAuthority(address)": AUTHORITY_ONLY,
    "setPriceDropBreaker(address)": ADMIN,
  },
  rateModel: {
    "setParameters((uint64,uint64,uint64,uint64))": RISK,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
  insuranceFund: {
    "pay(address,uint256,bytes32)": { kind: "spenderOnly" },
    "withdraw(address,uint256)": ADMIN,
    "setSpender(address,bool)": ADMIN,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
  auctionHouse: {
    "kick(uint256,address,address)": pub(
      "keepers kick any vault in margin shortfall past its cure window or below the hard floor (VaultNotLiquidatable, MarginCallRequired, CureWindowActive otherwise)",
    ),
    "take(uint256,uint256,uint256,address,bytes)": pub(
      "anyone buys from an open auction at the current price, paying from their own balance (max-price guard)",
    ),
    "reset(uint256,address)": pub(
      "keepers restart an auction that ran too long or fell too far (AuctionDoesNotNeedReset otherwise)",
    ),
    [`setCollateralAuctionConfig(address,${AUCTION_CONFIG})`]: RISK,
    [`setAuctionParameters(${AUCTION_PARAMETERS})`]: RISK,
    "setCircuitBreaker(address)": ADMIN,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
  circuitBreaker: {
    "trip(address)": pub(
      "anyone trips an asset whose price fell maxDrop below the tracker's window high (BreakerNotConfigured, BreakerTripped, OracleFailureMode, NoPriceDrop otherwise)",
    ),
    "recordOracleFailure(address)": pub(
      "anyone records that an asset's price is unusable now (OracleHealthy, OracleFailureAlreadyRecorded otherwise)",
    ),
    "recordOracleRecovery(address)": pub(
      "anyone records that a failed price is usable again, starting the grace period (NoOracleFailureRecorded, OracleFailureMode otherwise)",
    ),
    "onAuctionStart(address,uint256,uint256)": AUCTION_HOUSE_ONLY,
    "onAuctionEnd(address,uint256)": AUCTION_HOUSE_ONLY,
    "pause(uint8,uint256)": GUARDIAN,
    "freeze(address,uint256)": GUARDIAN,
    "unpause(uint8)": ADMIN,
    "unfreeze(address)": ADMIN,
    "extendPause(uint8,uint256)": ADMIN,
    "extendFreeze(address,uint256)": ADMIN,
    "clearTrip(address)": ADMIN,
    "setAuctionHouse(address)": ADMIN,
    [`setAssetConfig(address,${BREAKER_ASSET_CONFIG})`]: RISK,
    [`setGlobalConfig(${BREAKER_GLOBAL_CONFIG})`]: RISK,
    "setAuthority(address)": AUTHORITY_ONLY,
  },
};

const CONTRACT_KEYS = Object.keys(ACCESS) as ContractKey[];

/** Number of classified functions, over all contracts, matching `pred`. */
function countAccess(pred: (a: Access) => boolean): number {
  return CONTRACT_KEYS.reduce((n, k) => n + Object.values(ACCESS[k]).filter(pred).length, 0);
}

function contractsOf(s: System): Record<ContractKey, BaseContract> {
  return {
    engine: s.engine,
    pool: s.pool,
    oracle: s.oracle,
    rateModel: s.rateModel,
    insuranceFund: s.insuranceFund,
    auctionHouse: s.auctionHouse,
    circuitBreaker: s.circuitBreaker,
  };
}

/** Mirrors `Action` in ICircuitBreaker.sol. */
const Action = { Deposit: 0, Withdraw: 1, Borrow: 2, Kick: 3, Take: 4, PoolDeposit: 5, PoolWithdraw: 6 } as const;

/** The deployment's role tables by role: functions not listed in either stay ADMIN. */
const ROLE_TABLES: Record<Exclude<Role, "ADMIN">, Record<string, string[]>> = {
  RISK_MANAGER: RISK_MANAGER_FUNCTIONS,
  GUARDIAN: GUARDIAN_FUNCTIONS,
};

/** Gated functions a holder of `role` alone must be refused: authority-only and restricted to another role. */
const refusedTo = (role: Role) => (a: Access) =>
  a.kind === "authorityOnly" || (a.kind === "restricted" && a.role !== role);

/** Every non-view, non-pure function of the contract's ABI. */
function stateChangingFunctions(c: BaseContract): FunctionFragment[] {
  return c.interface.fragments.filter(
    (f): f is FunctionFragment => f.type === "function" && !(f as FunctionFragment).constant,
  );
}

/** Zero / placeholder value for any ABI type, tuples and arrays filled recursively. */
function placeholder(p: ParamType): unknown {
  if (p.isArray()) {
    return p.arrayLength > 0 ? Array.from({ length: p.arrayLength }, () => placeholder(p.arrayChildren)) : [];
  }
  if (p.isTuple()) return p.components.map(placeholder);
  const t = p.baseType;
  if (t === "address") return ethers.ZeroAddress;
  if (t === "bool") return false;
  if (t === "string") return "";
  if (t === "bytes") return "0x";
  if (/^bytes\d+$/.test(t)) return ethers.zeroPadValue("0x", Number(t.slice(5)));
  if (/^u?int\d*$/.test(t)) return 0n;
  throw new Error(`no placeholder for ABI type ${p.format()}`);
}

function placeholderCalldata(c: BaseContract, f: FunctionFragment): string {
  return c.interface.encodeFunctionData(f, f.inputs.map(placeholder));
}

/** Sends `data` to `target` from `from`, as a transaction (for the revert matchers). */
function send(from: HardhatEthersSigner, target: BaseContract, data: string) {
  return target.getAddress().then((to) => from.sendTransaction({ to, data }));
}

/** Runs a matcher, prefixing any failure with the function it was about. */
async function about(label: string, check: () => Promise<unknown>): Promise<void> {
  try {
    await check();
  } catch (e) {
    throw new Error(`${label}: ${(e as Error).message}`);
  }
}

function selectorOf(signature: string): string {
  return ethers.id(signature).slice(0, 10);
}

/** A fresh signer (index 7 and up are not used by the fixture). */
async function freshSigner(i: number): Promise<HardhatEthersSigner> {
  const signers = await ethers.getSigners();
  return signers[7 + i];
}

function collateralConfig(overrides: Partial<Record<string, bigint | boolean | number>> = {}) {
  return {
    enabled: true,
    decimals: 99, // ignored: the engine reads decimals from the token
    initialHaircut: wad("0.3"),
    maintenanceHaircut: wad("0.2"),
    volatilityMultiplier: wad("2"),
    volatilityCap: wad("0.1"),
    sizeMultiplier: wad("0.5"),
    sizeCap: wad("0.1"),
    marketDepth: wad("1000000"),
    debtCeiling: USDC(1_000_000),
    ...overrides,
  };
}
type Config = ReturnType<typeof collateralConfig>;

/** The config as the engine stores it: decimals replaced, every field as returned by ethers. */
function stored(c: Config, decimals: number) {
  return [
    c.enabled,
    BigInt(decimals),
    BigInt(c.initialHaircut),
    BigInt(c.maintenanceHaircut),
    BigInt(c.volatilityMultiplier),
    BigInt(c.volatilityCap),
    BigInt(c.sizeMultiplier),
    BigInt(c.sizeCap),
    BigInt(c.marketDepth),
    BigInt(c.debtCeiling),
  ];
}

/** A stored config as setter input, with `enabled` overridden. */
async function configWith(s: System, asset: string, enabled: boolean) {
  const c = await s.engine.collateralConfig(asset);
  return {
    enabled,
    decimals: c.decimals,
    initialHaircut: c.initialHaircut,
    maintenanceHaircut: c.maintenanceHaircut,
    volatilityMultiplier: c.volatilityMultiplier,
    volatilityCap: c.volatilityCap,
    sizeMultiplier: c.sizeMultiplier,
    sizeCap: c.sizeCap,
    marketDepth: c.marketDepth,
    debtCeiling: c.debtCeiling,
  };
}

async function readConfig(s: System, asset: string) {
  const c = await s.engine.collateralConfig(asset);
  return [
    c.enabled,
    c.decimals,
    c.initialHaircut,
    c.maintenanceHaircut,
    c.volatilityMultiplier,
    c.volatilityCap,
    c.sizeMultiplier,
    c.sizeCap,
    c.marketDepth,
    c.debtCeiling,
  ];
}

/** Auction settings of one collateral as in deploy/parameters/hardhat.json, with overrides. */
function auctionConfig(s: System, overrides: Partial<Record<string, bigint | string>> = {}) {
  return {
    curve: s.record.contracts.curve,
    penalty: wad("0.08"),
    startBuffer: wad("1.1"),
    resetPriceRatio: wad("0.5"),
    maxDuration: 7200n,
    ...overrides,
  };
}

/** Global liquidation settings as in deploy/parameters/hardhat.json, with overrides. */
function auctionParameters(overrides: Partial<Record<string, bigint>> = {}) {
  return {
    targetHealthFactor: wad("1.1"),
    hardFloor: wad("0.9"),
    lotBuffer: wad("1.3"),
    cureWindow: 600n,
    keeperChip: wad("0.005"),
    keeperTip: USDC(5),
    dust: USDC(100),
    ...overrides,
  };
}
type AuctionParams = ReturnType<typeof auctionParameters>;

const mulDivDown = (x: bigint, y: bigint, d: bigint) => (x * y) / d;
const mulDivUp = (x: bigint, y: bigint, d: bigint) => (x * y + d - 1n) / d;

/**
 * AuctionHouse._checkIncentive, step by step: the IncentiveAbovePenalty arguments (incentive,
 * penalty) a setter reverts with for `penalty` under `p`, or null when the pair is accepted.
 */
function incentiveError(penalty: bigint, p: AuctionParams): [bigint, bigint] | null {
  const penaltyAtDust = mulDivDown(p.dust, penalty, WAD + penalty);
  const incentiveAtDust = p.keeperTip + mulDivUp(p.dust, p.keeperChip, WAD);
  if (incentiveAtDust >= penaltyAtDust) return [incentiveAtDust, penaltyAtDust];
  if (mulDivDown(p.keeperChip, WAD + penalty, WAD) >= penalty) {
    return [p.keeperChip, mulDivDown(penalty, WAD, WAD + penalty)];
  }
  return null;
}

async function readAuctionParameters(s: System) {
  return [...(await s.auctionHouse.auctionParameters())];
}

async function readAuctionConfig(s: System, asset: string) {
  return [...(await s.auctionHouse.collateralAuctionConfig(asset))];
}

/** Global breaker settings as in deploy/parameters/hardhat.json. */
const HARDHAT_BREAKER_GLOBAL = {
  globalDebtUnderAuctionCap: USDC(200_000_000),
  maxPauseDuration: 259_200n,
  pauseCooldown: 86_400n,
  gracePeriod: 1_800n,
};

/** Global breaker settings, hardhat.json's with overrides. */
function breakerGlobalConfig(overrides: Partial<Record<keyof typeof HARDHAT_BREAKER_GLOBAL, bigint>> = {}) {
  return { ...HARDHAT_BREAKER_GLOBAL, ...overrides };
}

/** WETH's breaker settings as in deploy/parameters/hardhat.json, with overrides. */
function breakerAssetConfig(overrides: Partial<Record<string, bigint>> = {}) {
  return {
    maxDrop: wad("0.2"),
    cooldown: 1800n,
    refillPeriod: 3600n,
    debtUnderAuctionCap: USDC(25_000_000),
    bucketCapacity: wad("10000000"),
    ...overrides,
  };
}

/** A call with real arguments of every ADMIN function of the breaker, sent by `who`. */
function breakerAdminAttempts(
  s: System,
  who: HardhatEthersSigner,
  asset: string,
  until: bigint,
): [string, BaseContract, () => Promise<unknown>][] {
  const b = s.circuitBreaker.connect(who);
  return [
    ["circuitBreaker.unpause", s.circuitBreaker, () => b.unpause(Action.Borrow)],
    ["circuitBreaker.unfreeze", s.circuitBreaker, () => b.unfreeze(asset)],
    ["circuitBreaker.extendPause", s.circuitBreaker, () => b.extendPause(Action.Borrow, until)],
    ["circuitBreaker.extendFreeze", s.circuitBreaker, () => b.extendFreeze(asset, until)],
    ["circuitBreaker.clearTrip", s.circuitBreaker, () => b.clearTrip(asset)],
    ["circuitBreaker.setAuctionHouse", s.circuitBreaker, () => b.setAuctionHouse(who.address)],
  ];
}

/** The deployed breaker as the deployment left it: nothing paused, frozen or tripped, hardhat.json settings, wired. */
async function expectBreakerUntouched(s: System, weth: string) {
  const g = await s.circuitBreaker.globalView();
  expect([...g.pausedUntil]).to.deep.equal([0n, 0n, 0n, 0n, 0n, 0n, 0n]);
  expect(g.globalDebtUnderAuction).to.equal(0n);
  const v = await s.circuitBreaker.assetView(weth);
  expect([v.frozen, v.frozenUntil, v.tripped, v.trippedUntil, v.oracleFailed]).to.deep.equal([
    false,
    0n,
    false,
    0n,
    false,
  ]);
  expect([...(await s.circuitBreaker.globalConfig())]).to.deep.equal(Object.values(HARDHAT_BREAKER_GLOBAL));
  expect([...(await s.circuitBreaker.assetConfig(weth))]).to.deep.equal(Object.values(breakerAssetConfig()));
  const breaker = await s.circuitBreaker.getAddress();
  expect(await s.circuitBreaker.auctionHouse()).to.equal(await s.auctionHouse.getAddress());
  for (const c of [s.engine, s.pool, s.auctionHouse]) expect(await c.circuitBreaker()).to.equal(breaker);
}

// ---------------------------------------------------------------------------------------------

describe("Governance: access control generated from the ABIs", function () {
  it("classifies every state-changing function of every contract (and lists no stale ones)", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const contracts = contractsOf(s);
    const unclassified: string[] = [];
    const stale: string[] = [];
    let total = 0;
    for (const key of CONTRACT_KEYS) {
      const inAbi = new Set(stateChangingFunctions(contracts[key]).map((f) => f.format("sighash")));
      total += inAbi.size;
      for (const sig of inAbi) if (ACCESS[key][sig] === undefined) unclassified.push(`${key}.${sig}`);
      for (const sig of Object.keys(ACCESS[key])) if (!inAbi.has(sig)) stale.push(`${key}.${sig}`);
    }
    expect(unclassified, "functions with no access classification").to.deep.equal([]);
    expect(stale, "classified functions missing from the ABI").to.deep.equal([]);
    expect(total).to.equal(countAccess(() => true));
  });

  it("maps exactly RISK_MANAGER_FUNCTIONS to RISK_MANAGER, GUARDIAN_FUNCTIONS to GUARDIAN and every other restricted function to ADMIN", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const contracts = contractsOf(s);
    // The test's classification agrees with the deployment's table.
    for (const key of CONTRACT_KEYS) {
      const risk = Object.entries(ACCESS[key])
        .filter(([, a]) => a.kind === "restricted" && a.role === "RISK_MANAGER")
        .map(([sig]) => sig)
        .sort();
      expect(risk, key).to.deep.equal([...(RISK_MANAGER_FUNCTIONS[key] ?? [])].sort());
    }
    expect(Object.keys(RISK_MANAGER_FUNCTIONS).every((k) => CONTRACT_KEYS.includes(k as ContractKey))).to.equal(true);
    // The same for the guardian's table.
    for (const key of CONTRACT_KEYS) {
      const guardian = Object.entries(ACCESS[key])
        .filter(([, a]) => a.kind === "restricted" && a.role === "GUARDIAN")
        .map(([sig]) => sig)
        .sort();
      expect(guardian, key).to.deep.equal([...(GUARDIAN_FUNCTIONS[key] ?? [])].sort());
    }
    for (const [role, table] of Object.entries(ROLE_TABLES)) {
      expect(
        Object.keys(table).filter((k) => !CONTRACT_KEYS.includes(k as ContractKey)),
        `${role} table keys that are no classified contract`,
      ).to.deep.equal([]);
    }
    // The guardian can pause and freeze, nothing else, and only on the circuit breaker.
    expect(GUARDIAN_FUNCTIONS).to.deep.equal({
      circuitBreaker: ["pause(uint8,uint256)", "freeze(address,uint256)"],
    });
    expect(countAccess((a) => a.kind === "restricted" && a.role === "GUARDIAN")).to.equal(2);
    // No function is in both tables (each has a single role on-chain).
    const riskSigs = Object.entries(RISK_MANAGER_FUNCTIONS).flatMap(([k, sigs]) => sigs.map((sig) => `${k}.${sig}`));
    const guardianSigs = Object.entries(GUARDIAN_FUNCTIONS).flatMap(([k, sigs]) => sigs.map((sig) => `${k}.${sig}`));
    expect(
      riskSigs.filter((x) => guardianSigs.includes(x)),
      "in both tables",
    ).to.deep.equal([]);
    // And the on-chain AccessManager agrees with both.
    for (const key of CONTRACT_KEYS) {
      const target = await contracts[key].getAddress();
      for (const [sig, access] of Object.entries(ACCESS[key])) {
        if (access.kind !== "restricted") continue;
        expect(await s.accessManager.getTargetFunctionRole(target, selectorOf(sig)), `${key}.${sig}`).to.equal(
          ROLES[access.role],
        );
      }
      expect(await s.accessManager.isTargetClosed(target)).to.equal(false);
    }
    // Read from the deployment's tables directly too.
    for (const [role, table] of Object.entries(ROLE_TABLES)) {
      for (const [key, sigs] of Object.entries(table)) {
        const target = await contracts[key as ContractKey].getAddress();
        for (const sig of sigs) {
          expect(await s.accessManager.getTargetFunctionRole(target, selectorOf(sig)), `${key}.${sig}`).to.equal(
            ROLES[role as Role],
          );
        }
      }
    }
    // hardhat.json makes the deployer the guardian (as well as admin and risk manager).
    expect((await s.accessManager.hasRole(ROLES.GUARDIAN, s.deployer.address))[0]).to.equal(true);
  });

  for (const key of CONTRACT_KEYS) {
    it(`${key}: a stranger is refused by every gated function, with the exact error`, async function () {
      const s = await networkHelpers.loadFixture(systemFixture);
      const c = contractsOf(s)[key];
      let gated = 0;
      for (const f of stateChangingFunctions(c)) {
        const sig = f.format("sighash");
        const access = ACCESS[key][sig];
        expect(access, `${key}.${sig} is not classified`).to.not.equal(undefined);
        const data = placeholderCalldata(c, f);
        const label = `${key}.${sig} (${access.kind})`;
        switch (access.kind) {
          case "restricted":
          case "authorityOnly":
            gated++;
            await about(label, () =>
              expect(send(s.stranger, c, data))
                .to.be.revertedWithCustomError(c, "AccessManagedUnauthorized")
                .withArgs(s.stranger.address),
            );
            break;
          case "engineOnly":
            gated++;
            await about(label, () =>
              expect(send(s.stranger, c, data))
                .to.be.revertedWithCustomError(c, "OnlyEngine")
                .withArgs(s.stranger.address),
            );
            break;
          case "auctionHouseOnly":
            gated++;
            await about(label, () =>
              expect(send(s.stranger, c, data))
                .to.be.revertedWithCustomError(c, "OnlyAuctionHouse")
                .withArgs(s.stranger.address),
            );
            break;
          case "spenderOnly":
            gated++;
            await about(label, () =>
              expect(send(s.stranger, c, data))
                .to.be.revertedWithCustomError(c, "UnauthorisedSpender")
                .withArgs(s.stranger.address),
            );
            break;
          case "public":
            break;
        }
      }
      expect(gated).to.be.greaterThan(0);
    });
  }

  it("public functions are not gated: a stranger's call never fails on a permission error", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const contracts = contractsOf(s);
    const gateErrors = ["AccessManagedUnauthorized", "OnlyEngine", "OnlyAuctionHouse", "UnauthorisedSpender"];
    const gateSelectors = new Map<string, string>();
    for (const key of CONTRACT_KEYS) {
      contracts[key].interface.forEachError((e) => {
        if (gateErrors.includes(e.name)) gateSelectors.set(e.selector, e.name);
      });
    }
    expect(gateSelectors.size).to.equal(4);
    let checked = 0;
    for (const key of CONTRACT_KEYS) {
      const c = contracts[key];
      const to = await c.getAddress();
      for (const f of stateChangingFunctions(c)) {
        const sig = f.format("sighash");
        const access = ACCESS[key][sig];
        if (access?.kind !== "public") continue;
        expect(access.reason.length, `${key}.${sig} needs a reason`).to.be.greaterThan(0);
        let revertData = "0x";
        try {
          await ethers.provider.call({ from: s.stranger.address, to, data: placeholderCalldata(c, f) });
        } catch (e) {
          revertData = ((e as { data?: string }).data ?? "0x").toString();
        }
        const selector = revertData.slice(0, 10);
        expect(gateSelectors.has(selector), `${key}.${sig} reverted with ${gateSelectors.get(selector)}`).to.equal(
          false,
        );
        checked++;
      }
    }
    expect(checked).to.equal(countAccess((a) => a.kind === "public"));
  });

  it("the vault lens has no state-changing function (views only, no fallback, not a governed target)", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    // A state-changing function added to the lens fails here: classify it (and move the lens into
    // ACCESS) or keep the lens read-only.
    expect(
      stateChangingFunctions(s.lens).map((f) => f.format("sighash")),
      "state-changing functions of VaultLens",
    ).to.deep.equal([]);
    const functions = s.lens.interface.fragments.filter((f): f is FunctionFragment => f.type === "function");
    expect(functions.map((f) => f.format("sighash")).sort()).to.include.members([
      "engine()",
      "liquidationPrice(uint256,address)",
      "vaultSummary(uint256)",
    ]);
    for (const f of functions) expect(f.stateMutability, f.format("sighash")).to.be.oneOf(["view", "pure"]);
    expect(s.lens.interface.fallback, "fallback").to.equal(null);
    expect(s.lens.interface.receive, "receive").to.equal(false);
    // Not access-managed, and the deployment maps nothing on it.
    for (const name of ["authority", "setAuthority"]) expect(functions.map((f) => f.name)).to.not.include(name);
    expect(RISK_MANAGER_FUNCTIONS["lens"]).to.equal(undefined);
    expect(GUARDIAN_FUNCTIONS["lens"]).to.equal(undefined);
    expect(await s.lens.engine()).to.equal(await s.engine.getAddress());
  });
});

describe("Governance: role separation", function () {
  /** A valid call of every RISK_MANAGER function, with the event that proves it took effect. */
  function riskManagerCalls(s: System, asset: string): Record<string, () => Promise<void>> {
    return {
      [`engine.listCollateral(address,${COLLATERAL_CONFIG})`]: async () => {
        const cfg = collateralConfig();
        await expect(s.engine.listCollateral(asset, cfg))
          .to.emit(s.engine, "CollateralListed")
          .withArgs(asset, stored(cfg, 18));
      },
      [`engine.setCollateralConfig(address,${COLLATERAL_CONFIG})`]: async () => {
        const weth = await s.weth.getAddress();
        const cfg = collateralConfig({ initialHaircut: wad("0.25") });
        await expect(s.engine.setCollateralConfig(weth, cfg))
          .to.emit(s.engine, "CollateralConfigSet")
          .withArgs(weth, stored(cfg, 18));
      },
      "engine.setMinDebt(uint256)": async () => {
        await expect(s.engine.setMinDebt(USDC(250)))
          .to.emit(s.engine, "MinDebtSet")
          .withArgs(USDC(250));
        expect(await s.engine.minDebt()).to.equal(USDC(250));
      },
      "engine.setMaxCollateralsPerVault(uint256)": async () => {
        await expect(s.engine.setMaxCollateralsPerVault(3)).to.emit(s.engine, "MaxCollateralsPerVaultSet").withArgs(3n);
      },
      "oracle.setTrackerParameters(uint64,uint32,uint32)": async () => {
        await expect(s.oracle.setTrackerParameters(wad("0.9"), 120, 7200))
          .to.emit(s.oracle, "TrackerParametersSet")
          .withArgs(wad("0.9"), 120n, 7200n);
      },
      "pool.setReserveFactor(uint256)": async () => {
        await expect(s.pool.setReserveFactor(wad("0.2")))
          .to.emit(s.pool, "ReserveFactorSet")
          .withArgs(wad("0.2"));
      },
      "rateModel.setParameters((uint64,uint64,uint64,uint64))": async () => {
        const p = { baseRate: 1000n, slopeLow: 2000n, slopeHigh: 3000n, kink: wad("0.5") };
        await expect(s.rateModel.setParameters(p))
          .to.emit(s.rateModel, "RateParametersSet")
          .withArgs(1000n, 2000n, 3000n, wad("0.5"));
      },
      [`auctionHouse.setCollateralAuctionConfig(address,${AUCTION_CONFIG})`]: async () => {
        const weth = await s.weth.getAddress();
        const cfg = auctionConfig(s, { penalty: wad("0.1"), maxDuration: 3600n });
        await expect(s.auctionHouse.setCollateralAuctionConfig(weth, cfg))
          .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
          .withArgs(weth, Object.values(cfg));
      },
      [`auctionHouse.setAuctionParameters(${AUCTION_PARAMETERS})`]: async () => {
        const p = auctionParameters({ cureWindow: 900n, dust: USDC(200) });
        await expect(s.auctionHouse.setAuctionParameters(p))
          .to.emit(s.auctionHouse, "AuctionParametersSet")
          .withArgs(Object.values(p));
      },
      [`circuitBreaker.setAssetConfig(address,${BREAKER_ASSET_CONFIG})`]: async () => {
        const weth = await s.weth.getAddress();
        const cfg = breakerAssetConfig({
          maxDrop: wad("0.25"),
          cooldown: 3600n,
          debtUnderAuctionCap: USDC(20_000_000),
        });
        await expect(s.circuitBreaker.setAssetConfig(weth, cfg))
          .to.emit(s.circuitBreaker, "AssetConfigSet")
          .withArgs(weth, Object.values(cfg));
        expect([...(await s.circuitBreaker.assetConfig(weth))]).to.deep.equal(Object.values(cfg));
      },
      [`circuitBreaker.setGlobalConfig(${BREAKER_GLOBAL_CONFIG})`]: async () => {
        const cfg = breakerGlobalConfig({ maxPauseDuration: 86_400n, pauseCooldown: 43_200n, gracePeriod: 900n });
        await expect(s.circuitBreaker.setGlobalConfig(cfg))
          .to.emit(s.circuitBreaker, "GlobalConfigSet")
          .withArgs(Object.values(cfg));
        expect([...(await s.circuitBreaker.globalConfig())]).to.deep.equal(Object.values(cfg));
      },
    };
  }

  it("RISK_MANAGER can call exactly RISK_MANAGER_FUNCTIONS; every admin-only and guardian function refuses it", async function () {
    const base = await networkHelpers.loadFixture(systemFixture);
    const rm = await freshSigner(0);
    await base.accessManager.grantRole(ROLES.RISK_MANAGER, rm.address, 0);
    expect((await base.accessManager.hasRole(ROLES.RISK_MANAGER, rm.address))[0]).to.equal(true);
    expect((await base.accessManager.hasRole(ROLES.ADMIN, rm.address))[0]).to.equal(false);
    expect((await base.accessManager.hasRole(ROLES.GUARDIAN, rm.address))[0]).to.equal(false);

    // The same system, every contract connected to the risk manager.
    const s: System = {
      ...base,
      engine: base.engine.connect(rm),
      pool: base.pool.connect(rm),
      oracle: base.oracle.connect(rm),
      rateModel: base.rateModel.connect(rm),
      insuranceFund: base.insuranceFund.connect(rm),
      auctionHouse: base.auctionHouse.connect(rm),
      circuitBreaker: base.circuitBreaker.connect(rm),
    };
    const token = await ethers.deployContract("MockERC20", ["New", "NEW", 18]);
    const calls = riskManagerCalls(s, await token.getAddress());
    const expected = Object.entries(RISK_MANAGER_FUNCTIONS).flatMap(([k, sigs]) => sigs.map((sig) => `${k}.${sig}`));
    expect(Object.keys(calls).sort(), "a valid call for every RISK_MANAGER function").to.deep.equal(expected.sort());
    for (const [label, call] of Object.entries(calls)) await about(label, call);

    const contracts = contractsOf(base);
    let refused = 0;
    let refusedGuardian = 0;
    for (const key of CONTRACT_KEYS) {
      const c = contracts[key];
      for (const f of stateChangingFunctions(c)) {
        const sig = f.format("sighash");
        const access = ACCESS[key][sig];
        if (!refusedTo("RISK_MANAGER")(access)) continue;
        if (access.kind === "restricted" && access.role === "GUARDIAN") refusedGuardian++;
        else refused++;
        await about(`${key}.${sig}`, () =>
          expect(send(rm, c, placeholderCalldata(c, f)))
            .to.be.revertedWithCustomError(c, "AccessManagedUnauthorized")
            .withArgs(rm.address),
        );
      }
    }
    expect(refused).to.equal(
      countAccess((a) => a.kind === "authorityOnly" || (a.kind === "restricted" && a.role === "ADMIN")),
    );
    expect(refusedGuardian).to.equal(countAccess((a) => a.kind === "restricted" && a.role === "GUARDIAN"));
    expect(refusedGuardian).to.equal(2);
  });

  it("RISK_MANAGER is refused the named admin-only setters with real arguments", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const rm = await freshSigner(0);
    await s.accessManager.grantRole(ROLES.RISK_MANAGER, rm.address, 0);
    const newOracle = await ethers.deployContract("BreakwaterOracle", [await s.accessManager.getAddress()]);
    const feed = await ethers.deployContract("MockV3Aggregator", [8, 100_000_000n]);
    const weth = await s.weth.getAddress();
    const [newOracleAddress, rateModelAddress, feedAddress] = await Promise.all(
      [newOracle, s.rateModel, feed].map((c) => c.getAddress()),
    );
    // Thunks: each transaction is sent only when its expectation awaits it (no unhandled rejection).
    const attempts: [string, BaseContract, () => Promise<unknown>][] = [
      ["engine.setOracle", s.engine, () => s.engine.connect(rm).setOracle(newOracleAddress)],
      ["pool.setRateModel", s.pool, () => s.pool.connect(rm).setRateModel(rateModelAddress)],
      ["pool.setInsuranceFund", s.pool, () => s.pool.connect(rm).setInsuranceFund(rm.address)],
      ["pool.skim", s.pool, () => s.pool.connect(rm).skim(weth, rm.address)],
      [
        "oracle.setFeed",
        s.oracle,
        () =>
          s.oracle.connect(rm).setFeed(weth, {
            primary: feedAddress,
            secondary: ethers.ZeroAddress,
            primaryStaleness: 3600,
            secondaryStaleness: 0,
            maxDeviation: 0,
            minPrice: wad("1"),
            maxPrice: wad("100000"),
          }),
      ],
      ["oracle.removeFeed", s.oracle, () => s.oracle.connect(rm).removeFeed(weth)],
      ["insuranceFund.setSpender", s.insuranceFund, () => s.insuranceFund.connect(rm).setSpender(rm.address, true)],
      ["insuranceFund.withdraw", s.insuranceFund, () => s.insuranceFund.connect(rm).withdraw(rm.address, 1n)],
      ["engine.setAuctionHouse", s.engine, () => s.engine.connect(rm).setAuctionHouse(rm.address)],
      ["engine.setCircuitBreaker", s.engine, () => s.engine.connect(rm).setCircuitBreaker(rm.address)],
      ["pool.setCircuitBreaker", s.pool, () => s.pool.connect(rm).setCircuitBreaker(rm.address)],
      [
        "auctionHouse.setCircuitBreaker",
        s.auctionHouse,
        () => s.auctionHouse.connect(rm).setCircuitBreaker(rm.address),
      ],
      ...breakerAdminAttempts(s, rm, weth, BigInt(await networkHelpers.time.latest()) + 86_400n),
      // The guardian's functions too: the risk manager configures breakers, it does not pull them.
      ["circuitBreaker.pause", s.circuitBreaker, () => s.circuitBreaker.connect(rm).pause(Action.Borrow, 3600n)],
      ["circuitBreaker.freeze", s.circuitBreaker, () => s.circuitBreaker.connect(rm).freeze(weth, 3600n)],
    ];
    for (const [label, c, tx] of attempts) {
      await about(label, () =>
        expect(tx()).to.be.revertedWithCustomError(c, "AccessManagedUnauthorized").withArgs(rm.address),
      );
    }
    // Nothing changed.
    expect(await s.engine.oracle()).to.equal(await s.oracle.getAddress());
    expect(await s.pool.insuranceFund()).to.equal(await s.insuranceFund.getAddress());
    expect(await s.insuranceFund.isSpender(rm.address)).to.equal(false);
    expect((await s.oracle.feedConfig(weth)).primary).to.equal(s.record.collaterals[0].feed);
    expect(await s.engine.auctionHouse()).to.equal(await s.auctionHouse.getAddress());
    await expectBreakerUntouched(s, weth);
  });

  it("GUARDIAN can call exactly GUARDIAN_FUNCTIONS (a real pause and a real freeze); every other restricted function refuses it", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const guardian = await freshSigner(1);
    await s.accessManager.grantRole(ROLES.GUARDIAN, guardian.address, 0);
    expect((await s.accessManager.hasRole(ROLES.GUARDIAN, guardian.address))[0]).to.equal(true);
    expect((await s.accessManager.hasRole(ROLES.ADMIN, guardian.address))[0]).to.equal(false);
    expect((await s.accessManager.hasRole(ROLES.RISK_MANAGER, guardian.address))[0]).to.equal(false);

    // A valid call of every GUARDIAN function, with the event and the state that prove it took effect.
    const breaker = s.circuitBreaker.connect(guardian);
    const weth = await s.weth.getAddress();
    const { maxPauseDuration } = await s.circuitBreaker.globalConfig();
    expect(maxPauseDuration).to.equal(BigInt(HARDHAT_BREAKER_GLOBAL.maxPauseDuration));
    const pausedUntil = { borrow: 0n, weth: 0n };
    const calls: Record<string, () => Promise<void>> = {
      "circuitBreaker.pause(uint8,uint256)": async () => {
        const at = BigInt(await networkHelpers.time.latest()) + 10n;
        await networkHelpers.time.setNextBlockTimestamp(at);
        pausedUntil.borrow = at + 3600n;
        await expect(breaker.pause(Action.Borrow, 3600n))
          .to.emit(s.circuitBreaker, "Paused")
          .withArgs(BigInt(Action.Borrow), guardian.address, pausedUntil.borrow);
        expect((await s.circuitBreaker.globalView()).pausedUntil[Action.Borrow]).to.equal(pausedUntil.borrow);
        await expect(s.circuitBreaker.checkAction(Action.Borrow))
          .to.be.revertedWithCustomError(s.circuitBreaker, "ActionPaused")
          .withArgs(BigInt(Action.Borrow), pausedUntil.borrow);
        await expect(s.circuitBreaker.checkAction(Action.Withdraw)).to.not.revert(ethers);
      },
      "circuitBreaker.freeze(address,uint256)": async () => {
        const at = BigInt(await networkHelpers.time.latest()) + 10n;
        await networkHelpers.time.setNextBlockTimestamp(at);
        pausedUntil.weth = at + maxPauseDuration;
        await expect(breaker.freeze(weth, maxPauseDuration))
          .to.emit(s.circuitBreaker, "Frozen")
          .withArgs(weth, guardian.address, pausedUntil.weth);
        const v = await s.circuitBreaker.assetView(weth);
        expect(v.frozen).to.equal(true);
        expect(v.frozenUntil).to.equal(pausedUntil.weth);
        expect(await s.circuitBreaker.isRiskIncreaseBlocked(weth)).to.equal(true);
        await expect(s.circuitBreaker.checkDeposit(weth))
          .to.be.revertedWithCustomError(s.circuitBreaker, "AssetFrozen")
          .withArgs(weth, pausedUntil.weth);
      },
    };
    const expected = Object.entries(GUARDIAN_FUNCTIONS).flatMap(([k, sigs]) => sigs.map((sig) => `${k}.${sig}`));
    expect(Object.keys(calls).sort(), "a valid call for every GUARDIAN function").to.deep.equal(expected.sort());
    for (const [label, call] of Object.entries(calls)) await about(label, call);

    // Its own bounds still apply: longer than maxPauseDuration, or again within the cooldown.
    await expect(breaker.pause(Action.Kick, maxPauseDuration + 1n))
      .to.be.revertedWithCustomError(s.circuitBreaker, "PauseTooLong")
      .withArgs(maxPauseDuration + 1n, maxPauseDuration);
    await expect(breaker.pause(Action.Borrow, 60n))
      .to.be.revertedWithCustomError(s.circuitBreaker, "PauseCooldown")
      .withArgs(BigInt(Action.Borrow), pausedUntil.borrow + BigInt(HARDHAT_BREAKER_GLOBAL.pauseCooldown));

    // Everything else that is gated refuses it, with placeholder arguments...
    const contracts = contractsOf(s);
    let refused = 0;
    for (const key of CONTRACT_KEYS) {
      const c = contracts[key];
      for (const f of stateChangingFunctions(c)) {
        const sig = f.format("sighash");
        const access = ACCESS[key][sig];
        if (!refusedTo("GUARDIAN")(access)) continue;
        refused++;
        await about(`${key}.${sig}`, () =>
          expect(send(guardian, c, placeholderCalldata(c, f)))
            .to.be.revertedWithCustomError(c, "AccessManagedUnauthorized")
            .withArgs(guardian.address),
        );
      }
    }
    expect(refused).to.equal(countAccess(refusedTo("GUARDIAN")));
    expect(refused + countAccess((a) => a.kind === "restricted" && a.role === "GUARDIAN")).to.equal(
      countAccess((a) => a.kind === "restricted" || a.kind === "authorityOnly"),
    );

    // ...and with real ones: it cannot lift, extend or reconfigure its own pause and freeze.
    const until = pausedUntil.weth + 86_400n;
    const attempts: [string, BaseContract, () => Promise<unknown>][] = [
      ...breakerAdminAttempts(s, guardian, weth, until),
      [
        "circuitBreaker.setGlobalConfig",
        s.circuitBreaker,
        () => breaker.setGlobalConfig(breakerGlobalConfig({ pauseCooldown: 0n })),
      ],
      ["circuitBreaker.setAssetConfig", s.circuitBreaker, () => breaker.setAssetConfig(weth, breakerAssetConfig())],
      ["engine.setCircuitBreaker", s.engine, () => s.engine.connect(guardian).setCircuitBreaker(guardian.address)],
      ["pool.setCircuitBreaker", s.pool, () => s.pool.connect(guardian).setCircuitBreaker(guardian.address)],
      [
        "auctionHouse.setCircuitBreaker",
        s.auctionHouse,
        () => s.auctionHouse.connect(guardian).setCircuitBreaker(guardian.address),
      ],
    ];
    for (const [label, c, tx] of attempts) {
      await about(label, () =>
        expect(tx()).to.be.revertedWithCustomError(c, "AccessManagedUnauthorized").withArgs(guardian.address),
      );
    }
    expect((await s.circuitBreaker.globalView()).pausedUntil[Action.Borrow]).to.equal(pausedUntil.borrow);
    expect((await s.circuitBreaker.assetView(weth)).frozenUntil).to.equal(pausedUntil.weth);
    expect([...(await s.circuitBreaker.globalConfig())]).to.deep.equal(Object.values(HARDHAT_BREAKER_GLOBAL));
  });

  it("a stranger is refused every gated circuit-breaker function with real arguments, with the exact error", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const weth = await s.weth.getAddress();
    const b = s.circuitBreaker.connect(s.stranger);
    const until = BigInt(await networkHelpers.time.latest()) + 86_400n;
    const managerAddress = await s.accessManager.getAddress();
    const restricted: [string, BaseContract, () => Promise<unknown>][] = [
      ...breakerAdminAttempts(s, s.stranger, weth, until),
      ["circuitBreaker.pause", s.circuitBreaker, () => b.pause(Action.Borrow, 3600n)],
      ["circuitBreaker.freeze", s.circuitBreaker, () => b.freeze(weth, 3600n)],
      ["circuitBreaker.setAssetConfig", s.circuitBreaker, () => b.setAssetConfig(weth, breakerAssetConfig())],
      ["circuitBreaker.setGlobalConfig", s.circuitBreaker, () => b.setGlobalConfig(breakerGlobalConfig())],
      ["circuitBreaker.setAuthority", s.circuitBreaker, () => b.setAuthority(managerAddress)],
    ];
    for (const [label, c, tx] of restricted) {
      await about(label, () =>
        expect(tx()).to.be.revertedWithCustomError(c, "AccessManagedUnauthorized").withArgs(s.stranger.address),
      );
    }
    const hooks: [string, () => Promise<unknown>][] = [
      ["circuitBreaker.onAuctionStart", () => b.onAuctionStart(weth, USDC(1_000), wad("1000"))],
      ["circuitBreaker.onAuctionEnd", () => b.onAuctionEnd(weth, USDC(1_000))],
    ];
    for (const [label, tx] of hooks) {
      await about(label, () =>
        expect(tx()).to.be.revertedWithCustomError(s.circuitBreaker, "OnlyAuctionHouse").withArgs(s.stranger.address),
      );
    }
    // Every gated breaker function was attempted.
    const gated = Object.entries(ACCESS.circuitBreaker)
      .filter(([, a]) => a.kind !== "public")
      .map(([sig]) => `circuitBreaker.${sig.slice(0, sig.indexOf("("))}`)
      .sort();
    expect([...restricted.map(([label]) => label), ...hooks.map(([label]) => label)].sort()).to.deep.equal(gated);
    await expectBreakerUntouched(s, weth);
  });

  it("ADMIN (the deployer) calls admin-only setters directly, but not setAuthority", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const newOracle = await ethers.deployContract("BreakwaterOracle", [await s.accessManager.getAddress()]);
    await expect(s.engine.setOracle(await newOracle.getAddress()))
      .to.emit(s.engine, "OracleSet")
      .withArgs(await newOracle.getAddress());
    await expect(s.insuranceFund.setSpender(s.keeper.address, true))
      .to.emit(s.insuranceFund, "SpenderSet")
      .withArgs(s.keeper.address, true);
    // setAuthority only accepts its current authority as caller, even from the admin.
    await expect(s.engine.setAuthority(await s.accessManager.getAddress()))
      .to.be.revertedWithCustomError(s.engine, "AccessManagedUnauthorized")
      .withArgs(s.deployer.address);
  });

  it("an ADMIN without the RISK_MANAGER role cannot call risk-manager functions, even scheduled", async function () {
    const s = await networkHelpers.loadFixture(systemFixture);
    const admin = await freshSigner(2);
    await s.accessManager.grantRole(ROLES.ADMIN, admin.address, 0);
    await expect(s.engine.connect(admin).setMinDebt(USDC(1)))
      .to.be.revertedWithCustomError(s.engine, "AccessManagedUnauthorized")
      .withArgs(admin.address);
    const data = s.engine.interface.encodeFunctionData("setMinDebt", [USDC(1)]);
    const engine = await s.engine.getAddress();
    await expect(s.accessManager.connect(admin).schedule(engine, data, 0))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerUnauthorizedCall")
      .withArgs(admin.address, engine, selectorOf("setMinDebt(uint256)"));
  });
});

describe("Governance: admin timelock", function () {
  async function timelockedFixture() {
    const s = await deploySystem(ethers);
    const [, , , , , , , , newAdmin] = await ethers.getSigners();
    await s.accessManager.grantRole(ROLES.ADMIN, newAdmin.address, 3600);
    await s.accessManager.revokeRole(ROLES.ADMIN, s.deployer.address);
    return { s, newAdmin };
  }

  it("hands admin over to an account with a 1 hour execution delay", async function () {
    const { s, newAdmin } = await networkHelpers.loadFixture(timelockedFixture);
    const [isAdmin, delay] = await s.accessManager.hasRole(ROLES.ADMIN, newAdmin.address);
    expect(isAdmin).to.equal(true);
    expect(delay).to.equal(3600n);
    expect((await s.accessManager.hasRole(ROLES.ADMIN, s.deployer.address))[0]).to.equal(false);
    // The former admin is refused outright.
    await expect(s.engine.setOracle(s.stranger.address))
      .to.be.revertedWithCustomError(s.engine, "AccessManagedUnauthorized")
      .withArgs(s.deployer.address);
  });

  it("engine.setOracle: direct call refused, execute before the delay refused, after the delay applied", async function () {
    const { s, newAdmin } = await networkHelpers.loadFixture(timelockedFixture);
    const am = s.accessManager.connect(newAdmin);
    const engine = await s.engine.getAddress();
    const newOracle = await ethers.deployContract("BreakwaterOracle", [await s.accessManager.getAddress()]);
    const newOracleAddress = await newOracle.getAddress();
    const data = s.engine.interface.encodeFunctionData("setOracle", [newOracleAddress]);
    const operationId = await s.accessManager.hashOperation(newAdmin.address, engine, data);

    // A delayed caller is not refused with AccessManagedUnauthorized: AccessManaged asks the manager to
    // consume a scheduled operation, and there is none.
    await expect(s.engine.connect(newAdmin).setOracle(newOracleAddress))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotScheduled")
      .withArgs(operationId);
    // Nor can it bypass the delay through execute without a schedule.
    await expect(am.execute(engine, data))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotScheduled")
      .withArgs(operationId);

    await expect(am.schedule(engine, data, 0)).to.emit(s.accessManager, "OperationScheduled");
    const when = await s.accessManager.getSchedule(operationId);
    expect(when).to.equal(BigInt(await networkHelpers.time.latest()) + 3600n);

    await expect(am.execute(engine, data))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotReady")
      .withArgs(operationId);
    expect(await s.engine.oracle()).to.equal(await s.oracle.getAddress());

    await networkHelpers.time.increase(3601);
    await expect(am.execute(engine, data))
      .to.emit(s.engine, "OracleSet")
      .withArgs(newOracleAddress)
      .and.to.emit(s.accessManager, "OperationExecuted")
      .withArgs(operationId, 1n);
    expect(await s.engine.oracle()).to.equal(newOracleAddress);

    // Consumed: it cannot be replayed.
    await expect(am.execute(engine, data))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotScheduled")
      .withArgs(operationId);
  });

  it("pool.setInsuranceFund: a scheduled operation can also be consumed by a direct call after the delay", async function () {
    const { s, newAdmin } = await networkHelpers.loadFixture(timelockedFixture);
    const am = s.accessManager.connect(newAdmin);
    const pool = await s.pool.getAddress();
    const fund = await ethers.deployContract("InsuranceFund", [await s.accessManager.getAddress(), pool]);
    const fundAddress = await fund.getAddress();
    const data = s.pool.interface.encodeFunctionData("setInsuranceFund", [fundAddress]);
    const operationId = await s.accessManager.hashOperation(newAdmin.address, pool, data);

    await am.schedule(pool, data, 0);
    await networkHelpers.time.increase(1800);
    await expect(s.pool.connect(newAdmin).setInsuranceFund(fundAddress))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotReady")
      .withArgs(operationId);
    expect(await s.pool.insuranceFund()).to.equal(await s.insuranceFund.getAddress());

    await networkHelpers.time.increase(1801);
    await expect(s.pool.connect(newAdmin).setInsuranceFund(fundAddress))
      .to.emit(s.pool, "InsuranceFundSet")
      .withArgs(fundAddress);
    expect(await s.pool.insuranceFund()).to.equal(fundAddress);
    // A stranger still cannot execute the same call, scheduled or not.
    await expect(s.accessManager.connect(s.stranger).execute(pool, data))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerUnauthorizedCall")
      .withArgs(s.stranger.address, pool, selectorOf("setInsuranceFund(address)"));
  });

  it("the admin delay does not slow down the risk manager", async function () {
    const { s } = await networkHelpers.loadFixture(timelockedFixture);
    // The deployer still holds RISK_MANAGER with no delay (hardhat.json parameters).
    await expect(s.engine.setMinDebt(USDC(500)))
      .to.emit(s.engine, "MinDebtSet")
      .withArgs(USDC(500));
    expect(await s.engine.minDebt()).to.equal(USDC(500));
  });

  it("nor the guardian: a pause applies at once, and only the timelocked admin can lift it", async function () {
    const { s, newAdmin } = await networkHelpers.loadFixture(timelockedFixture);
    // The deployer keeps GUARDIAN with no delay (hardhat.json parameters), no longer ADMIN.
    expect(await s.accessManager.hasRole(ROLES.GUARDIAN, s.deployer.address)).to.deep.equal([true, 0n]);
    const at = BigInt(await networkHelpers.time.latest()) + 10n;
    await networkHelpers.time.setNextBlockTimestamp(at);
    const until = at + HARDHAT_BREAKER_GLOBAL.maxPauseDuration;
    await expect(s.circuitBreaker.pause(Action.Kick, HARDHAT_BREAKER_GLOBAL.maxPauseDuration))
      .to.emit(s.circuitBreaker, "Paused")
      .withArgs(BigInt(Action.Kick), s.deployer.address, until);
    // The guardian cannot lift it; the new admin only through a scheduled operation.
    await expect(s.circuitBreaker.unpause(Action.Kick))
      .to.be.revertedWithCustomError(s.circuitBreaker, "AccessManagedUnauthorized")
      .withArgs(s.deployer.address);
    const breaker = await s.circuitBreaker.getAddress();
    const data = s.circuitBreaker.interface.encodeFunctionData("unpause", [Action.Kick]);
    const operationId = await s.accessManager.hashOperation(newAdmin.address, breaker, data);
    await expect(s.circuitBreaker.connect(newAdmin).unpause(Action.Kick))
      .to.be.revertedWithCustomError(s.accessManager, "AccessManagerNotScheduled")
      .withArgs(operationId);
    await s.accessManager.connect(newAdmin).schedule(breaker, data, 0);
    await networkHelpers.time.increase(3601);
    expect((await s.circuitBreaker.globalView()).pausedUntil[Action.Kick]).to.equal(until);
    await expect(s.accessManager.connect(newAdmin).execute(breaker, data))
      .to.emit(s.circuitBreaker, "Unpaused")
      .withArgs(BigInt(Action.Kick), await s.accessManager.getAddress());
    await expect(s.circuitBreaker.checkAction(Action.Kick)).to.not.revert(ethers);
  });
});

describe("Governance: engine setter bounds", function () {
  async function boundsFixture() {
    const s = await deploySystem(ethers);
    const token = await ethers.deployContract("MockERC20", ["Fresh", "FRESH", 18]);
    const tokens = [];
    for (let i = 0; i < 3; i++) tokens.push(await ethers.deployContract("MockERC20", [`T${i}`, `T${i}`, 6 + i]));
    return { s, fresh: await token.getAddress(), tokens: await Promise.all(tokens.map((t) => t.getAddress())) };
  }

  const MIN_MAINT = wad("0.01");
  const MAX_TOTAL = wad("0.95");
  const MAX_MULT = wad("10");
  const MIN_DEPTH = wad("1");

  interface Case {
    name: string;
    cfg: Config;
    error: "ParameterOutOfBounds" | "InvalidHaircuts";
    args: (asset: string) => unknown[];
  }
  const cases: Case[] = [
    {
      name: "maintenance haircut below the minimum",
      cfg: collateralConfig({ maintenanceHaircut: MIN_MAINT - 1n }),
      error: "ParameterOutOfBounds",
      args: () => [b32("maintenanceHaircut"), MIN_MAINT - 1n, MIN_MAINT],
    },
    {
      name: "zero maintenance haircut",
      cfg: collateralConfig({ maintenanceHaircut: 0n, initialHaircut: wad("0.1") }),
      error: "ParameterOutOfBounds",
      args: () => [b32("maintenanceHaircut"), 0n, MIN_MAINT],
    },
    {
      name: "initial haircut less than the gap above maintenance",
      cfg: collateralConfig({ initialHaircut: wad("0.21") - 1n, maintenanceHaircut: wad("0.2") }),
      error: "InvalidHaircuts",
      args: (asset) => [asset, wad("0.21") - 1n, wad("0.2")],
    },
    {
      name: "initial haircut below maintenance",
      cfg: collateralConfig({ initialHaircut: wad("0.1"), maintenanceHaircut: wad("0.2") }),
      error: "InvalidHaircuts",
      args: (asset) => [asset, wad("0.1"), wad("0.2")],
    },
    {
      name: "total haircut above 0.95 (size cap counted twice)",
      cfg: collateralConfig({ initialHaircut: wad("0.55"), volatilityCap: wad("0.2"), sizeCap: wad("0.1") + 1n }),
      error: "ParameterOutOfBounds",
      args: () => [b32("totalHaircut"), MAX_TOTAL + 2n, MAX_TOTAL],
    },
    {
      name: "total haircut above 0.95 (volatility cap)",
      cfg: collateralConfig({ initialHaircut: wad("0.55"), volatilityCap: wad("0.2") + 1n, sizeCap: wad("0.1") }),
      error: "ParameterOutOfBounds",
      args: () => [b32("totalHaircut"), MAX_TOTAL + 1n, MAX_TOTAL],
    },
    {
      name: "volatility multiplier above 10",
      cfg: collateralConfig({ volatilityMultiplier: MAX_MULT + 1n }),
      error: "ParameterOutOfBounds",
      args: () => [b32("volatilityMultiplier"), MAX_MULT + 1n, MAX_MULT],
    },
    {
      name: "size multiplier above 10",
      cfg: collateralConfig({ sizeMultiplier: MAX_MULT + 1n }),
      error: "ParameterOutOfBounds",
      args: () => [b32("sizeMultiplier"), MAX_MULT + 1n, MAX_MULT],
    },
    {
      name: "market depth below 1 USD",
      cfg: collateralConfig({ marketDepth: MIN_DEPTH - 1n }),
      error: "ParameterOutOfBounds",
      args: () => [b32("marketDepth"), MIN_DEPTH - 1n, MIN_DEPTH],
    },
  ];

  it("the engine's bound constants are the documented ones", async function () {
    const { s } = await networkHelpers.loadFixture(boundsFixture);
    expect(await s.engine.MIN_MAINTENANCE_HAIRCUT()).to.equal(MIN_MAINT);
    expect(await s.engine.MIN_HAIRCUT_GAP()).to.equal(wad("0.01"));
    expect(await s.engine.MAX_TOTAL_HAIRCUT()).to.equal(MAX_TOTAL);
    expect(await s.engine.MAX_VOLATILITY_MULTIPLIER()).to.equal(MAX_MULT);
    expect(await s.engine.MAX_SIZE_MULTIPLIER()).to.equal(MAX_MULT);
    expect(await s.engine.MIN_MARKET_DEPTH()).to.equal(MIN_DEPTH);
    expect(await s.engine.MAX_COLLATERALS_PER_VAULT()).to.equal(16n);
    expect(await s.engine.MAX_MIN_DEBT()).to.equal(USDC(1_000_000));
  });

  for (const c of cases) {
    it(`listCollateral and setCollateralConfig reject: ${c.name}`, async function () {
      const { s, fresh } = await networkHelpers.loadFixture(boundsFixture);
      await expect(s.engine.listCollateral(fresh, c.cfg))
        .to.be.revertedWithCustomError(s.engine, c.error)
        .withArgs(...c.args(fresh));
      const weth = await s.weth.getAddress();
      await expect(s.engine.setCollateralConfig(weth, c.cfg))
        .to.be.revertedWithCustomError(s.engine, c.error)
        .withArgs(...c.args(weth));
      expect(await s.engine.listedCollaterals()).to.not.include(fresh);
    });
  }

  it("accepts every bound exactly (maintenance 0.01, gap 0.01, total 0.95, multipliers 10, depth 1)", async function () {
    const { s, fresh } = await networkHelpers.loadFixture(boundsFixture);
    // All boundaries at once: 0.02 + 0.53 + 2 * 0.2 = 0.95.
    const edge = collateralConfig({
      initialHaircut: wad("0.02"),
      maintenanceHaircut: MIN_MAINT,
      volatilityCap: wad("0.53"),
      sizeCap: wad("0.2"),
      volatilityMultiplier: MAX_MULT,
      sizeMultiplier: MAX_MULT,
      marketDepth: MIN_DEPTH,
    });
    await expect(s.engine.listCollateral(fresh, edge))
      .to.emit(s.engine, "CollateralListed")
      .withArgs(fresh, stored(edge, 18));
    expect(await readConfig(s, fresh)).to.deep.equal(stored(edge, 18));

    const weth = await s.weth.getAddress();
    const accepted = [
      edge,
      collateralConfig({ initialHaircut: wad("0.02"), maintenanceHaircut: MIN_MAINT }),
      collateralConfig({ initialHaircut: wad("0.21"), maintenanceHaircut: wad("0.2") }),
      collateralConfig({ initialHaircut: wad("0.55"), volatilityCap: wad("0.2"), sizeCap: wad("0.1") }),
      collateralConfig({ initialHaircut: wad("0.75"), volatilityCap: wad("0.2"), sizeCap: 0n }),
      collateralConfig({ initialHaircut: wad("0.35"), volatilityCap: 0n, sizeCap: wad("0.3") }),
      collateralConfig({ volatilityMultiplier: MAX_MULT }),
      collateralConfig({ sizeMultiplier: MAX_MULT }),
      collateralConfig({ marketDepth: MIN_DEPTH }),
      collateralConfig({ volatilityMultiplier: 0n, sizeMultiplier: 0n, debtCeiling: 0n }),
    ];
    for (const cfg of accepted) {
      await expect(s.engine.setCollateralConfig(weth, cfg))
        .to.emit(s.engine, "CollateralConfigSet")
        .withArgs(weth, stored(cfg, 18));
      expect(await readConfig(s, weth)).to.deep.equal(stored(cfg, 18));
    }
  });

  it("stores decimals read from the token, never the argument, on listing and on update", async function () {
    const { s, tokens } = await networkHelpers.loadFixture(boundsFixture);
    const cfg = collateralConfig({ decimals: 99 });
    for (const [i, t] of tokens.entries()) {
      await expect(s.engine.listCollateral(t, cfg))
        .to.emit(s.engine, "CollateralListed")
        .withArgs(t, stored(cfg, 6 + i));
      expect((await s.engine.collateralConfig(t)).decimals).to.equal(BigInt(6 + i));
    }
    expect(await s.engine.listedCollaterals()).to.deep.equal([
      await s.weth.getAddress(),
      await s.wbtc.getAddress(),
      await s.link.getAddress(),
      ...tokens,
    ]);
    const wbtc = await s.wbtc.getAddress();
    const update = collateralConfig({ decimals: 0 });
    await expect(s.engine.setCollateralConfig(wbtc, update))
      .to.emit(s.engine, "CollateralConfigSet")
      .withArgs(wbtc, stored(update, 8));
    expect((await s.engine.collateralConfig(wbtc)).decimals).to.equal(8n);
  });

  it("rejects listing the zero address, the base asset, or an asset twice; and configuring an unlisted one", async function () {
    const { s, fresh } = await networkHelpers.loadFixture(boundsFixture);
    const cfg = collateralConfig();
    await expect(s.engine.listCollateral(ethers.ZeroAddress, cfg)).to.be.revertedWithCustomError(
      s.engine,
      "ZeroAddress",
    );
    const usdc = await s.usdc.getAddress();
    await expect(s.engine.listCollateral(usdc, cfg))
      .to.be.revertedWithCustomError(s.engine, "BaseAssetAsCollateral")
      .withArgs(usdc);
    const weth = await s.weth.getAddress();
    await expect(s.engine.listCollateral(weth, cfg))
      .to.be.revertedWithCustomError(s.engine, "CollateralAlreadyListed")
      .withArgs(weth);
    await expect(s.engine.setCollateralConfig(fresh, cfg))
      .to.be.revertedWithCustomError(s.engine, "CollateralNotListed")
      .withArgs(fresh);
    await expect(s.engine.setCollateralConfig(usdc, cfg))
      .to.be.revertedWithCustomError(s.engine, "CollateralNotListed")
      .withArgs(usdc);
    await expect(s.engine.setCollateralConfig(ethers.ZeroAddress, cfg))
      .to.be.revertedWithCustomError(s.engine, "CollateralNotListed")
      .withArgs(ethers.ZeroAddress);
    // A listed asset stays listed once, even after a disable / re-enable cycle.
    await s.engine.setCollateralConfig(weth, collateralConfig({ enabled: false }));
    await expect(s.engine.listCollateral(weth, cfg))
      .to.be.revertedWithCustomError(s.engine, "CollateralAlreadyListed")
      .withArgs(weth);
    expect((await s.engine.listedCollaterals()).filter((a: string) => a === weth)).to.have.length(1);
  });

  it("setMinDebt: bounded by MAX_MIN_DEBT (accepted exactly), emits MinDebtSet", async function () {
    const { s } = await networkHelpers.loadFixture(boundsFixture);
    const max = USDC(1_000_000);
    await expect(s.engine.setMinDebt(max + 1n))
      .to.be.revertedWithCustomError(s.engine, "ParameterOutOfBounds")
      .withArgs(b32("minDebt"), max + 1n, max);
    await expect(s.engine.setMinDebt(ethers.MaxUint256))
      .to.be.revertedWithCustomError(s.engine, "ParameterOutOfBounds")
      .withArgs(b32("minDebt"), ethers.MaxUint256, max);
    await expect(s.engine.setMinDebt(max)).to.emit(s.engine, "MinDebtSet").withArgs(max);
    expect(await s.engine.minDebt()).to.equal(max);
    await expect(s.engine.setMinDebt(0n)).to.emit(s.engine, "MinDebtSet").withArgs(0n);
    expect(await s.engine.minDebt()).to.equal(0n);
  });

  it("setMaxCollateralsPerVault: 0 and 17 rejected, 1 and 16 accepted", async function () {
    const { s } = await networkHelpers.loadFixture(boundsFixture);
    for (const bad of [0n, 17n, ethers.MaxUint256]) {
      await expect(s.engine.setMaxCollateralsPerVault(bad))
        .to.be.revertedWithCustomError(s.engine, "ParameterOutOfBounds")
        .withArgs(b32("maxCollateralsPerVault"), bad, 16n);
    }
    for (const good of [1n, 16n]) {
      await expect(s.engine.setMaxCollateralsPerVault(good))
        .to.emit(s.engine, "MaxCollateralsPerVaultSet")
        .withArgs(good);
      expect(await s.engine.maxCollateralsPerVault()).to.equal(good);
    }
  });

  it("setOracle: rejects the zero address, emits OracleSet", async function () {
    const { s } = await networkHelpers.loadFixture(boundsFixture);
    await expect(s.engine.setOracle(ethers.ZeroAddress)).to.be.revertedWithCustomError(s.engine, "ZeroAddress");
    expect(await s.engine.oracle()).to.equal(await s.oracle.getAddress());
    const other = await ethers.deployContract("BreakwaterOracle", [await s.accessManager.getAddress()]);
    await expect(s.engine.setOracle(await other.getAddress()))
      .to.emit(s.engine, "OracleSet")
      .withArgs(await other.getAddress());
    expect(await s.engine.oracle()).to.equal(await other.getAddress());
  });
});

describe("Governance: disabled collateral", function () {
  /** Alice's vault 1: 10 WETH, 10,000 USDC borrowed; WETH then disabled (risk parameters unchanged). */
  async function disabledFixture() {
    const s = await deployFundedSystem(ethers);
    const id = await openVault(s, s.alice);
    const weth = await s.weth.getAddress();
    await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
    await s.engine.connect(s.alice).borrow(id, USDC(10_000), s.alice.address);
    const before = await s.lens.vaultSummary(id);
    const disabled = await configWith(s, weth, false);
    await expect(s.engine.setCollateralConfig(weth, disabled))
      .to.emit(s.engine, "CollateralConfigSet")
      .withArgs(weth, Object.values(disabled));
    expect(await readConfig(s, weth)).to.deep.equal(Object.values(disabled));
    return { s, id, weth, before };
  }

  it("refuses new deposits of the disabled asset, in old and new vaults", async function () {
    const { s, id, weth } = await networkHelpers.loadFixture(disabledFixture);
    await expect(s.engine.connect(s.alice).deposit(id, weth, WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "CollateralNotEnabled")
      .withArgs(weth);
    const other = await openVault(s, s.bob);
    await expect(s.engine.connect(s.bob).deposit(other, weth, WETH(1)))
      .to.be.revertedWithCustomError(s.engine, "CollateralNotEnabled")
      .withArgs(weth);
    expect(await s.engine.collateralAmount(id, weth)).to.equal(WETH(10));
  });

  it("keeps the position's maintenance value (health factor) but gives it no borrowing power", async function () {
    const { s, id, before } = await networkHelpers.loadFixture(disabledFixture);
    expect(before.borrowingPower).to.be.greaterThan(0n);
    expect(before.maxBorrow).to.be.greaterThan(0n);

    const after = await s.lens.vaultSummary(id);
    expect(after.maintenanceValue).to.equal(before.maintenanceValue);
    expect(after.collaterals[0].value).to.equal(before.collaterals[0].value);
    expect(after.collaterals[0].maintenanceHaircut).to.equal(before.collaterals[0].maintenanceHaircut);
    expect(after.borrowingPower).to.equal(0n);
    expect(after.maxBorrow).to.equal(0n);
    expect(await s.engine.maxBorrow(id)).to.equal(0n);
    expect(await s.engine.initialHealthFactor(id)).to.equal(0n);
    // HF = same maintenance value over the debt, which only grew by a second or two of interest.
    expect(after.healthFactor).to.equal((after.maintenanceValue * WAD) / after.debtValue);
    expect(after.debtValue - before.debtValue).to.be.lessThan(10n ** 12n * 100n); // < 100 base units of interest
    expect(after.healthFactor).to.be.lessThanOrEqual(before.healthFactor);
    expect(before.healthFactor - after.healthFactor).to.be.lessThan(10n ** 12n); // < 1e-6
    expect(await s.engine.healthFactor(id)).to.equal(after.healthFactor);
    expect(after.marginShortfall).to.equal(false);
  });

  it("blocks borrowing and withdrawing against it while debt is outstanding", async function () {
    const { s, id, weth } = await networkHelpers.loadFixture(disabledFixture);
    await expect(s.engine.connect(s.alice).borrow(id, USDC(100), s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, 0n);
    await expect(s.engine.connect(s.alice).withdraw(id, weth, 1n, s.alice.address))
      .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
      .withArgs(id, 0n);
  });

  it("still lets the debt be repaid, partly and fully, then the collateral withdrawn", async function () {
    const { s, id, weth } = await networkHelpers.loadFixture(disabledFixture);
    await expect(s.engine.connect(s.alice).repay(id, USDC(1_000))).to.changeTokenBalances(
      ethers,
      s.usdc,
      [s.alice, s.pool],
      [-USDC(1_000), USDC(1_000)],
    );
    const debt = await s.engine.debtOf(id);
    expect(debt).to.be.greaterThanOrEqual(USDC(9_000));
    expect(debt).to.be.lessThanOrEqual(USDC(9_000) + 100n);

    // Anyone may repay, the disabled asset notwithstanding.
    await s.engine.connect(s.bob).repay(id, ethers.MaxUint256);
    expect(await s.engine.debtOf(id)).to.equal(0n);
    expect(await s.engine.scaledDebtOf(id)).to.equal(0n);

    await expect(s.engine.connect(s.alice).withdraw(id, weth, WETH(10), s.alice.address)).to.changeTokenBalances(
      ethers,
      s.weth,
      [s.engine, s.alice],
      [-WETH(10), WETH(10)],
    );
    expect(await s.engine.collateralsOf(id)).to.deep.equal([]);
  });

  it("re-enabling restores the borrowing power", async function () {
    const { s, id, weth, before } = await networkHelpers.loadFixture(disabledFixture);
    await s.engine.setCollateralConfig(weth, await configWith(s, weth, true));
    const after = await s.lens.vaultSummary(id);
    expect(after.borrowingPower).to.equal(before.borrowingPower);
    expect(after.maxBorrow).to.be.greaterThan(0n);
  });
});

describe("Governance: auction house setter bounds", function () {
  async function auctionBoundsFixture() {
    const s = await deploySystem(ethers);
    const token = await ethers.deployContract("MockERC20", ["Fresh", "FRESH", 18]);
    return { s, fresh: await token.getAddress(), weth: await s.weth.getAddress() };
  }

  const MIN_TARGET_HF = wad("1.01");
  const MAX_TARGET_HF = wad("2");
  const MIN_HARD_FLOOR = wad("0.5");
  const MAX_LOT_BUFFER = wad("3");
  const MAX_CURE_WINDOW = 86_400n;
  const MAX_KEEPER_CHIP = wad("0.05");
  const MAX_DUST = USDC(1_000_000);
  const MIN_PENALTY = wad("0.01");
  const MAX_PENALTY = wad("0.25");
  const MAX_START_BUFFER = wad("2");
  const MIN_RESET_RATIO = wad("0.1");
  const MAX_RESET_RATIO = wad("0.95");
  const MIN_DURATION = 300n;
  const MAX_DURATION = 7n * 86_400n;
  const U32_MAX = 2n ** 32n - 1n;
  const U64_MAX = 2n ** 64n - 1n;
  const U128_MAX = 2n ** 128n - 1n;

  it("the auction house's bound constants are the documented ones", async function () {
    const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const ah = s.auctionHouse;
    expect(await ah.MIN_TARGET_HEALTH_FACTOR()).to.equal(MIN_TARGET_HF);
    expect(await ah.MAX_TARGET_HEALTH_FACTOR()).to.equal(MAX_TARGET_HF);
    expect(await ah.MIN_HARD_FLOOR()).to.equal(MIN_HARD_FLOOR);
    expect(await ah.MAX_LOT_BUFFER()).to.equal(MAX_LOT_BUFFER);
    expect(await ah.MAX_CURE_WINDOW()).to.equal(MAX_CURE_WINDOW);
    expect(await ah.MAX_KEEPER_CHIP()).to.equal(MAX_KEEPER_CHIP);
    expect(await ah.MAX_DUST()).to.equal(MAX_DUST);
    expect(await ah.MIN_PENALTY()).to.equal(MIN_PENALTY);
    expect(await ah.MAX_PENALTY()).to.equal(MAX_PENALTY);
    expect(await ah.MAX_START_BUFFER()).to.equal(MAX_START_BUFFER);
    expect(await ah.MIN_RESET_PRICE_RATIO()).to.equal(MIN_RESET_RATIO);
    expect(await ah.MAX_RESET_PRICE_RATIO()).to.equal(MAX_RESET_RATIO);
    expect(await ah.MIN_AUCTION_DURATION()).to.equal(MIN_DURATION);
    expect(await ah.MAX_AUCTION_DURATION()).to.equal(MAX_DURATION);
    // The deployment applied hardhat.json.
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(auctionParameters()));
    for (const t of [s.weth, s.wbtc, s.link]) {
      const asset = await t.getAddress();
      expect(await readAuctionConfig(s, asset)).to.deep.equal(Object.values(auctionConfig(s)));
    }
  });

  // ------------------------------------------------------------------ setAuctionParameters

  const parameterCases: [field: keyof AuctionParams, value: bigint, bound: bigint][] = [
    ["targetHealthFactor", MIN_TARGET_HF - 1n, MIN_TARGET_HF],
    ["targetHealthFactor", WAD, MIN_TARGET_HF],
    ["targetHealthFactor", 0n, MIN_TARGET_HF],
    ["targetHealthFactor", MAX_TARGET_HF + 1n, MAX_TARGET_HF],
    ["targetHealthFactor", U64_MAX, MAX_TARGET_HF],
    ["hardFloor", MIN_HARD_FLOOR - 1n, MIN_HARD_FLOOR],
    ["hardFloor", 0n, MIN_HARD_FLOOR],
    ["hardFloor", WAD + 1n, WAD],
    ["lotBuffer", WAD - 1n, WAD],
    ["lotBuffer", 0n, WAD],
    ["lotBuffer", MAX_LOT_BUFFER + 1n, MAX_LOT_BUFFER],
    ["cureWindow", MAX_CURE_WINDOW + 1n, MAX_CURE_WINDOW],
    ["cureWindow", U32_MAX, MAX_CURE_WINDOW],
    ["keeperChip", MAX_KEEPER_CHIP + 1n, MAX_KEEPER_CHIP],
    ["keeperChip", U64_MAX, MAX_KEEPER_CHIP],
    ["dust", 0n, 1n],
    ["dust", MAX_DUST + 1n, MAX_DUST],
    ["dust", U128_MAX, MAX_DUST],
  ];

  for (const [field, value, bound] of parameterCases) {
    it(`setAuctionParameters and the constructor reject ${field} = ${value} (bound ${bound})`, async function () {
      const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
      const p = auctionParameters({ [field]: value });
      await expect(s.auctionHouse.setAuctionParameters(p))
        .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
        .withArgs(b32(field), value, bound);
      expect(await readAuctionParameters(s)).to.deep.equal(Object.values(auctionParameters()));
      // The constructor applies the same bounds.
      await expect(
        ethers.deployContract("AuctionHouse", [
          await s.accessManager.getAddress(),
          await s.engine.getAddress(),
          Object.values(p),
        ]),
      )
        .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
        .withArgs(b32(field), value, bound);
    });
  }

  it("setAuctionParameters checks the bounds in field order", async function () {
    const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const allBad = auctionParameters({
      targetHealthFactor: 0n,
      hardFloor: 0n,
      lotBuffer: 0n,
      cureWindow: U32_MAX,
      keeperChip: U64_MAX,
      dust: 0n,
    });
    await expect(s.auctionHouse.setAuctionParameters(allBad))
      .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
      .withArgs(b32("targetHealthFactor"), 0n, MIN_TARGET_HF);
    await expect(s.auctionHouse.setAuctionParameters({ ...allBad, targetHealthFactor: wad("1.1") }))
      .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
      .withArgs(b32("hardFloor"), 0n, MIN_HARD_FLOOR);
    await expect(s.auctionHouse.setAuctionParameters({ ...allBad, targetHealthFactor: wad("1.1"), hardFloor: WAD }))
      .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
      .withArgs(b32("lotBuffer"), 0n, WAD);
  });

  it("setAuctionParameters accepts every bound exactly and emits the stored values", async function () {
    const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const upper = auctionParameters({
      targetHealthFactor: MAX_TARGET_HF,
      hardFloor: WAD,
      lotBuffer: MAX_LOT_BUFFER,
      cureWindow: MAX_CURE_WINDOW,
      keeperChip: MAX_KEEPER_CHIP,
      dust: MAX_DUST,
    });
    expect(incentiveError(wad("0.08"), upper)).to.equal(null);
    await expect(s.auctionHouse.setAuctionParameters(upper))
      .to.emit(s.auctionHouse, "AuctionParametersSet")
      .withArgs(Object.values(upper));
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(upper));

    // Lower bounds. Dust 1 is the coded bound, but with assets configured at an 8% penalty the
    // penalty on a dust-sized tab must be at least one base unit: floor(14 * 0.08 / 1.08) = 1.
    const lower = auctionParameters({
      targetHealthFactor: MIN_TARGET_HF,
      hardFloor: MIN_HARD_FLOOR,
      lotBuffer: WAD,
      cureWindow: 0n,
      keeperChip: 0n,
      keeperTip: 0n,
      dust: 14n,
    });
    expect(incentiveError(wad("0.08"), lower)).to.equal(null);
    await expect(s.auctionHouse.setAuctionParameters(lower))
      .to.emit(s.auctionHouse, "AuctionParametersSet")
      .withArgs(Object.values(lower));
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(lower));
    const weth = await s.weth.getAddress();
    await expect(s.auctionHouse.setAuctionParameters({ ...lower, dust: 13n }))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, 0n, 0n);
    expect(incentiveError(wad("0.08"), { ...lower, dust: 13n })).to.deep.equal([0n, 0n]);

    // Dust 1 itself: accepted by an auction house with no asset configured yet, which then cannot
    // configure any asset until dust is raised.
    const fresh = await ethers.deployContract("AuctionHouse", [
      await s.accessManager.getAddress(),
      await s.engine.getAddress(),
      Object.values({ ...lower, dust: 1n }),
    ]);
    expect([...(await fresh.auctionParameters())]).to.deep.equal(Object.values({ ...lower, dust: 1n }));
    await expect(fresh.setAuctionParameters({ ...upper, keeperTip: 0n, keeperChip: 0n, dust: 1n }))
      .to.emit(fresh, "AuctionParametersSet")
      .withArgs(Object.values({ ...upper, keeperTip: 0n, keeperChip: 0n, dust: 1n }));
    await expect(fresh.setCollateralAuctionConfig(weth, auctionConfig(s, { penalty: MAX_PENALTY })))
      .to.be.revertedWithCustomError(fresh, "IncentiveAbovePenalty")
      .withArgs(weth, 0n, 0n);
  });

  it("setAuctionParameters: IncentiveAbovePenalty once tip + chip x dust reaches the penalty on a dust tab", async function () {
    const { s, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const base = auctionParameters();
    // Every configured asset has an 8% penalty: 100 USDC of tab carries floor(100e6 * 0.08 / 1.08).
    const penaltyAtDust = mulDivDown(base.dust, wad("0.08"), WAD + wad("0.08"));
    expect(penaltyAtDust).to.equal(7_407_407n);
    const chipAtDust = mulDivUp(base.dust, base.keeperChip, WAD);
    expect(chipAtDust).to.equal(500_000n);

    // Tip + chip equal to the penalty: refused (the first configured asset, WETH, is named).
    const reaching = auctionParameters({ keeperTip: penaltyAtDust - chipAtDust });
    expect(incentiveError(wad("0.08"), reaching)).to.deep.equal([penaltyAtDust, penaltyAtDust]);
    await expect(s.auctionHouse.setAuctionParameters(reaching))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, penaltyAtDust, penaltyAtDust);
    // Above it: refused with the incentive as computed.
    const above = auctionParameters({ keeperTip: USDC(10) });
    const [incentive, penalty] = incentiveError(wad("0.08"), above)!;
    expect(incentive).to.equal(USDC(10) + chipAtDust);
    await expect(s.auctionHouse.setAuctionParameters(above))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, incentive, penalty);
    // The chip at dust size rounds up: with dust 100.000001 USDC the chip is 0.500000005 USDC,
    // counted as 500,001 units, so a tip that would fit under a rounded-down chip is refused.
    const oddDust = USDC(100) + 1n;
    const oddPenalty = mulDivDown(oddDust, wad("0.08"), WAD + wad("0.08"));
    expect(oddPenalty).to.equal(7_407_407n);
    const roundedUp = auctionParameters({ dust: oddDust, keeperTip: oddPenalty - 500_001n });
    expect(incentiveError(wad("0.08"), roundedUp)).to.deep.equal([oddPenalty, oddPenalty]);
    await expect(s.auctionHouse.setAuctionParameters(roundedUp))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, oddPenalty, oddPenalty);
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(base));

    // One unit below: accepted.
    const below = auctionParameters({ keeperTip: penaltyAtDust - chipAtDust - 1n });
    expect(incentiveError(wad("0.08"), below)).to.equal(null);
    await expect(s.auctionHouse.setAuctionParameters(below))
      .to.emit(s.auctionHouse, "AuctionParametersSet")
      .withArgs(Object.values(below));
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(below));
  });

  it("setAuctionParameters re-checks every configured asset and names the first one that fails", async function () {
    const { s, fresh } = await networkHelpers.loadFixture(auctionBoundsFixture);
    await s.engine.listCollateral(fresh, collateralConfig());
    await expect(s.auctionHouse.setCollateralAuctionConfig(fresh, auctionConfig(s, { penalty: wad("0.06") })))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(fresh, Object.values(auctionConfig(s, { penalty: wad("0.06") })));
    // A tip that 8% covers at dust size and 6% does not.
    const p = auctionParameters({ keeperTip: USDC(6) });
    expect(incentiveError(wad("0.08"), p)).to.equal(null);
    const expected = incentiveError(wad("0.06"), p)!;
    expect(expected).to.deep.equal([USDC(6) + 500_000n, mulDivDown(USDC(100), wad("0.06"), wad("1.06"))]);
    await expect(s.auctionHouse.setAuctionParameters(p))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(fresh, ...expected);
    expect(await readAuctionParameters(s)).to.deep.equal(Object.values(auctionParameters()));
  });

  // ------------------------------------------------------------------ setCollateralAuctionConfig

  const configCases: [field: string, value: bigint, bound: bigint][] = [
    ["penalty", 0n, MIN_PENALTY],
    ["penalty", MIN_PENALTY - 1n, MIN_PENALTY],
    ["penalty", MAX_PENALTY + 1n, MAX_PENALTY],
    ["penalty", U64_MAX, MAX_PENALTY],
    ["startBuffer", 0n, WAD],
    ["startBuffer", WAD - 1n, WAD],
    ["startBuffer", MAX_START_BUFFER + 1n, MAX_START_BUFFER],
    ["resetPriceRatio", 0n, MIN_RESET_RATIO],
    ["resetPriceRatio", MIN_RESET_RATIO - 1n, MIN_RESET_RATIO],
    ["resetPriceRatio", MAX_RESET_RATIO + 1n, MAX_RESET_RATIO],
    ["resetPriceRatio", WAD, MAX_RESET_RATIO],
    ["maxDuration", 0n, MIN_DURATION],
    ["maxDuration", MIN_DURATION - 1n, MIN_DURATION],
    ["maxDuration", MAX_DURATION + 1n, MAX_DURATION],
    ["maxDuration", U32_MAX, MAX_DURATION],
  ];

  for (const [field, value, bound] of configCases) {
    it(`setCollateralAuctionConfig rejects ${field} = ${value} (bound ${bound})`, async function () {
      const { s, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
      await expect(s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { [field]: value })))
        .to.be.revertedWithCustomError(s.auctionHouse, "ParameterOutOfBounds")
        .withArgs(b32(field), value, bound);
      expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(auctionConfig(s)));
    });
  }

  it("setCollateralAuctionConfig: unlisted asset -> AuctionNotConfigured, zero curve -> ZeroAddress (in that order)", async function () {
    const { s, fresh, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const usdc = await s.usdc.getAddress();
    for (const asset of [fresh, usdc, ethers.ZeroAddress]) {
      await expect(s.auctionHouse.setCollateralAuctionConfig(asset, auctionConfig(s)))
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotConfigured")
        .withArgs(asset);
      // The listing check comes first, before the curve and the bounds.
      await expect(
        s.auctionHouse.setCollateralAuctionConfig(asset, auctionConfig(s, { curve: ethers.ZeroAddress, penalty: 0n })),
      )
        .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotConfigured")
        .withArgs(asset);
      expect((await s.auctionHouse.collateralAuctionConfig(asset)).curve).to.equal(ethers.ZeroAddress);
    }
    await expect(
      s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { curve: ethers.ZeroAddress })),
    ).to.be.revertedWithCustomError(s.auctionHouse, "ZeroAddress");
    // The curve check comes before the bounds.
    await expect(
      s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { curve: ethers.ZeroAddress, penalty: 0n })),
    ).to.be.revertedWithCustomError(s.auctionHouse, "ZeroAddress");
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(auctionConfig(s)));

    // Once listed on the engine, the asset can be configured.
    await s.engine.listCollateral(fresh, collateralConfig());
    const cfg = auctionConfig(s);
    await expect(s.auctionHouse.setCollateralAuctionConfig(fresh, cfg))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(fresh, Object.values(cfg));
    expect(await readAuctionConfig(s, fresh)).to.deep.equal(Object.values(cfg));
  });

  it("setCollateralAuctionConfig accepts every bound exactly and emits the stored values", async function () {
    const { s, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const upper = auctionConfig(s, {
      penalty: MAX_PENALTY,
      startBuffer: MAX_START_BUFFER,
      resetPriceRatio: MAX_RESET_RATIO,
      maxDuration: MAX_DURATION,
    });
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, upper))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(weth, Object.values(upper));
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(upper));

    // A 1% penalty cannot pay the default keeper incentive on a dust tab: lift it first.
    const lower = auctionConfig(s, {
      penalty: MIN_PENALTY,
      startBuffer: WAD,
      resetPriceRatio: MIN_RESET_RATIO,
      maxDuration: MIN_DURATION,
    });
    const defaults = auctionParameters();
    const expected = incentiveError(MIN_PENALTY, defaults)!;
    expect(expected).to.deep.equal([USDC(5) + 500_000n, 990_099n]);
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, lower))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, ...expected);
    await s.auctionHouse.setAuctionParameters(auctionParameters({ keeperTip: 0n, keeperChip: 0n }));
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, lower))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(weth, Object.values(lower));
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(lower));
    // Other assets untouched.
    expect(await readAuctionConfig(s, await s.wbtc.getAddress())).to.deep.equal(Object.values(auctionConfig(s)));
  });

  it("setCollateralAuctionConfig: IncentiveAbovePenalty from the smallest penalty the keeper incentive reaches", async function () {
    const { s, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const p = auctionParameters();
    // Smallest penalty whose dust-sized share exceeds tip + chip (5.5 USDC): search as the contract computes.
    let lo = MIN_PENALTY;
    let hi = MAX_PENALTY;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (incentiveError(mid, p) === null) hi = mid;
      else lo = mid + 1n;
    }
    const threshold = lo;
    expect(threshold).to.be.greaterThan(wad("0.058"));
    expect(threshold).to.be.lessThan(wad("0.059"));
    const atThreshold = auctionConfig(s, { penalty: threshold });
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, atThreshold))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(weth, Object.values(atThreshold));
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(atThreshold));

    for (const penalty of [threshold - 1n, wad("0.05"), MIN_PENALTY]) {
      const expected = incentiveError(penalty, p)!;
      expect(expected[0]).to.equal(USDC(5) + 500_000n);
      expect(expected[1]).to.equal(mulDivDown(p.dust, penalty, WAD + penalty));
      expect(expected[0]).to.be.greaterThanOrEqual(expected[1]);
      await expect(s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { penalty })))
        .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
        .withArgs(weth, ...expected);
    }
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(atThreshold));
  });

  it("IncentiveAbovePenalty when chip x (1 + p) >= p, with the arguments the contract computes", async function () {
    const { s, weth } = await networkHelpers.loadFixture(auctionBoundsFixture);
    // No tip and the largest dust, so only the chip matters. With chip x (1 + p) >= p the chip at
    // dust size is already >= the penalty at dust size, so the dust check (the first) is the one
    // that fires: the per-unit check after it cannot be reached (see the report). The expected
    // arguments follow the contract's order of checks.
    const p = auctionParameters({ keeperTip: 0n, keeperChip: MAX_KEEPER_CHIP, dust: MAX_DUST });
    await s.auctionHouse.setAuctionParameters(p);
    // chip / (1 - chip) = 0.05 / 0.95: the largest penalty with chip x (1 + p) >= p.
    const edge = mulDivDown(MAX_KEEPER_CHIP, WAD, WAD - MAX_KEEPER_CHIP);
    for (const penalty of [MIN_PENALTY, wad("0.05"), edge]) {
      expect(mulDivDown(MAX_KEEPER_CHIP, WAD + penalty, WAD)).to.be.greaterThanOrEqual(penalty);
      const expected = incentiveError(penalty, p)!;
      expect(expected).to.deep.equal([
        mulDivUp(MAX_DUST, MAX_KEEPER_CHIP, WAD),
        mulDivDown(MAX_DUST, penalty, WAD + penalty),
      ]);
      await expect(s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { penalty })))
        .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
        .withArgs(weth, ...expected);
    }
    // Above the edge chip x (1 + p) < p, but the dust-sized penalty, rounded down, must still
    // exceed the chip rounded up: the smallest accepted penalty sits a little above the edge.
    let lo = edge;
    let hi = MAX_PENALTY;
    while (lo < hi) {
      const mid = (lo + hi) / 2n;
      if (incentiveError(mid, p) === null) hi = mid;
      else lo = mid + 1n;
    }
    expect(lo).to.be.greaterThan(edge);
    expect(lo - edge).to.be.lessThan(10n ** 7n);
    expect(mulDivDown(MAX_KEEPER_CHIP, WAD + lo, WAD)).to.be.lessThan(lo);
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, auctionConfig(s, { penalty: lo - 1n })))
      .to.be.revertedWithCustomError(s.auctionHouse, "IncentiveAbovePenalty")
      .withArgs(weth, ...incentiveError(lo - 1n, p)!);
    const accepted = auctionConfig(s, { penalty: lo });
    await expect(s.auctionHouse.setCollateralAuctionConfig(weth, accepted))
      .to.emit(s.auctionHouse, "CollateralAuctionConfigSet")
      .withArgs(weth, Object.values(accepted));
    expect(await readAuctionConfig(s, weth)).to.deep.equal(Object.values(accepted));

    // The same pair reached from the other side: a chip set against configured 8% penalties.
    // 0.08 / 1.08 = 0.0740...: above MAX_KEEPER_CHIP, so the bound refuses such a chip first.
    expect(mulDivDown(MAX_KEEPER_CHIP, WAD + wad("0.08"), WAD)).to.be.lessThan(wad("0.08"));
  });

  // ------------------------------------------------------------------ engine.setAuctionHouse

  it("engine.setAuctionHouse: set once at deployment; a second call fails even from the admin", async function () {
    const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const current = await s.auctionHouse.getAddress();
    expect(await s.engine.auctionHouse()).to.equal(current);
    for (const next of [s.stranger.address, current]) {
      await expect(s.engine.setAuctionHouse(next))
        .to.be.revertedWithCustomError(s.engine, "AuctionHouseAlreadySet")
        .withArgs(current);
    }
    await expect(s.engine.setAuctionHouse(ethers.ZeroAddress)).to.be.revertedWithCustomError(s.engine, "ZeroAddress");
    expect(await s.engine.auctionHouse()).to.equal(current);
    expect(
      await s.accessManager.getTargetFunctionRole(await s.engine.getAddress(), selectorOf("setAuctionHouse(address)")),
    ).to.equal(ROLES.ADMIN);
  });

  it("engine.setAuctionHouse on a fresh engine: admin only, zero refused, then exactly once", async function () {
    const { s } = await networkHelpers.loadFixture(auctionBoundsFixture);
    const engine = await ethers.deployContract("VaultEngine", [
      await s.accessManager.getAddress(),
      await s.pool.getAddress(),
      await s.oracle.getAddress(),
      USDC(100),
      8,
    ]);
    expect(await engine.auctionHouse()).to.equal(ethers.ZeroAddress);
    // With no auction house, the hooks refuse everyone.
    await expect(engine.connect(s.stranger).setCallbackLock(true))
      .to.be.revertedWithCustomError(engine, "OnlyAuctionHouse")
      .withArgs(s.stranger.address);

    const rm = await freshSigner(0);
    await s.accessManager.grantRole(ROLES.RISK_MANAGER, rm.address, 0);
    const guardian = await freshSigner(1);
    await s.accessManager.grantRole(ROLES.GUARDIAN, guardian.address, 0);
    for (const who of [rm, guardian, s.stranger]) {
      await expect(engine.connect(who).setAuctionHouse(who.address))
        .to.be.revertedWithCustomError(engine, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    await expect(engine.setAuctionHouse(ethers.ZeroAddress)).to.be.revertedWithCustomError(engine, "ZeroAddress");
    expect(await engine.auctionHouse()).to.equal(ethers.ZeroAddress);

    const house = s.keeper.address;
    await expect(engine.setAuctionHouse(house)).to.emit(engine, "AuctionHouseSet").withArgs(house);
    expect(await engine.auctionHouse()).to.equal(house);
    for (const next of [s.stranger.address, house]) {
      await expect(engine.setAuctionHouse(next))
        .to.be.revertedWithCustomError(engine, "AuctionHouseAlreadySet")
        .withArgs(house);
    }
    expect(await engine.auctionHouse()).to.equal(house);
    // The hooks now answer to it, and to no one else.
    await expect(engine.connect(s.stranger).setCallbackLock(true))
      .to.be.revertedWithCustomError(engine, "OnlyAuctionHouse")
      .withArgs(s.stranger.address);
    await expect(engine.connect(s.keeper).setCallbackLock(false)).to.not.revert(ethers);
  });
});

describe("Governance: circuit-breaker wiring", function () {
  /** The three contracts that consult the breaker, with a fresh, unwired copy of each. */
  interface Wired {
    name: "engine" | "pool" | "auctionHouse";
    deployed: (s: System) => BaseContract;
    fresh: (s: System) => Promise<BaseContract>;
  }
  const WIRED: Wired[] = [
    {
      name: "engine",
      deployed: (s) => s.engine,
      fresh: async (s) =>
        ethers.deployContract("VaultEngine", [
          await s.accessManager.getAddress(),
          await s.pool.getAddress(),
          await s.oracle.getAddress(),
          USDC(100),
          8,
        ]),
    },
    {
      name: "pool",
      deployed: (s) => s.pool,
      fresh: async (s) =>
        ethers.deployContract("LendingPool", [
          await s.usdc.getAddress(),
          "Fresh pool",
          "fUSDC",
          await s.accessManager.getAddress(),
          await s.rateModel.getAddress(),
          wad("0.1"),
        ]),
    },
    {
      name: "auctionHouse",
      deployed: (s) => s.auctionHouse,
      fresh: async (s) =>
        ethers.deployContract("AuctionHouse", [
          await s.accessManager.getAddress(),
          await s.engine.getAddress(),
          Object.values(auctionParameters()),
        ]),
    },
  ];

  const breakerOf = (c: BaseContract) => c.getFunction("circuitBreaker")() as Promise<string>;
  const setBreaker = (c: BaseContract, who: HardhatEthersSigner, breaker: string) =>
    (c.connect(who) as BaseContract).getFunction("setCircuitBreaker")(breaker);

  async function freshBreaker(s: System) {
    return ethers.deployContract("CircuitBreaker", [
      await s.accessManager.getAddress(),
      await s.oracle.getAddress(),
      Object.values(HARDHAT_BREAKER_GLOBAL),
    ]);
  }

  /** A risk manager and a guardian who hold only their own role. */
  async function rolesFixture() {
    const s = await deploySystem(ethers);
    const rm = await freshSigner(0);
    await s.accessManager.grantRole(ROLES.RISK_MANAGER, rm.address, 0);
    const guardian = await freshSigner(1);
    await s.accessManager.grantRole(ROLES.GUARDIAN, guardian.address, 0);
    return { s, rm, guardian };
  }

  for (const w of WIRED) {
    it(`${w.name}.setCircuitBreaker: set once at deployment; a second call fails even from the admin`, async function () {
      const { s, rm, guardian } = await networkHelpers.loadFixture(rolesFixture);
      const c = w.deployed(s);
      const current = await s.circuitBreaker.getAddress();
      expect(await breakerOf(c)).to.equal(current);
      expect(
        await s.accessManager.getTargetFunctionRole(await c.getAddress(), selectorOf("setCircuitBreaker(address)")),
      ).to.equal(ROLES.ADMIN);
      const other = await (await freshBreaker(s)).getAddress();
      for (const next of [other, s.stranger.address, current]) {
        await expect(setBreaker(c, s.deployer, next))
          .to.be.revertedWithCustomError(c, "CircuitBreakerAlreadySet")
          .withArgs(current);
      }
      // The zero check comes first.
      await expect(setBreaker(c, s.deployer, ethers.ZeroAddress)).to.be.revertedWithCustomError(c, "ZeroAddress");
      for (const who of [rm, guardian, s.stranger]) {
        await expect(setBreaker(c, who, other))
          .to.be.revertedWithCustomError(c, "AccessManagedUnauthorized")
          .withArgs(who.address);
      }
      expect(await breakerOf(c)).to.equal(current);
    });

    it(`${w.name}.setCircuitBreaker on a fresh ${w.name}: admin only, zero refused, then exactly once`, async function () {
      const { s, rm, guardian } = await networkHelpers.loadFixture(rolesFixture);
      const c = await w.fresh(s);
      expect(await breakerOf(c)).to.equal(ethers.ZeroAddress);
      // A new target: the manager maps its functions to nothing, which is ADMIN.
      expect(
        await s.accessManager.getTargetFunctionRole(await c.getAddress(), selectorOf("setCircuitBreaker(address)")),
      ).to.equal(ROLES.ADMIN);
      const breaker = await (await freshBreaker(s)).getAddress();
      for (const who of [rm, guardian, s.stranger]) {
        await expect(setBreaker(c, who, breaker))
          .to.be.revertedWithCustomError(c, "AccessManagedUnauthorized")
          .withArgs(who.address);
      }
      await expect(setBreaker(c, s.deployer, ethers.ZeroAddress)).to.be.revertedWithCustomError(c, "ZeroAddress");
      expect(await breakerOf(c)).to.equal(ethers.ZeroAddress);

      await expect(setBreaker(c, s.deployer, breaker))
        .to.emit(c, "CircuitBreakerSet")
        .withArgs(breaker);
      expect(await breakerOf(c)).to.equal(breaker);
      const deployed = await s.circuitBreaker.getAddress();
      for (const next of [deployed, s.stranger.address, breaker]) {
        await expect(setBreaker(c, s.deployer, next))
          .to.be.revertedWithCustomError(c, "CircuitBreakerAlreadySet")
          .withArgs(breaker);
      }
      await expect(setBreaker(c, s.deployer, ethers.ZeroAddress)).to.be.revertedWithCustomError(c, "ZeroAddress");
      expect(await breakerOf(c)).to.equal(breaker);
    });
  }

  it("circuitBreaker.setAuctionHouse: set once at deployment; a second call fails even from the admin", async function () {
    const { s, rm, guardian } = await networkHelpers.loadFixture(rolesFixture);
    const current = await s.auctionHouse.getAddress();
    expect(await s.circuitBreaker.auctionHouse()).to.equal(current);
    // The same auction house the engine's hooks answer to.
    expect(await s.engine.auctionHouse()).to.equal(current);
    for (const next of [s.stranger.address, current]) {
      await expect(s.circuitBreaker.setAuctionHouse(next))
        .to.be.revertedWithCustomError(s.circuitBreaker, "AuctionHouseAlreadySet")
        .withArgs(current);
    }
    await expect(s.circuitBreaker.setAuctionHouse(ethers.ZeroAddress)).to.be.revertedWithCustomError(
      s.circuitBreaker,
      "ZeroAddress",
    );
    for (const who of [rm, guardian, s.stranger]) {
      await expect(s.circuitBreaker.connect(who).setAuctionHouse(who.address))
        .to.be.revertedWithCustomError(s.circuitBreaker, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    expect(await s.circuitBreaker.auctionHouse()).to.equal(current);
    expect(
      await s.accessManager.getTargetFunctionRole(
        await s.circuitBreaker.getAddress(),
        selectorOf("setAuctionHouse(address)"),
      ),
    ).to.equal(ROLES.ADMIN);
  });

  it("auction-house-only hooks: each contract answers to the auction house it stores, with its own OnlyAuctionHouse", async function () {
    const { s, rm, guardian } = await networkHelpers.loadFixture(rolesFixture);
    const weth = await s.weth.getAddress();
    const breaker = await freshBreaker(s);
    expect(await breaker.auctionHouse()).to.equal(ethers.ZeroAddress);
    // Declared by each contract's own ABI (same signature, so the same selector).
    const engineError = s.engine.interface.getError("OnlyAuctionHouse")!;
    const breakerError = s.circuitBreaker.interface.getError("OnlyAuctionHouse")!;
    expect(engineError.format("sighash")).to.equal("OnlyAuctionHouse(address)");
    expect(breakerError.format("sighash")).to.equal("OnlyAuctionHouse(address)");
    expect(breakerError.selector).to.equal(engineError.selector);

    // With no auction house, the hooks refuse everyone, the admin included.
    for (const who of [s.deployer, rm, guardian, s.stranger, s.keeper]) {
      await expect(breaker.connect(who).onAuctionStart(weth, USDC(1_000), wad("1000")))
        .to.be.revertedWithCustomError(breaker, "OnlyAuctionHouse")
        .withArgs(who.address);
      await expect(breaker.connect(who).onAuctionEnd(weth, USDC(1_000)))
        .to.be.revertedWithCustomError(breaker, "OnlyAuctionHouse")
        .withArgs(who.address);
    }
    for (const who of [rm, guardian, s.stranger]) {
      await expect(breaker.connect(who).setAuctionHouse(who.address))
        .to.be.revertedWithCustomError(breaker, "AccessManagedUnauthorized")
        .withArgs(who.address);
    }
    await expect(breaker.setAuctionHouse(ethers.ZeroAddress)).to.be.revertedWithCustomError(breaker, "ZeroAddress");

    // The keeper stands in for an auction house on the fresh breaker only.
    await expect(breaker.setAuctionHouse(s.keeper.address))
      .to.emit(breaker, "AuctionHouseSet")
      .withArgs(s.keeper.address);
    for (const next of [s.stranger.address, s.keeper.address]) {
      await expect(breaker.setAuctionHouse(next))
        .to.be.revertedWithCustomError(breaker, "AuctionHouseAlreadySet")
        .withArgs(s.keeper.address);
    }
    await expect(breaker.connect(s.keeper).onAuctionStart(weth, USDC(1_000), wad("1000")))
      .to.emit(breaker, "AuctionThrottled")
      .withArgs(weth, USDC(1_000), wad("1000"));
    expect((await breaker.assetView(weth)).debtUnderAuction).to.equal(USDC(1_000));
    await expect(breaker.connect(s.stranger).onAuctionEnd(weth, USDC(1_000)))
      .to.be.revertedWithCustomError(breaker, "OnlyAuctionHouse")
      .withArgs(s.stranger.address);
    await expect(breaker.connect(s.keeper).onAuctionEnd(weth, USDC(1_000)))
      .to.emit(breaker, "AuctionReleased")
      .withArgs(weth, USDC(1_000));
    expect((await breaker.globalView()).globalDebtUnderAuction).to.equal(0n);

    // The deployed breaker and engine do not know the keeper: each refuses it with its own error.
    await expect(s.circuitBreaker.connect(s.keeper).onAuctionStart(weth, USDC(1_000), wad("1000")))
      .to.be.revertedWithCustomError(s.circuitBreaker, "OnlyAuctionHouse")
      .withArgs(s.keeper.address);
    await expect(s.engine.connect(s.keeper).setCallbackLock(true))
      .to.be.revertedWithCustomError(s.engine, "OnlyAuctionHouse")
      .withArgs(s.keeper.address);
    await expectBreakerUntouched(s, weth);
  });
});

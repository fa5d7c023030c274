// Zero and maximum amounts. Part 1 asserts the exact outcome (custom error with arguments, or a defined
// no-op that moves nothing) of every user-facing amount-taking entry point at 0 and at the extremes.
// Part 2 is generated from the ABIs: every function of every deployed contract, views included, is
// called with each integer argument at 0, 1, 2^128 and the type's maximum, from every kind of caller
// (vault owner, governance, the auction house and the engine for their hooks); none may revert with a
// Solidity Panic. A function added later is swept without anyone listing it.
import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import type { BaseContract, FunctionFragment, ParamType } from "ethers";
import { deployFundedSystem, openVault, setPrice, USDC, WETH } from "../helpers/fixtures.js";
import { balances, ledgers, prepareLiquidations } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();
const MAX = ethers.MaxUint256;
const b32 = (s: string) => ethers.encodeBytes32String(s);

/**
 * Alice's vault `id` (10 WETH, 15,000 USDC debt, healthy at $2,600); Bob's vault `kicked` (10 WETH,
 * 23,000 USDC) flagged and kicked into auction 1; an insurance-fund spender; a scanner, a flash-take
 * router and a reserves-only pair for the periphery.
 */
async function amountsFixture() {
  const s = await deployFundedSystem(ethers);
  await prepareLiquidations(s);
  const weth = await s.weth.getAddress();
  const id = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(id, weth, WETH(10));
  await s.engine.connect(s.alice).borrow(id, USDC(15_000), s.alice.address);
  const kicked = await openVault(s, s.bob);
  await s.engine.connect(s.bob).deposit(kicked, weth, WETH(10));
  await s.engine.connect(s.bob).borrow(kicked, USDC(23_000), s.bob.address);
  await setPrice(s, "WETH", "2600");
  await s.engine.connect(s.keeper).flagMarginCall(kicked);
  await networkHelpers.time.increase(600);
  await s.auctionHouse.connect(s.keeper).kick(kicked, weth, s.keeper.address);
  const empty = await openVault(s, s.alice);
  const spender = await ethers.deployContract("PoolTestSpender");
  await s.insuranceFund.setSpender(await spender.getAddress(), true);
  const scanner = await ethers.deployContract("LiquidationScanner", [
    await s.engine.getAddress(),
    await s.auctionHouse.getAddress(),
  ]);
  const router = await ethers.deployContract("FlashTakeRouter", [await s.auctionHouse.getAddress()]);
  const pair = await ethers.deployContract("MockReservesPair", [
    weth,
    await s.usdc.getAddress(),
    WETH(100),
    USDC(260_000),
  ]);
  const curves = {
    linear: await ethers.deployContract("LinearCurve", [7200n]),
    exponential: await ethers.deployContract("ExponentialCurve", [99n * 10n ** 16n, 60n]),
    stairstep: await ethers.deployContract("StairstepCurve", [99n * 10n ** 16n, 60n]),
  };
  return { s, weth, id, kicked, empty, auctionId: 1n, spender, scanner, router, pair, curves };
}
type Fixture = Awaited<ReturnType<typeof amountsFixture>>;

async function protocolState(f: Fixture) {
  const { s, weth } = f;
  return {
    ...(await ledgers(s, [f.id, f.kicked, f.empty], [weth])),
    ...(await balances(s, [s.usdc, s.weth], [s.alice.address, s.bob.address, s.lender.address])),
    auction: (await s.auctionHouse.auction(f.auctionId)).lot,
  };
}

describe("Adversarial: zero and max amounts, exact outcomes", function () {
  describe("vault engine", function () {
    it("deposit: 0 -> ZeroAmount; a new position above uint128 -> SafeCastOverflowedUintDowncast; above the balance -> the token's error", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, id } = f;
      const wbtc = await s.wbtc.getAddress();
      const before = await protocolState(f);
      const e = s.engine.connect(s.alice);
      await expect(e.deposit(id, wbtc, 0n)).to.be.revertedWithCustomError(s.engine, "ZeroAmount");
      await expect(e.deposit(id, wbtc, 2n ** 128n))
        .to.be.revertedWithCustomError(s.engine, "SafeCastOverflowedUintDowncast")
        .withArgs(128, 2n ** 128n);
      await expect(e.deposit(id, wbtc, MAX))
        .to.be.revertedWithCustomError(s.engine, "SafeCastOverflowedUintDowncast")
        .withArgs(128, MAX);
      // Also on a position already held (the amount is cast before it is added).
      await expect(e.deposit(id, f.weth, MAX))
        .to.be.revertedWithCustomError(s.engine, "SafeCastOverflowedUintDowncast")
        .withArgs(128, MAX);
      const held = await s.wbtc.balanceOf(s.alice.address);
      await expect(e.deposit(id, wbtc, held + 1n))
        .to.be.revertedWithCustomError(s.wbtc, "ERC20InsufficientBalance")
        .withArgs(s.alice.address, held, held + 1n);
      expect(await s.engine.collateralsOf(id)).to.deep.equal([f.weth]);
      expect(await protocolState(f)).to.deep.equal(before);
    });

    it("withdraw: 0 -> ZeroAmount; more than held (up to max) -> InsufficientCollateral(id, asset, requested, held)", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, id, weth } = f;
      const before = await protocolState(f);
      const e = s.engine.connect(s.alice);
      await expect(e.withdraw(id, weth, 0n, s.alice.address)).to.be.revertedWithCustomError(s.engine, "ZeroAmount");
      for (const amount of [WETH(10) + 1n, 2n ** 128n, MAX]) {
        await expect(e.withdraw(id, weth, amount, s.alice.address))
          .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
          .withArgs(id, weth, amount, WETH(10));
      }
      // An asset the vault never held.
      await expect(e.withdraw(id, await s.wbtc.getAddress(), 1n, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "InsufficientCollateral")
        .withArgs(id, await s.wbtc.getAddress(), 1n, 0n);
      expect(await protocolState(f)).to.deep.equal(before);
    });

    it("borrow: 0 -> ZeroAmount; 2^128 -> Undercollateralised(id, 0); max -> SafeCastOverflowedUintDowncast (no overflow panic)", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, id } = f;
      const before = await protocolState(f);
      const e = s.engine.connect(s.alice);
      await expect(e.borrow(id, 0n, s.alice.address)).to.be.revertedWithCustomError(s.engine, "ZeroAmount");
      await expect(e.borrow(id, 2n ** 128n, s.alice.address))
        .to.be.revertedWithCustomError(s.engine, "Undercollateralised")
        .withArgs(id, 0n);
      for (const amount of [2n ** 200n, MAX]) {
        await expect(e.borrow(id, amount, s.alice.address))
          .to.be.revertedWithCustomError(s.engine, "SafeCastOverflowedUintDowncast")
          .withArgs(128, anyValue);
      }
      expect(await protocolState(f)).to.deep.equal(before);
    });

    it("repay: 0 -> ZeroAmount; no debt -> NoDebt; max repays exactly the debt with interest, no more", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, id, empty } = f;
      const e = s.engine.connect(s.alice);
      await expect(e.repay(id, 0n)).to.be.revertedWithCustomError(s.engine, "ZeroAmount");
      await expect(e.repay(empty, MAX)).to.be.revertedWithCustomError(s.engine, "NoDebt").withArgs(empty);
      await expect(e.repay(0n, MAX)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(0n);
      await expect(e.repay(MAX, MAX)).to.be.revertedWithCustomError(s.engine, "UnknownVault").withArgs(MAX);
      const cashBefore = await s.pool.cash();
      const balanceBefore = await s.usdc.balanceOf(s.alice.address);
      const tx = await e.repay(id, MAX);
      const receipt = await tx.wait();
      const repaid = s.engine.interface.parseLog(
        receipt!.logs.find((l) => l.topics[0] === s.engine.interface.getEvent("Repaid")!.topicHash)!,
      )!.args.amount as bigint;
      expect(repaid).to.be.greaterThanOrEqual(USDC(15_000));
      expect(repaid).to.be.lessThan(USDC(15_001));
      expect(await s.usdc.balanceOf(s.alice.address)).to.equal(balanceBefore - repaid);
      expect(await s.pool.cash()).to.equal(cashBefore + repaid);
      expect(await s.engine.scaledDebtOf(id)).to.equal(0n);
      await expect(e.repay(id, MAX)).to.be.revertedWithCustomError(s.engine, "NoDebt").withArgs(id);
    });
  });

  describe("lending pool", function () {
    it("deposit, mint, withdraw and redeem of 0 are no-ops that move nothing", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s } = f;
      const p = s.pool.connect(s.lender);
      const lender = s.lender.address;
      const before = await protocolState(f);
      const shares = await s.pool.balanceOf(lender);
      await expect(p.deposit(0n, lender)).to.emit(s.pool, "Deposit").withArgs(lender, lender, 0n, 0n);
      await expect(p.mint(0n, lender)).to.emit(s.pool, "Deposit").withArgs(lender, lender, 0n, 0n);
      await expect(p.withdraw(0n, lender, lender))
        .to.emit(s.pool, "Withdraw")
        .withArgs(lender, lender, lender, 0n, 0n);
      await expect(p.redeem(0n, lender, lender))
        .to.emit(s.pool, "Withdraw")
        .withArgs(lender, lender, lender, 0n, 0n);
      expect(await s.pool.balanceOf(lender)).to.equal(shares);
      const after = await protocolState(f);
      // Time moved on (interest accrued, reserve shares minted to the fund); tokens and cash did not.
      for (const key of Object.keys(before).filter((k) => k !== "totalSupply")) {
        expect(after[key as keyof typeof after], key).to.equal(before[key as keyof typeof before]);
      }
    });

    it("mint, withdraw and redeem of huge amounts revert with a custom error", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s } = f;
      const p = s.pool.connect(s.lender);
      const lender = s.lender.address;
      const before = await protocolState(f);
      // Cash is kept in 128 bits: maxDeposit / maxMint refuse larger amounts before any conversion.
      const maxDeposit = await s.pool.maxDeposit(lender);
      expect(maxDeposit).to.equal(2n ** 128n - 1n - (await s.pool.cash()));
      for (const assets of [maxDeposit + 1n, 2n ** 128n, MAX]) {
        await expect(p.deposit(assets, lender))
          .to.be.revertedWithCustomError(s.pool, "ERC4626ExceededMaxDeposit")
          .withArgs(lender, assets, maxDeposit);
      }
      const maxMint = await s.pool.maxMint(lender);
      expect(maxMint).to.equal(await s.pool.convertToShares(maxDeposit));
      for (const shares of [maxMint + 1n, MAX]) {
        await expect(p.mint(shares, lender))
          .to.be.revertedWithCustomError(s.pool, "ERC4626ExceededMaxMint")
          .withArgs(lender, shares, anyValue); // the bound moves with accrued interest each block
      }
      const maxWithdraw = await s.pool.maxWithdraw(lender);
      for (const assets of [maxWithdraw + 1n, 2n ** 128n, MAX]) {
        await expect(p.withdraw(assets, lender, lender))
          .to.be.revertedWithCustomError(s.pool, "ERC4626ExceededMaxWithdraw")
          .withArgs(lender, assets, anyValue);
      }
      for (const shares of [(await s.pool.maxRedeem(lender)) + 1n, MAX]) {
        await expect(p.redeem(shares, lender, lender))
          .to.be.revertedWithCustomError(s.pool, "ERC4626ExceededMaxRedeem")
          .withArgs(lender, shares, anyValue);
      }
      expect(await protocolState(f)).to.deep.equal(before);
    });
  });

  describe("auction house", function () {
    it("take: maxCollateral 0 -> ZeroTake; maxPrice 0 -> TakePriceTooHigh; unknown ids -> AuctionNotActive", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, auctionId } = f;
      const before = await protocolState(f);
      const ah = s.auctionHouse.connect(s.bob);
      await expect(ah.take(auctionId, 0n, MAX, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "ZeroTake")
        .withArgs(auctionId);
      await expect(ah.take(auctionId, WETH(1), 0n, s.bob.address, "0x"))
        .to.be.revertedWithCustomError(s.auctionHouse, "TakePriceTooHigh")
        .withArgs(auctionId, anyValue, 0n);
      for (const bad of [0n, 2n, MAX]) {
        await expect(ah.take(bad, MAX, MAX, s.bob.address, "0x"))
          .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
          .withArgs(bad);
        await expect(s.auctionHouse.reset(bad, s.keeper.address))
          .to.be.revertedWithCustomError(s.auctionHouse, "AuctionNotActive")
          .withArgs(bad);
      }
      await expect(s.auctionHouse.kick(MAX, f.weth, s.keeper.address))
        .to.be.revertedWithCustomError(s.engine, "UnknownVault")
        .withArgs(MAX);
      expect(await protocolState(f)).to.deep.equal(before);
    });

    it("take: maxCollateral = max buys what covers the tab, the rest of the lot returns to the vault", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, auctionId, kicked, weth } = f;
      const status = await s.auctionHouse.auctionStatus(auctionId);
      const held = await s.engine.collateralAmount(kicked, weth);
      const [quoted, owe] = await s.auctionHouse.quoteTake(auctionId, MAX, 0n);
      const bobUsdc = await s.usdc.balanceOf(s.bob.address);
      const bobWeth = await s.weth.balanceOf(s.bob.address);
      await s.auctionHouse.connect(s.bob).take(auctionId, MAX, MAX, s.bob.address, "0x");
      expect((await s.auctionHouse.auction(auctionId)).lot).to.equal(0n);
      expect(quoted).to.be.lessThan(status.lot);
      // A few seconds passed since the quote: the price fell a little, so a little more was bought.
      const bought = (await s.weth.balanceOf(s.bob.address)) - bobWeth;
      expect(bought).to.be.greaterThanOrEqual(quoted);
      expect(await s.engine.collateralAmount(kicked, weth)).to.equal(held + status.lot - bought);
      const paid = bobUsdc - (await s.usdc.balanceOf(s.bob.address));
      expect(paid).to.be.greaterThanOrEqual(owe);
      expect(paid - owe).to.be.lessThan(USDC(1));
    });

    it("quoteTake: a market price up to 2^128 - 1 is priced exactly, a larger one reverts (D3)", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, auctionId } = f;
      const top = 2n ** 128n - 1n;
      const [collateral, owe, profit] = await s.auctionHouse.quoteTake(auctionId, MAX, top);
      expect(collateral).to.be.greaterThan(0n);
      // value = collateral [1e18 per WETH] * price [wad USDC per WETH] -> USDC units (1e6), rounded down.
      expect(profit).to.equal((collateral * top * 10n ** 6n) / 10n ** 36n - owe);
      for (const price of [top + 1n, MAX]) {
        await expect(s.auctionHouse.quoteTake(auctionId, MAX, price))
          .to.be.revertedWithCustomError(s.auctionHouse, "MarketPriceOutOfRange")
          .withArgs(price, top);
      }
    });
  });

  describe("insurance fund", function () {
    it("pay and withdraw of 0 pay nothing; of max pay exactly what is available and empty the fund", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, spender } = f;
      const fund = await s.insuranceFund.getAddress();
      const reason = b32("test");
      await expect(spender.pay(fund, s.bob.address, 0n, reason)).to.changeTokenBalances(ethers, s.usdc, [s.bob], [0n]);
      expect(await spender.lastPaid()).to.equal(0n);
      await expect(s.insuranceFund.withdraw(s.bob.address, 0n))
        .to.emit(s.insuranceFund, "Withdrawn")
        .withArgs(s.bob.address, 0n);

      // 10,000 USDC seeded, less the keeper's reward for the fixture's kick, plus reserve shares.
      const available = await s.insuranceFund.availableAssets();
      expect(available).to.be.greaterThan(USDC(9_000));
      const bob = await s.usdc.balanceOf(s.bob.address);
      await spender.pay(fund, s.bob.address, MAX, reason);
      const paid = (await s.usdc.balanceOf(s.bob.address)) - bob;
      expect(await spender.lastPaid()).to.equal(paid);
      expect(paid).to.be.greaterThanOrEqual(available);
      expect(await s.usdc.balanceOf(fund)).to.equal(0n);
      expect(await s.insuranceFund.availableAssets()).to.equal(0n);
      // Only the reserve shares minted by the interest of the blocks since (a few wei) are left to sweep.
      await expect(s.insuranceFund.withdraw(s.bob.address, MAX))
        .to.emit(s.insuranceFund, "Withdrawn")
        .withArgs(s.bob.address, (sent: bigint) => sent < 10n);
      expect(await s.insuranceFund.availableAssets()).to.be.lessThan(10n);
    });
  });

  describe("circuit breaker", function () {
    it("pause / freeze durations of 0 and max, extensions to 0 and max, are refused with bounds", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, weth } = f;
      const cb = s.circuitBreaker;
      const maxPause = (await cb.globalConfig()).maxPauseDuration;
      await expect(cb.pause(0, 0n))
        .to.be.revertedWithCustomError(cb, "ParameterOutOfBounds")
        .withArgs(b32("duration"), 0n, 1n);
      await expect(cb.freeze(weth, 0n))
        .to.be.revertedWithCustomError(cb, "ParameterOutOfBounds")
        .withArgs(b32("duration"), 0n, 1n);
      await expect(cb.pause(0, MAX)).to.be.revertedWithCustomError(cb, "PauseTooLong").withArgs(MAX, maxPause);
      await expect(cb.freeze(weth, MAX)).to.be.revertedWithCustomError(cb, "PauseTooLong").withArgs(MAX, maxPause);
      for (const call of [(u: bigint) => cb.extendPause(0, u), (u: bigint) => cb.extendFreeze(weth, u)]) {
        await expect(call(0n))
          .to.be.revertedWithCustomError(cb, "ParameterOutOfBounds")
          .withArgs(b32("until"), 0n, anyValue);
        await expect(call(MAX))
          .to.be.revertedWithCustomError(cb, "ParameterOutOfBounds")
          .withArgs(b32("until"), MAX, 2n ** 64n - 1n);
      }
    });
  });

  describe("keeper views", function () {
    it("ranges up to max are clamped to the vault count", async function () {
      const f = await networkHelpers.loadFixture(amountsFixture);
      const { s, scanner, kicked } = f;
      // The kicked vault keeps a little WETH and the rest of its debt: still below HF 1.
      expect(await s.lens.liquidatableVaults(0n, MAX)).to.deep.equal([kicked]);
      expect(await s.lens.liquidatableVaults(MAX, MAX)).to.deep.equal([]);
      expect((await scanner.healthFactors(0n, MAX)).length).to.equal(Number(await s.engine.vaultCount()));
      expect(await scanner.scan(MAX, MAX, MAX)).to.deep.equal([]);
      expect(await scanner.scanIds([0n, MAX], MAX)).to.deep.equal([]);
      const found = await scanner.scan(0n, MAX, MAX);
      expect(found.map((v) => v.id)).to.deep.equal([f.id, kicked]);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Part 2: the ABI-generated sweep
// ---------------------------------------------------------------------------------------------------

/**
 * (function, argument, value) combinations known to panic, each a confirmed contract defect awaiting
 * its fix. None at present: D1-D5 of the adversarial-inputs report on issue 7 are fixed. The sweep
 * fails on any other panic, and on an entry here that no longer panics.
 */
const KNOWN_PANICS: string[] = [];

/** The KNOWN_PANICS entry covering `key` (`contract.fn(param=value)`), if any; `fn(*)` covers every argument. */
function knownPanic(key: string): string | undefined {
  return KNOWN_PANICS.find((k) => k === key || (k.endsWith("(*)") && key.startsWith(k.slice(0, -2))));
}

const VALUES: [string, bigint][] = [
  ["0", 0n],
  ["1", 1n],
  ["2^128", 2n ** 128n],
  ["max", MAX],
];

function clamp(p: ParamType, x: bigint): bigint {
  const bits = Number(p.baseType.replace(/^u?int/, "") || "256");
  const top = p.baseType.startsWith("u") ? 2n ** BigInt(bits) - 1n : 2n ** BigInt(bits - 1) - 1n;
  return x > top ? top : x;
}

type Ctx = { f: Fixture; addresses: Record<string, string> };

/** A sensible default for an argument, by ABI type and name. */
function defaultArg(p: ParamType, ctx: Ctx, x?: bigint): unknown {
  const { f, addresses } = ctx;
  if (p.isArray()) return p.arrayChildren.baseType === "uint256" ? [x ?? f.id] : [];
  if (p.isTuple()) return p.components.map((c) => defaultArg(c, ctx, x));
  const t = p.baseType;
  if (t === "address") {
    if (/asset|collateral/i.test(p.name)) return f.weth;
    if (p.name === "pair") return addresses.pair;
    if (p.name === "fund") return addresses.insuranceFund;
    if (/model/.test(p.name)) return addresses.rateModel;
    if (/oracle|feed|breaker|auctionHouse|engine/.test(p.name)) return addresses[p.name.replace(/_$/, "")] ?? f.weth;
    return f.s.alice.address;
  }
  if (t === "bool") return false;
  if (t === "bytes") return "0x";
  if (t === "string") return "";
  if (t.startsWith("bytes")) return ethers.ZeroHash;
  if (/int/.test(t)) {
    if (x !== undefined) return clamp(p, x);
    if (p.name === "id" || p.name === "vault") return f.id;
    if (p.name === "auctionId") return f.auctionId;
    if (p.name === "action") return 0n;
    if (p.name === "from") return 1n;
    if (p.name === "to") return 100n;
    return clamp(p, 10n ** 6n);
  }
  throw new Error(`no default for ${p.format()}`);
}

function sweptContracts(f: Fixture): Record<string, BaseContract> {
  const { s } = f;
  return {
    engine: s.engine,
    pool: s.pool,
    auctionHouse: s.auctionHouse,
    insuranceFund: s.insuranceFund,
    circuitBreaker: s.circuitBreaker,
    oracle: s.oracle,
    rateModel: s.rateModel,
    lens: s.lens,
    scanner: f.scanner,
    router: f.router,
    linearCurve: f.curves.linear,
    exponentialCurve: f.curves.exponential,
    stairstepCurve: f.curves.stairstep,
  };
}

describe("Adversarial: no overflow panic on any function at 0, 1, 2^128 or max (generated from the ABIs)", function () {
  it("sweeps every integer argument of every function of every deployed contract, from every kind of caller", async function () {
    this.timeout(600_000);
    const f = await networkHelpers.loadFixture(amountsFixture);
    const { s } = f;
    const addresses: Record<string, string> = {
      pair: await f.pair.getAddress(),
      insuranceFund: await s.insuranceFund.getAddress(),
      rateModel: await s.rateModel.getAddress(),
      oracle: await s.oracle.getAddress(),
      engine: await s.engine.getAddress(),
      auctionHouse: await s.auctionHouse.getAddress(),
      breaker: await s.circuitBreaker.getAddress(),
      feed: await s.feeds.WETH.getAddress(),
    };
    const ctx = { f, addresses };
    const callers = [s.alice.address, s.deployer.address, addresses.auctionHouse, addresses.engine];
    const panics: string[] = [];
    const seenKnown = new Set<string>();
    let calls = 0;
    let functions = 0;
    for (const [name, c] of Object.entries(sweptContracts(f))) {
      const to = await c.getAddress();
      for (const frag of c.interface.fragments) {
        if (frag.type !== "function") continue;
        const fn = frag as FunctionFragment;
        const intParams = fn.inputs.map((p, i) => [p, i] as const).filter(([p]) => /int|tuple/.test(p.type));
        if (intParams.length === 0) continue;
        functions++;
        for (const [p, i] of intParams) {
          for (const [label, x] of VALUES) {
            const args = fn.inputs.map((q, j) => (j === i ? defaultArg(q, ctx, x) : defaultArg(q, ctx)));
            const data = c.interface.encodeFunctionData(fn, args);
            const key = `${name}.${fn.name}(${p.name}=${label})`;
            for (const from of callers) {
              calls++;
              let revert: string | undefined;
              try {
                await ethers.provider.call({ from, to, data });
              } catch (e) {
                revert = String((e as { data?: string }).data ?? "0x");
              }
              if (revert?.startsWith("0x4e487b71")) {
                const known = knownPanic(key);
                if (known !== undefined) seenKnown.add(known);
                else panics.push(`${key} from ${from}: Panic(0x${revert.slice(-2)})`);
              }
            }
          }
        }
      }
    }
    expect(panics, "calls that reverted with a Solidity panic").to.deep.equal([]);
    expect(functions).to.be.greaterThan(60);
    expect(calls).to.be.greaterThan(1_500);
    // Every listed defect is still reachable as listed (a stale entry would hide nothing; drop it).
    expect(
      KNOWN_PANICS.filter((k) => !seenKnown.has(k)),
      "KNOWN_PANICS entries that no longer panic",
    ).to.deep.equal([]);
  });
});

describe("Adversarial: the fixed amount defects give exact outcomes", function () {
  const WAD = 10n ** 18n;

  it("oracle helpers: undefined variance inputs and lambda > 1 revert with custom errors; huge moves cap, huge steps divide", async function () {
    const { s } = await networkHelpers.loadFixture(amountsFixture);
    const o = s.oracle;
    await expect(o.varianceSample(0n, WAD, 60n))
      .to.be.revertedWithCustomError(o, "VarianceSampleUndefined")
      .withArgs(0n, 60n);
    await expect(o.varianceSample(WAD, WAD, 0n))
      .to.be.revertedWithCustomError(o, "VarianceSampleUndefined")
      .withArgs(WAD, 0n);
    const cap = await o.MAX_VARIANCE_SAMPLE();
    expect(await o.varianceSample(1n, MAX, 1n)).to.equal(cap); // a 1e77x move: capped, no overflow
    expect(await o.varianceSample(MAX, 0n, 1n)).to.equal(cap); // -100% in a second
    // A 5% move over a minute, exactly as before: 0.05^2 * 3600 / 60 = 0.15.
    expect(await o.varianceSample(2000n * WAD, 2100n * WAD, 60n)).to.equal(15n * 10n ** 16n);
    expect(await o.varianceSample(2000n * WAD, 2100n * WAD, MAX)).to.equal(0n);
    await expect(o.decayWeight(WAD + 1n, 0n))
      .to.be.revertedWithCustomError(o, "DecayLambdaAboveOne")
      .withArgs(WAD + 1n);
    await expect(o.decayWeight(MAX, 3600n)).to.be.revertedWithCustomError(o, "DecayLambdaAboveOne").withArgs(MAX);
    expect(await o.decayWeight(WAD, 3600n)).to.equal(WAD);
    expect(await o.decayWeight(94n * 10n ** 16n, 3600n)).to.equal(94n * 10n ** 16n);
  });

  it("router: a quote above 128 bits reverts SaleTooLarge; at 2^128 - 1 it quotes the pair's curve", async function () {
    const { router, pair, weth } = await networkHelpers.loadFixture(amountsFixture);
    const pairAddress = await pair.getAddress();
    await expect(router.quoteSale(pairAddress, weth, 2n ** 128n))
      .to.be.revertedWithCustomError(router, "SaleTooLarge")
      .withArgs(2n ** 128n);
    await expect(router.quoteSale(pairAddress, weth, MAX)).to.be.revertedWithCustomError(router, "SaleTooLarge");
    // 100 WETH / 260,000 USDC reserves: a sale of 2^128 - 1 wei gets all but a sliver of the USDC.
    const top = 2n ** 128n - 1n;
    const inWithFee = top * 997n;
    const expected = (inWithFee * USDC(260_000)) / (WETH(100) * 1000n + inWithFee);
    expect(await router.quoteSale(pairAddress, weth, top)).to.equal(expected);
  });

  it("rate model: utilisation and rate at amounts whose sum overflows keep the ratio", async function () {
    const { s } = await networkHelpers.loadFixture(amountsFixture);
    const m = s.rateModel;
    expect(await m.utilisation(MAX, MAX)).to.equal(WAD / 2n);
    expect(await m.utilisation(0n, MAX)).to.equal(WAD);
    expect(await m.utilisation(MAX, 1n)).to.equal(0n);
    expect(await m.utilisation(MAX - 2n ** 255n, 2n ** 255n)).to.equal(await m.utilisation(1n, 1n));
    expect(await m.borrowRatePerSecond(MAX, MAX)).to.equal(await m.rateAtUtilisation(WAD / 2n));
    expect(await m.borrowRatePerSecond(0n, MAX)).to.equal(await m.rateAtUtilisation(WAD));
  });

  it("auction-house hooks: a return without an open auction, a seizure above the debt and a repayment above 128 bits revert with custom errors", async function () {
    const f = await networkHelpers.loadFixture(amountsFixture);
    const { s, id, weth } = f;
    const from = await s.auctionHouse.getAddress();
    // Through the provider (no signer), so each call can be made from the hook's caller.
    const engine = s.engine.connect(ethers.provider);
    const pool = s.pool.connect(ethers.provider);
    await expect(engine.returnFromAuction.staticCall(id, weth, 1n, 1n, { from }))
      .to.be.revertedWithCustomError(s.engine, "NoOpenAuction")
      .withArgs(id);
    const scaled = await s.engine.scaledDebtOf(id);
    await expect(engine.seizeForAuction.staticCall(id, weth, 1n, scaled + 1n, { from }))
      .to.be.revertedWithCustomError(s.engine, "SeizeExceedsDebt")
      .withArgs(id, scaled + 1n, scaled);
    await expect(engine.repayAuctionDebt.staticCall(MAX, 0n, s.alice.address, { from }))
      .to.be.revertedWithCustomError(s.pool, "SafeCastOverflowedUintDowncast")
      .withArgs(128, MAX);
    await expect(pool.repay.staticCall(2n ** 128n, 0n, s.alice.address, { from: await s.engine.getAddress() }))
      .to.be.revertedWithCustomError(s.pool, "SafeCastOverflowedUintDowncast")
      .withArgs(128, 2n ** 128n);
    // The kicked vault's real auction still returns: the check counts open auctions, it does not block them.
    const open = await s.engine.openAuctionsOf(f.kicked);
    expect(open).to.equal(1n);
    await expect(engine.returnFromAuction.staticCall(f.kicked, weth, 1n, 0n, { from })).to.not.revert(ethers);
  });
});

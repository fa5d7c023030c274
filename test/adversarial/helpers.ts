// Shared helpers of the adversarial-input suites (test/adversarial/*.test.ts). They build on the one
// base fixture (test/helpers/fixtures.ts) and the deployment's own contracts; nothing here deploys
// protocol contracts.
import { expect } from "chai";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { USDC, type System } from "../helpers/fixtures.js";

/** Risk config for adversarial collaterals: no size or volatility add-on, so values are exact. */
export const FLAT_RISK = {
  enabled: true,
  decimals: 0, // read from the token by the engine
  initialHaircut: 3n * 10n ** 17n, // 0.3
  maintenanceHaircut: 2n * 10n ** 17n, // 0.2
  volatilityMultiplier: 0n,
  volatilityCap: 0n,
  sizeMultiplier: 0n,
  sizeCap: 0n,
  marketDepth: 10n ** 24n, // 1,000,000 USD
  debtCeiling: USDC(100_000_000),
};

/** Feed settings used for every adversarial collateral (8-decimal MockV3Aggregator). */
export function feedConfig(primary: string, secondary = "0x0000000000000000000000000000000000000000") {
  return {
    primary,
    secondary,
    primaryStaleness: 86_400,
    secondaryStaleness: secondary === "0x0000000000000000000000000000000000000000" ? 0 : 86_400,
    maxDeviation: secondary === "0x0000000000000000000000000000000000000000" ? 0n : 10n ** 16n, // 1%
    minPrice: 10n ** 12n, // 0.000001 USD
    maxPrice: 10n ** 30n, // 1e12 USD
  };
}

/**
 * Lists `token` as a collateral at `usd` per whole token: a fresh 8-decimal Chainlink mock feed, the
 * FLAT_RISK config and the deployment's auction curve (penalty 8%, start buffer 1.1, reset at 50%, 2 h).
 * The deployer holds every governance role in the hardhat parameters.
 */
export async function listCollateral(ethers: HardhatEthers, s: System, token: string, usd: string) {
  const feed = await ethers.deployContract("MockV3Aggregator", [8, ethers.parseUnits(usd, 8)]);
  await s.oracle.setFeed(token, feedConfig(await feed.getAddress()));
  await s.engine.listCollateral(token, FLAT_RISK);
  await s.auctionHouse.setCollateralAuctionConfig(token, {
    curve: s.record.contracts.curve,
    penalty: 8n * 10n ** 16n,
    startBuffer: 11n * 10n ** 17n,
    resetPriceRatio: 5n * 10n ** 17n,
    maxDuration: 7200n,
  });
  return feed;
}

/** Mints `amount` of a MockERC20-derived token to `who` and approves the engine. */
export async function fundCollateral(
  s: System,
  token: { getAddress: () => Promise<string> },
  who: HardhatEthersSigner,
  amount: bigint,
) {
  const erc = await s.ethers.getContractAt("MockERC20", await token.getAddress());
  await erc.mint(who.address, amount);
  await erc.connect(who).approve(await s.engine.getAddress(), 2n ** 256n - 1n);
}

/** Base-asset approvals of the auction house for the takers, and 10,000 USDC in the insurance fund. */
export async function prepareLiquidations(s: System) {
  const ah = await s.auctionHouse.getAddress();
  for (const who of [s.bob, s.carol, s.keeper, s.stranger, s.lender]) {
    await s.usdc.connect(who).approve(ah, 2n ** 256n - 1n);
  }
  await s.usdc.connect(s.lender).transfer(await s.insuranceFund.getAddress(), USDC(10_000));
}

type BalanceOf = { balanceOf: (who: string) => Promise<bigint>; getAddress: () => Promise<string> };

/** Token balances of the protocol's contracts and of `who`, as a plain record (for before/after equality). */
export async function balances(s: System, tokens: BalanceOf[], who: string[] = []): Promise<Record<string, bigint>> {
  const holders: Record<string, string> = {
    engine: await s.engine.getAddress(),
    pool: await s.pool.getAddress(),
    auctionHouse: await s.auctionHouse.getAddress(),
    insuranceFund: await s.insuranceFund.getAddress(),
  };
  for (const w of who) holders[w] = w;
  const out: Record<string, bigint> = {};
  for (const t of tokens) {
    const ta = await t.getAddress();
    for (const [name, addr] of Object.entries(holders)) out[`${ta}@${name}`] = await t.balanceOf(addr);
  }
  return out;
}

/** The pool's and the engine's ledgers that no failed call may move. */
export async function ledgers(s: System, vaults: bigint[], assets: string[]) {
  const out: Record<string, bigint> = {
    cash: await s.pool.cash(),
    totalScaledDebt: await s.pool.totalScaledDebt(),
    totalSupply: await s.pool.totalSupply(),
    auctionCount: await s.auctionHouse.auctionCount(),
  };
  for (const v of vaults) {
    out[`scaledDebt(${v})`] = await s.engine.scaledDebtOf(v);
    out[`flag(${v})`] = await s.engine.marginCallOf(v);
    for (const a of assets) out[`collateral(${v},${a})`] = await s.engine.collateralAmount(v, a);
  }
  return out;
}

/** Asserts that a revert's data is no Solidity panic (selector 0x4e487b71), whatever else it is. */
export function expectNoPanic(data: string, label: string) {
  expect(data.slice(0, 10), `${label} reverted with a Panic: ${data}`).to.not.equal("0x4e487b71");
}

/** The revert data of a call made as `from` (eth_call), or "0x" when it succeeds. */
export async function revertDataOf(
  ethers: HardhatEthers,
  from: string,
  to: string,
  data: string,
): Promise<string | undefined> {
  try {
    await ethers.provider.call({ from, to, data });
    return undefined;
  } catch (e) {
    return ((e as { data?: string }).data ?? "0x").toString();
  }
}

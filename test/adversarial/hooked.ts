// The hooked-collateral fixture shared by the re-entrancy tests (tokens.test.ts) and the pending defect
// reproductions: a collateral whose transfer hook calls back into the protocol as itself.
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { deployFundedSystem, openVault, USDC, WAD } from "../helpers/fixtures.js";
import { balances, fundCollateral, ledgers, listCollateral, prepareLiquidations } from "./helpers.js";

const MAX = 2n ** 256n - 1n;

/**
 * A hooked collateral HOOK at $100 that owns vault `hv` (100 HOOK, 2,000 USDC debt) and approved the base
 * asset to the engine, pool and auction house, so only a re-entrancy guard can stop its calls. Alice's
 * vault `av` (100 HOOK, 6,000 USDC) crashed to $60 and is in auction 1; carol's `av2` (same) is
 * kickable; alice's `ov` holds 50 HOOK without debt.
 */
export async function hookedFixture(ethers: HardhatEthers) {
  const s = await deployFundedSystem(ethers);
  await prepareLiquidations(s);
  const hook = await ethers.deployContract("HookedToken", [18]);
  const h = await hook.getAddress();
  const feed = await listCollateral(ethers, s, h, "100");
  const engine = await s.engine.getAddress();
  const ei = s.engine.interface;
  await hook.act(engine, ei.encodeFunctionData("openVault", [h]));
  const hv = await s.engine.vaultCount();
  await hook.mint(h, 1_000n * WAD);
  await hook.act(h, hook.interface.encodeFunctionData("approve", [engine, MAX]));
  await hook.act(engine, ei.encodeFunctionData("deposit", [hv, h, 100n * WAD]));
  await hook.act(engine, ei.encodeFunctionData("borrow", [hv, USDC(2_000), h]));
  for (const spender of [engine, await s.pool.getAddress(), await s.auctionHouse.getAddress()]) {
    await hook.approveToken(await s.usdc.getAddress(), spender, MAX);
  }
  await fundCollateral(s, hook, s.alice, 1_000n * WAD);
  await fundCollateral(s, hook, s.carol, 1_000n * WAD);
  const av = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(av, h, 100n * WAD);
  await s.engine.connect(s.alice).borrow(av, USDC(6_000), s.alice.address);
  const av2 = await openVault(s, s.carol);
  await s.engine.connect(s.carol).deposit(av2, h, 100n * WAD);
  await s.engine.connect(s.carol).borrow(av2, USDC(6_000), s.carol.address);
  const ov = await openVault(s, s.alice);
  await s.engine.connect(s.alice).deposit(ov, h, 50n * WAD);
  await feed.updateAnswer(60n * 10n ** 8n);
  await s.auctionHouse.connect(s.keeper).kick(av, h, s.keeper.address);
  return { s, hook, h, hv, av, av2, ov, auctionId: 1n };
}
export type Hooked = Awaited<ReturnType<typeof hookedFixture>>;

export const OUTER: [string, (f: Hooked) => Promise<unknown>][] = [
  ["engine.deposit", (f) => f.s.engine.connect(f.s.alice).deposit(f.ov, f.h, WAD)],
  ["engine.withdraw", (f) => f.s.engine.connect(f.s.alice).withdraw(f.ov, f.h, WAD, f.s.alice.address)],
  ["auctionHouse.take", (f) => f.s.auctionHouse.connect(f.s.bob).take(f.auctionId, WAD, MAX, f.s.bob.address, "0x")],
];

export type Inner = [string, "engine" | "auctionHouse" | "pool", (f: Hooked) => string];

export const ENGINE_INNER: Inner[] = [
  ["openVault", "engine", (f) => f.s.engine.interface.encodeFunctionData("openVault", [f.h])],
  ["deposit", "engine", (f) => f.s.engine.interface.encodeFunctionData("deposit", [f.hv, f.h, WAD])],
  ["withdraw", "engine", (f) => f.s.engine.interface.encodeFunctionData("withdraw", [f.hv, f.h, WAD, f.h])],
  ["borrow", "engine", (f) => f.s.engine.interface.encodeFunctionData("borrow", [f.hv, USDC(100), f.h])],
  ["repay", "engine", (f) => f.s.engine.interface.encodeFunctionData("repay", [f.hv, USDC(100)])],
  ["flagMarginCall", "engine", (f) => f.s.engine.interface.encodeFunctionData("flagMarginCall", [f.av2])],
  ["clearMarginCall", "engine", (f) => f.s.engine.interface.encodeFunctionData("clearMarginCall", [f.hv])],
  ["realiseBadDebt", "engine", (f) => f.s.engine.interface.encodeFunctionData("realiseBadDebt", [f.hv])],
  ["setManager", "engine", (f) => f.s.engine.interface.encodeFunctionData("setManager", [f.hv, f.h, true])],
  ["transferVault", "engine", (f) => f.s.engine.interface.encodeFunctionData("transferVault", [f.hv, f.h])],
];

export const AUCTION_INNER: Inner[] = [
  ["kick", "auctionHouse", (f) => f.s.auctionHouse.interface.encodeFunctionData("kick", [f.av2, f.h, f.h])],
  [
    "take",
    "auctionHouse",
    (f) => f.s.auctionHouse.interface.encodeFunctionData("take", [f.auctionId, WAD, MAX, f.h, "0x"]),
  ],
  ["reset", "auctionHouse", (f) => f.s.auctionHouse.interface.encodeFunctionData("reset", [f.auctionId, f.h])],
];

export const POOL_INNER: Inner[] = [
  ["deposit", "pool", (f) => f.s.pool.interface.encodeFunctionData("deposit", [USDC(100), f.h])],
  ["mint", "pool", (f) => f.s.pool.interface.encodeFunctionData("mint", [USDC(100) * 10n ** 6n, f.h])],
];

export async function targetOf(f: Hooked, which: Inner[1]): Promise<string> {
  if (which === "engine") return f.s.engine.getAddress();
  if (which === "auctionHouse") return f.s.auctionHouse.getAddress();
  return f.s.pool.getAddress();
}

export async function hookedState(f: Hooked) {
  const { s, h, hv, av, av2, ov } = f;
  return {
    ...(await ledgers(s, [hv, av, av2, ov], [h])),
    ...(await balances(s, [s.usdc, f.hook], [s.alice.address, s.bob.address, h])),
    lot: (await s.auctionHouse.auction(f.auctionId)).lot,
    vaults: await s.engine.vaultCount(),
    owner: await s.engine.ownerOf(hv),
  };
}

import { expect } from "chai";
import { parseUnits } from "ethers";
import { formatTokenAmount } from "../../scripts/lib/format.js";
import {
  chainMark,
  ethers,
  expectFailure,
  fromOf,
  loadTaskFixture,
  networkHelpers,
  runJson,
  runTask,
} from "./helpers.js";

const WETH = (x: string) => parseUnits(x, 18);
const USDC = (x: string) => parseUnits(x, 6);

/**
 * Alice's vault 1: 10 WETH, 23,000 USDC debt; bob's vault 2: 10 WETH, 5,000 USDC. WETH then falls
 * from $3,000 to $2,600: vault 1 has HF 22,100 / 23,000 = 0.96 (above the hard floor, so it must be
 * flagged and wait out the cure window); vault 2 stays healthy. The keeper holds 100,000 USDC.
 */
async function shortfall() {
  const f = await loadTaskFixture();
  const { s } = f;
  const [, lender, alice, bob, keeper] = await ethers.getSigners();
  await s.fund(lender, { USDC: 1_000_000 });
  await (await s.pool.connect(lender).deposit(USDC("1000000"), lender.address)).wait();
  const weth = await s.tokens.WETH.getAddress();
  for (const [who, debt] of [
    [alice, "23000"],
    [bob, "5000"],
  ] as const) {
    await s.fund(who, { WETH: 10 });
    await (await s.engine.connect(who).openVault(who.address)).wait();
    const id = await s.engine.vaultCount();
    await (await s.engine.connect(who).deposit(id, weth, WETH("10"))).wait();
    await (await s.engine.connect(who).borrow(id, USDC(debt), who.address)).wait();
  }
  await (await s.tokens.USDC.mint(keeper.address, USDC("100000"))).wait();
  await s.setPrice("WETH", 2600);
  return { ...f, weth, keeper, keeperFrom: await fromOf(keeper.address) };
}

describe("tasks: keeper", function () {
  it("keeper list shows the vault in shortfall and why it cannot be kicked yet", async function () {
    const { s } = await shortfall();
    const out = await runJson(["keeper", "list"]);
    expect(out.vaultsScanned).to.equal("2");
    expect(out.liquidatable.map((v: { vault: string }) => v.vault)).to.deep.equal(["1"]);
    expect(BigInt(out.liquidatable[0].healthFactor)).to.equal(await s.engine.healthFactor(1n));
    expect(out.liquidatable[0].flagged).to.equal(false);
    expect(out.liquidatable[0].kicks).to.deep.equal([
      { asset: "WETH", assetAddress: await s.tokens.WETH.getAddress(), ok: false, reason: "MarginCallRequired" },
    ]);
    expect(out.auctions).to.deep.equal([]);
    const table = await runTask(["keeper", "list"]);
    expect(table.stdout).to.contain("1 of 2 vault(s) below HF 1");
  });

  it("keeper flag, kick (after the cure window), take", async function () {
    const { s, weth, keeper, keeperFrom } = await shortfall();
    const mark = await chainMark();
    await expectFailure(
      runTask(["keeper", "kick"], { vault: "1", from: keeperFrom }),
      /cannot be kicked now \(WETH: MarginCallRequired\)/,
    );
    await expectFailure(runTask(["keeper", "kick"], { vault: "1", asset: "WBTC" }), /holds no WBTC/);
    await expectFailure(runTask(["keeper", "flag"], { vault: "3" }), /unknown vault 3/);
    const healthy = await expectFailure(runTask(["keeper", "flag"], { vault: "2" }), /VaultHealthy/);
    expect(healthy.decoded.name).to.equal("VaultHealthy");
    expect(healthy.message).to.contain("nothing to flag or liquidate");
    expect(await chainMark()).to.equal(mark);

    const flagged = await runJson(["keeper", "flag"], { vault: "1", from: keeperFrom });
    expect(BigInt(flagged.flaggedAt)).to.equal(await s.engine.marginCallOf(1n));
    expect(BigInt(flagged.liquidatableAt)).to.equal(BigInt(flagged.flaggedAt) + 600n);

    const early = await expectFailure(runTask(["keeper", "kick"], { vault: "1", asset: "WETH" }), /CureWindowActive/);
    expect(early.message).to.contain("cure window is still open");

    await networkHelpers.time.increase(601);
    const kicked = await runJson(["keeper", "kick"], { vault: "1", from: keeperFrom });
    expect(kicked.deferred).to.equal(false);
    expect(kicked.auction.auction).to.equal("1");
    expect(kicked.keeper).to.equal(keeper.address);
    const status = await s.auctionHouse.auctionStatus(1n);
    expect(status.active).to.equal(true);
    expect(kicked.auction.lot).to.equal(status.lot.toString());

    const listed = await runJson(["keeper", "list"]);
    expect(listed.auctions.map((a: { auction: string }) => a.auction)).to.deep.equal(["1"]);

    // vault show reports the seized lot, which the vault's collateral no longer counts.
    const shown = await runJson(["vault", "show"], { vault: "1" });
    expect(shown.auctions).to.have.length(1);
    expect(shown.auctions[0].auction).to.equal("1");
    expect(shown.auctions[0].asset).to.equal("WETH");
    expect(shown.auctions[0].lot).to.equal(status.lot.toString());
    expect(shown.auctions[0].tab).to.equal(status.tab.toString());
    const held = shown.collaterals.find((c: { asset: string }) => c.asset === "WETH");
    expect(BigInt(held.amount)).to.equal(await s.engine.collateralAmount(1n, weth));
    // The table under the heading: the lot in WETH, and a fresh auction that does not need a reset.
    const section = (await runTask(["vault", "show"], { vault: "1" })).stdout.split("Under auction")[1];
    expect(section).to.contain(`${formatTokenAmount(status.lot, 18, 6)} WETH`);
    expect(section).not.to.contain("needs reset");

    await expectFailure(runTask(["keeper", "take"], { auction: "2" }), /unknown auction 2/);
    await expectFailure(runTask(["keeper", "take"], { auction: "1", amount: "-1 WETH" }), /negative/);
    await expectFailure(runTask(["keeper", "take"], { auction: "1", amount: "1 WBTC" }), /expected WETH/);
    await expectFailure(runTask(["keeper", "take"], { auction: "1", maxPrice: "1" }), /above --max-price/);

    const before = await s.tokens.WETH.balanceOf(keeper.address);
    const taken = await runJson(["keeper", "take"], { auction: "1", from: keeperFrom });
    expect(taken.txs.map((t: { label: string }) => t.label)).to.deep.equal(["approve USDC", "take auction 1"]);
    expect((await s.tokens.WETH.balanceOf(keeper.address)) - before).to.equal(BigInt(taken.collateral));
    expect(BigInt(taken.collateral) > 0n).to.equal(true);
    expect(taken.closed).to.equal(!(await s.auctionHouse.auctionStatus(1n)).active);
    expect(await s.engine.healthFactor(1n)).to.be.gte(10n ** 18n);
    expect(weth).to.equal(status.asset);
  });

  it("keeper reset restarts a stale auction; a fresh one is refused with the decoded error", async function () {
    const { s, keeperFrom } = await shortfall();
    await runJson(["keeper", "flag"], { vault: "1" });
    await networkHelpers.time.increase(601);
    await runJson(["keeper", "kick"], { vault: "1" });
    const fresh = await expectFailure(runTask(["keeper", "reset"], { auction: "1" }), /AuctionDoesNotNeedReset/);
    expect(fresh.message).to.contain("neither too old nor below its reset price");
    await networkHelpers.time.increase(7201);
    await s.setPrice("WETH", 2600); // refresh the feed's timestamp
    await expectFailure(runTask(["keeper", "take"], { auction: "1" }), /needs a reset first/);
    const startedBefore = (await s.auctionHouse.auction(1n)).startedAt;
    const out = await runJson(["keeper", "reset"], { auction: "1", from: keeperFrom });
    const a = await s.auctionHouse.auction(1n);
    expect(out.top).to.equal(a.top.toString());
    expect(a.startedAt > startedBefore).to.equal(true);
    expect((await s.auctionHouse.auctionStatus(1n)).needsReset).to.equal(false);
  });

  it("keeper realise-bad-debt after a crash sold the whole lot below the debt", async function () {
    const { s, keeperFrom } = await shortfall();
    await s.setPrice("WETH", 2000); // HF 17,000 / 23,000 < hard floor 0.9: no flag needed
    await expectFailure(runTask(["keeper", "realise-bad-debt"], { vault: "1" }), /NotBadDebt/);
    await runJson(["keeper", "kick"], { vault: "1" });
    const a = await s.auctionHouse.auction(1n);
    await networkHelpers.time.setNextBlockTimestamp(a.startedAt + 2700n);
    await runJson(["keeper", "take"], { auction: "1", from: keeperFrom });
    expect(await s.engine.collateralsOf(1n)).to.deep.equal([]);
    const debt = await s.engine.debtOf(1n);
    expect(debt > 0n).to.equal(true);
    const out = await runJson(["keeper", "realise-bad-debt"], { vault: "1" });
    expect(BigInt(out.covered) + BigInt(out.socialised)).to.be.gte(debt);
    expect(await s.engine.debtOf(1n)).to.equal(0n);
    await expectFailure(runTask(["keeper", "realise-bad-debt"], { vault: "1" }), /has no debt/);
  });

  it("keeper run --once flags the vault in shortfall and leaves the healthy one alone", async function () {
    const { s, keeperFrom } = await shortfall();
    const out = await runJson(["keeper", "run"], { once: true, from: keeperFrom });
    expect(out.once).to.equal(true);
    const kinds = out.actions.map((x: { kind: string; vault: string }) => `${x.kind}:${x.vault}`);
    expect(kinds).to.include("flag:1");
    expect(kinds.some((k: string) => k.endsWith(":2"))).to.equal(false);
    expect(await s.engine.marginCallOf(1n)).to.not.equal(0n);
    expect(await s.engine.marginCallOf(2n)).to.equal(0n);
  });

  it("keeper run loops until SIGINT and then returns cleanly", async function () {
    const { keeperFrom } = await shortfall();
    const before = new Set(process.listeners("SIGINT"));
    const running = runTask(["keeper", "run"], { from: keeperFrom, interval: "20", json: true });
    // Deliver "Ctrl-C" to the task's handler only (mocha has SIGINT handlers of its own).
    let handler: ((...a: unknown[]) => void) | undefined;
    for (let i = 0; i < 100 && handler === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      handler = process.listeners("SIGINT").find((l) => !before.has(l)) as typeof handler;
    }
    expect(handler, "keeper run installs a SIGINT handler").to.not.equal(undefined);
    await new Promise((r) => setTimeout(r, 100));
    handler!("SIGINT");
    const { result } = await running;
    const out = result as { stopped: boolean; actions: { kind: string; vault: string }[] };
    expect(out.stopped).to.equal(true);
    expect(out.actions.map((x) => `${x.kind}:${x.vault}`)).to.include("flag:1");
    expect(process.listeners("SIGINT").filter((l) => !before.has(l))).to.deep.equal([]);
  });

  it("keeper run validates its options before connecting", async function () {
    await loadTaskFixture();
    await expectFailure(
      runTask(["keeper", "run"], { once: true, interval: "0" }),
      /--interval must be greater than zero/,
    );
    await expectFailure(runTask(["keeper", "run"], { once: true, minProfitBps: "-5" }), /not a non-negative integer/);
    await expectFailure(runTask(["keeper", "run"], { once: true, minProfitBps: "20000" }), /above 10000/);
  });
});

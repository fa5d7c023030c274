import { expect } from "chai";
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

const BORROW = 2;

describe("tasks: guardian", function () {
  it("guardian pause and unpause an action", async function () {
    const { s } = await loadTaskFixture();
    const paused = await runJson(["guardian", "pause"], { action: "borrow", duration: "1h" });
    expect(paused).to.include({ action: "Borrow", duration: "3600", mode: "direct", role: "GUARDIAN" });
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    expect((await s.circuitBreaker.globalView()).pausedUntil[BORROW]).to.equal(now + 3600n);
    expect(paused.pausedUntil).to.equal((now + 3600n).toString());

    const shown = await runJson(["guardian", "show"]);
    expect(shown.pauses.find((p: { action: string }) => p.action === "Borrow").paused).to.equal(true);
    expect(shown.assets.map((a: { asset: string }) => a.asset)).to.deep.equal(["WETH", "WBTC", "LINK"]);
    expect(shown.config.maxPauseDuration).to.equal("259200");
    expect((await runTask(["guardian", "show"])).stdout).to.contain("Borrow until");

    const lifted = await runJson(["guardian", "unpause"], { action: "Borrow" });
    expect(lifted).to.include({ mode: "direct", role: "ADMIN" });
    expect((await s.circuitBreaker.globalView()).pausedUntil[BORROW] <= now + 1n).to.equal(true);
  });

  it("guardian freeze, unfreeze; trip after a price drop, clear-trip", async function () {
    const { s } = await loadTaskFixture();
    const weth = await s.tokens.WETH.getAddress();
    const frozen = await runJson(["guardian", "freeze"], { asset: "weth", duration: "2h" });
    expect(frozen.asset).to.equal("WETH");
    expect((await s.circuitBreaker.assetView(weth)).frozen).to.equal(true);
    await runJson(["guardian", "unfreeze"], { asset: "WETH" });
    expect((await s.circuitBreaker.assetView(weth)).frozen).to.equal(false);

    const noDrop = await expectFailure(runTask(["guardian", "trip"], { asset: "WETH" }), /NoPriceDrop/);
    expect(noDrop.message).to.contain("has not fallen enough");
    await (await s.oracle.poke(weth)).wait(); // window high $3,000
    await s.setPrice("WETH", 2200); // -26.7% > maxDrop 20%
    const tripped = await runJson(["guardian", "trip"], { asset: "WETH" });
    expect(tripped.tripped).to.equal(true);
    expect((await s.circuitBreaker.assetView(weth)).tripped).to.equal(true);
    const cleared = await runJson(["guardian", "clear-trip"], { asset: "WETH" });
    expect(cleared.tripped).to.equal(false);
    expect((await s.circuitBreaker.assetView(weth)).tripped).to.equal(false);
  });

  it("admin-only calls go through the timelock when the admin role has a delay", async function () {
    const { s } = await loadTaskFixture();
    const weth = await s.tokens.WETH.getAddress();
    await runJson(["guardian", "freeze"], { asset: "WETH", duration: "1d" });
    await (await s.accessManager.grantRole(0n, s.deployer.address, 3600)).wait(); // admin delay 1 h
    const scheduled = await runJson(["guardian", "unfreeze"], { asset: "WETH" });
    expect(scheduled.mode).to.equal("scheduled");
    expect(scheduled.delay).to.equal("3600");
    expect(BigInt(scheduled.readyAt)).to.equal(await s.accessManager.getSchedule(scheduled.operationId));
    expect((await s.circuitBreaker.assetView(weth)).frozen).to.equal(true);

    await expectFailure(runTask(["guardian", "unfreeze"], { asset: "WETH" }), /already scheduled.*--execute/);
    await expectFailure(runTask(["guardian", "unfreeze"], { asset: "WETH", execute: true }), /delay ends at/);
    await networkHelpers.time.increase(3601);
    const executed = await runJson(["guardian", "unfreeze"], { asset: "WETH", execute: true });
    expect(executed.mode).to.equal("executed");
    expect((await s.circuitBreaker.assetView(weth)).frozen).to.equal(false);
  });

  it("rejects bad arguments and missing roles before sending a transaction", async function () {
    await loadTaskFixture();
    const stranger = await fromOf((await ethers.getSigners())[6].address);
    const mark = await chainMark();
    await expectFailure(runTask(["guardian", "pause"], { action: "Sleep" }), /unknown action "Sleep"/);
    await expectFailure(
      runTask(["guardian", "pause"], { action: "Kick", duration: "10d" }),
      /above the maximum pause duration/,
    );
    await expectFailure(runTask(["guardian", "pause"], { action: "Kick", duration: "-1" }), /not a duration/);
    await expectFailure(runTask(["guardian", "freeze"], { asset: "DOGE" }), /not a listed collateral/);
    await expectFailure(runTask(["guardian", "unpause"], { action: "Kick" }), /not paused/);
    await expectFailure(runTask(["guardian", "clear-trip"], { asset: "WETH" }), /not tripped/);
    await expectFailure(runTask(["guardian", "pause"], { action: "Kick", from: stranger }), /needs the GUARDIAN role/);
    await expectFailure(runTask(["guardian", "pause"], { action: "Kick", execute: true }), /needs no schedule/);
    expect(await chainMark()).to.equal(mark);
  });
});

import { expect } from "chai";
import { parseUnits } from "ethers";
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

const wad = (x: string) => parseUnits(x, 18);
const USDC = (x: string) => parseUnits(x, 6);
const YEAR = 31_536_000n;

describe("tasks: gov (governance)", function () {
  it("sets every risk parameter directly when the role has no delay", async function () {
    const { s } = await loadTaskFixture();
    const weth = await s.tokens.WETH.getAddress();

    const col = await runJson(["gov", "set-collateral"], {
      asset: "WETH",
      initialHaircut: "25%",
      debtCeiling: "5,000,000 USDC",
    });
    expect(col).to.include({ mode: "direct", role: "RISK_MANAGER", asset: "WETH" });
    const cfg = await s.engine.collateralConfig(weth);
    expect(cfg.initialHaircut).to.equal(wad("0.25"));
    expect(cfg.debtCeiling).to.equal(USDC("5000000"));
    expect(cfg.maintenanceHaircut).to.equal(wad("0.15")); // unchanged
    expect(col.after.initialHaircut).to.equal(wad("0.25").toString());

    await runJson(["gov", "set-auction-config"], { asset: "WBTC", penalty: "0.07", maxDuration: "3h" });
    const ac = await s.auctionHouse.collateralAuctionConfig(await s.tokens.WBTC.getAddress());
    expect([ac.penalty, ac.maxDuration]).to.deep.equal([wad("0.07"), 10800n]);

    await runJson(["gov", "set-breaker-asset"], { asset: "LINK", maxDrop: "0.3", cooldown: "1h" });
    const bc = await s.circuitBreaker.assetConfig(await s.tokens.LINK.getAddress());
    expect([bc.maxDrop, bc.cooldown]).to.deep.equal([wad("0.3"), 3600n]);

    await runJson(["gov", "set-auction-params"], { cureWindow: "15m", keeperTip: "4" });
    const ap = await s.auctionHouse.auctionParameters();
    expect([ap.cureWindow, ap.keeperTip]).to.deep.equal([900n, USDC("4")]);

    await runJson(["gov", "set-breaker-global"], { gracePeriod: "20m" });
    expect((await s.circuitBreaker.globalConfig()).gracePeriod).to.equal(1200n);

    await runJson(["gov", "set-rate-model"], { baseRate: "0.02", kink: "85%" });
    const rm = await s.rateModel.parameters();
    expect([rm.baseRate, rm.kink]).to.deep.equal([wad("0.02") / YEAR, wad("0.85")]);

    await runJson(["gov", "set-tracker"], { windowLength: "2h" });
    expect((await s.oracle.trackerParameters()).windowLength).to.equal(7200n);

    await runJson(["gov", "set-min-debt"], { value: "250 USDC" });
    expect(await s.engine.minDebt()).to.equal(USDC("250"));
    await runJson(["gov", "set-max-collaterals"], { value: "5" });
    expect(await s.engine.maxCollateralsPerVault()).to.equal(5n);
    await runJson(["gov", "set-reserve-factor"], { value: "0.15" });
    expect(await s.pool.reserveFactor()).to.equal(wad("0.15"));

    const shown = await runJson(["gov", "show"]);
    expect(shown.engine).to.deep.equal({ minDebt: USDC("250").toString(), maxCollateralsPerVault: "5" });
    expect(shown.pool.reserveFactor).to.equal(wad("0.15").toString());
    expect(shown.rateModel.kink).to.equal(wad("0.85").toString());
    expect(shown.collaterals[0].risk.initialHaircut).to.equal(wad("0.25").toString());
    expect(shown.tracker.windowLength).to.equal("7200");
    expect(shown.account.roles.find((r: { role: string }) => r.role === "RISK_MANAGER").member).to.equal(true);
    expect((await runTask(["gov", "show"])).stdout).to.contain("reserve factor");
  });

  it("schedules through the AccessManager for a delayed role; executes after the delay", async function () {
    const { s } = await loadTaskFixture();
    await (await s.accessManager.grantRole(1n, s.deployer.address, 600)).wait(); // risk manager delay 10 min
    const scheduled = await runJson(["gov", "set-min-debt"], { value: "300" });
    expect(scheduled).to.include({ mode: "scheduled", delay: "600" });
    expect(await s.engine.minDebt()).to.equal(USDC("100"));
    await expectFailure(
      runTask(["gov", "execute"], { target: scheduled.target, data: scheduled.data }),
      /delay ends at/,
    );
    await networkHelpers.time.increase(601);
    const executed = await runJson(["gov", "execute"], { target: scheduled.target, data: scheduled.data });
    expect(executed.mode).to.equal("executed");
    expect(await s.engine.minDebt()).to.equal(USDC("300"));

    const col = await runJson(["gov", "set-collateral"], { asset: "WETH", enabled: "false" });
    expect(col.mode).to.equal("scheduled");
    await networkHelpers.time.increase(601);
    const done = await runJson(["gov", "set-collateral"], { asset: "WETH", enabled: "false", execute: true });
    expect(done.mode).to.equal("executed");
    expect((await s.engine.collateralConfig(await s.tokens.WETH.getAddress())).enabled).to.equal(false);
  });

  it("rejects bad values and missing roles before sending; decodes out-of-bounds reverts", async function () {
    const { s } = await loadTaskFixture();
    const stranger = await fromOf((await ethers.getSigners())[6].address);
    const mark = await chainMark();
    await expectFailure(runTask(["gov", "set-collateral"], { asset: "WETH" }), /nothing to change/);
    await expectFailure(
      runTask(["gov", "set-collateral"], { asset: "DOGE", sizeCap: "0.1" }),
      /not a listed collateral/,
    );
    await expectFailure(runTask(["gov", "set-collateral"], { asset: "WETH", initialHaircut: "-0.1" }), /negative/);
    await expectFailure(runTask(["gov", "set-collateral"], { asset: "WETH", initialHaircut: "1.5" }), /above 1/);
    await expectFailure(runTask(["gov", "set-collateral"], { asset: "WETH", enabled: "maybe" }), /not true or false/);
    await expectFailure(runTask(["gov", "set-min-debt"], { value: "5 WETH" }), /expected USDC/);
    await expectFailure(
      runTask(["gov", "set-reserve-factor"], { value: "0.1", from: stranger }),
      /needs the RISK_MANAGER role/,
    );
    await expectFailure(runTask(["gov", "execute"], { target: "0x12", data: "0x" }), /not an address/);
    const bounds = await expectFailure(
      runTask(["gov", "set-reserve-factor"], { value: "0.9" }),
      /ReserveFactorOutOfBounds/,
    );
    expect(bounds.decoded.args.value).to.equal(wad("0.9").toString());
    expect(await chainMark()).to.equal(mark);
    expect(await s.pool.reserveFactor()).to.equal(wad("0.1"));
  });
});

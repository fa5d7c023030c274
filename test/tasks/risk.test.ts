import { expect } from "chai";
import { parseUnits } from "ethers";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import hre from "hardhat";
import {
  BatchUnsupported,
  connectReadOnly,
  httpBatchCaller,
  loadRecord,
  providerCaller,
  readVaults,
} from "../../tasks/actions/risk.js";
import {
  chainMark,
  connection,
  deploymentFile,
  ethers,
  expectFailure,
  loadTaskFixture,
  networkHelpers,
  runJson,
  runTask,
} from "./helpers.js";

/** |actual - expected| <= tolerance (chai's closeTo is taken over by the bigint matchers when Hardhat's plugins load). */
function expectNear(actual: number, expected: number, tolerance: number) {
  expect(Math.abs(actual - expected) <= tolerance, `${actual} is not within ${tolerance} of ${expected}`).to.equal(
    true,
  );
}

const USDC = (x: string) => parseUnits(x, 6);
const dir = mkdtempSync(path.join(tmpdir(), "bw-risk-"));

/**
 * Vault 1 (alice): 10 WETH, 23,000 USDC debt; WETH then falls from $3,000 to $2,400, so the vault is
 * below HF 1 (24,000 x 0.85 / 23,000 = 0.89) and only $1,000 of market value above its debt: a 1-day
 * move of about -4% makes bad debt. Vault 2 (bob): 1 WBTC + 100 LINK, 20,000 debt. Vault 3 (carol):
 * 1,000 LINK, 5,000 debt. Vault 4 (dave): 10 WETH, no debt.
 */
async function book() {
  const f = await loadTaskFixture();
  const { s } = f;
  const [, lender, alice, bob, carol, dave] = await ethers.getSigners();
  await s.fund(lender, { USDC: 1_000_000 });
  await (await s.pool.connect(lender).deposit(USDC("1000000"), lender.address)).wait();
  const open = async (who: typeof alice, collateral: Record<string, string>, debt: string) => {
    await s.fund(who, collateral);
    await (await s.engine.connect(who).openVault(who.address)).wait();
    const id = await s.engine.vaultCount();
    for (const [symbol, amount] of Object.entries(collateral)) {
      await (
        await s.engine.connect(who).deposit(id, await s.tokens[symbol].getAddress(), s.units(symbol, amount))
      ).wait();
    }
    if (debt !== "0") await (await s.engine.connect(who).borrow(id, USDC(debt), who.address)).wait();
    return id;
  };
  await open(alice, { WETH: "10" }, "23000");
  await open(bob, { WBTC: "1", LINK: "100" }, "20000");
  await open(carol, { LINK: "1000" }, "5000");
  await open(dave, { WETH: "10" }, "0");
  await s.setPrice("WETH", 2400);
  return f;
}

/** Only one very safe vault: 10 WETH ($30,000) against 1,000 USDC. */
async function safeBook() {
  const f = await loadTaskFixture();
  const { s } = f;
  const [, lender, alice] = await ethers.getSigners();
  await s.fund(lender, { USDC: 100_000 });
  await (await s.pool.connect(lender).deposit(USDC("100000"), lender.address)).wait();
  await s.fund(alice, { WETH: 10 });
  await (await s.engine.connect(alice).openVault(alice.address)).wait();
  await (await s.engine.connect(alice).deposit(1n, await s.tokens.WETH.getAddress(), s.units("WETH", "10"))).wait();
  await (await s.engine.connect(alice).borrow(1n, USDC("1000"), alice.address)).wait();
  return f;
}

const REPORT = ["risk", "report"];

describe("tasks: risk report", function () {
  it("totals, leverage, clustering and the vaults below HF 1 agree with the chain", async function () {
    const { s } = await book();
    const out = await runJson(REPORT, { paths: "2000" });
    const count = await s.engine.vaultCount();
    expect(out.totals.vaults).to.equal(count.toString());
    expect(out.totals.vaultsWithDebt).to.equal(3);
    let debt = 0n;
    let collateral = 0n;
    for (let id = 1n; id <= count; id++) {
      debt += await s.engine.debtOf(id);
      for (const a of (await s.engine.healthBreakdown(id)).assets) collateral += a.value;
    }
    expect(BigInt(out.totals.debt)).to.equal(debt);
    expect(BigInt(out.totals.collateralValue)).to.equal(collateral);
    expect(out.block).to.equal(await ethers.provider.getBlockNumber());

    expect(out.belowHf1.vaults).to.equal(1);
    expect(out.belowHf1.list[0].vault).to.equal("1");
    expect(BigInt(out.belowHf1.list[0].healthFactor)).to.equal(await s.engine.healthFactor(1n));

    const lev = out.leverage as { vaults: number; debtShare: number; minHealthFactor: number | null }[];
    expect(lev.reduce((n, b) => n + b.vaults, 0)).to.equal(3);
    expect(Math.abs(lev.reduce((n, b) => n + b.debtShare, 0) - 1)).to.be.lessThan(1e-5);
    expect(lev[0].minHealthFactor).to.equal(null); // HF < 1: vault 1 only
    expect(lev[0].vaults).to.equal(1);

    // Liquidation prices match the lens (which rounds up) to 1e-9.
    for (const v of out.vaults as { vault: string; mainAsset: string; liquidationPrice: number }[]) {
      const onChain = await s.lens.liquidationPrice(BigInt(v.vault), await s.tokens[v.mainAsset].getAddress());
      expectNear(v.liquidationPrice / (Number(onChain) / 1e18), 1, 1e-9);
    }
    const weth = out.liquidationPrices.find((c: { asset: string }) => c.asset === "WETH");
    expect(weth.buckets[0].drop).to.equal("below HF 1 now");
    expect(weth.buckets[0].vaults).to.equal(1);
    const link = out.liquidationPrices.find((c: { asset: string }) => c.asset === "LINK");
    expect(link.vaults).to.equal(1); // carol's; bob's vault is WBTC-led
    expect(out.collaterals.find((c: { asset: string }) => c.asset === "WBTC").vaultsAsMain).to.equal(1);
  });

  it("VaR / ES of bad debt: the leveraged vault makes bad debt; ordered, deterministic for a seed", async function () {
    await book();
    const mark = await chainMark();
    const started = Date.now();
    const out = await runJson(REPORT, { seed: "7" });
    if (process.env.RISK_PRINT === "1") console.log(`      10,000 paths: ${Date.now() - started} ms`, out.timing);
    expect(await chainMark()).to.equal(mark); // read-only
    const bd = out.monteCarlo.badDebt;
    expect(out.monteCarlo.paths).to.equal(10_000);
    expect(bd.var95).to.be.gte(0);
    expect(bd.var99).to.be.gte(bd.var95);
    expect(bd.es95).to.be.gte(bd.var95);
    expect(bd.es99).to.be.gte(bd.var99);
    expect(bd.worst).to.be.gte(bd.es99);
    expect(bd.var99).to.be.greaterThan(0);
    expect(bd.probability).to.be.greaterThan(0.01);
    // Vault 1 holds 24,000 of WETH against 23,000 of debt: bad debt can never exceed 23,000.
    expect(bd.worst).to.be.lessThan(23_000);
    // It is below HF 1 already, so it is in shortfall on (nearly) every path.
    expect(out.monteCarlo.shortfall.vaults95).to.be.gte(1);

    const again = await runJson(REPORT, { seed: "7" });
    expect(again.monteCarlo).to.deep.equal(out.monteCarlo);
    const other = await runJson(REPORT, { seed: "8" });
    expect(other.monteCarlo.badDebt.mean).to.not.equal(bd.mean);

    // A liquidation discount only adds bad debt; a bigger volatility too.
    const discounted = await runJson(REPORT, { seed: "7", saleDiscount: "8%" });
    expect(discounted.monteCarlo.badDebt.mean).to.be.greaterThan(bd.mean);
    expect(discounted.settings.saleDiscount).to.equal(0.08);
    const wild = await runJson(REPORT, { seed: "7", vol: "WETH=2", horizonDays: "7" });
    expect(wild.monteCarlo.badDebt.es99).to.be.greaterThan(bd.es99);
    expect(wild.settings.volatility).to.deep.equal({ WETH: 2, WBTC: 0.6, LINK: 1 });
    expect(wild.settings.volatilitySource.WETH).to.equal("option");
  });

  it("a deployment with only very safe vaults has VaR and ES 0", async function () {
    await safeBook();
    const out = await runJson(REPORT, {});
    expect(out.totals.debt).to.equal(USDC("1000").toString());
    expect(out.belowHf1.vaults).to.equal(0);
    const bd = out.monteCarlo.badDebt;
    expect([bd.mean, bd.var95, bd.es95, bd.var99, bd.es99, bd.worst, bd.probability]).to.deep.equal([
      0, 0, 0, 0, 0, 0, 0,
    ]);
    expect(out.monteCarlo.shortfall.vaults99).to.equal(0);
  });

  it("a correlation matrix file is reordered to the collaterals and used", async function () {
    await book();
    const file = path.join(dir, "corr.json");
    writeFileSync(
      file,
      JSON.stringify({
        assets: ["LINK", "WETH", "WBTC"],
        matrix: [
          [1, 0.5, 0.4],
          [0.5, 1, 0.9],
          [0.4, 0.9, 1],
        ],
      }),
    );
    const out = await runJson(REPORT, { corrMatrix: file, paths: "500" });
    expect(out.settings.correlation.assets).to.deep.equal(["WETH", "WBTC", "LINK"]);
    expect(out.settings.correlation.matrix).to.deep.equal([
      [1, 0.9, 0.5],
      [0.9, 1, 0.4],
      [0.5, 0.4, 1],
    ]);
    const table = await runTask(REPORT, { corrMatrix: file, paths: "500" });
    expect(table.stdout).to.contain("matrix from");
  });

  it("prints a readable table", async function () {
    await book();
    const { stdout } = await runTask(REPORT, { paths: "1000" });
    if (process.env.RISK_PRINT === "1") console.log(stdout);
    for (const text of [
      "Risk report: ",
      "total debt",
      "48,000 USDC",
      "below HF 1 now",
      "#1 (HF 0.88",
      "Leverage: vaults with debt by health factor",
      "Liquidation-price clustering",
      "WETH (now $2,400)",
      "below HF 1 now",
      "99%: VaR",
      "95%: ES",
      "1,000 paths, seed 1",
    ]) {
      expect(stdout).to.contain(text);
    }
  });

  it("bad input fails before any chain call, naming the option", async function () {
    await book();
    // The option checks come before the deployment is even read...
    const missing = path.join(dir, "missing.json");
    const cases: [Record<string, string>, RegExp][] = [
      [{ paths: "99" }, /--paths 99 is below the minimum 100/],
      [{ paths: "ten" }, /--paths "ten" is not a whole number/],
      [{ seed: "-1" }, /--seed "-1" is not a whole number/],
      [{ horizonDays: "0" }, /--horizon-days 0 must be greater than zero/],
      [{ vol: "WETH=0" }, /--vol WETH=0: the volatility must be greater than zero/],
      [{ vol: "WETH=-0.5" }, /--vol WETH=-0.5: the volatility must be greater than zero/],
      [{ vol: "WETH" }, /--vol "WETH" is not SYMBOL=annualVol/],
      [{ vol: "WETH=abc" }, /--vol WETH "abc" is not a number/],
      [{ corr: "1" }, /--corr 1 is outside \(-1, 1\)/],
      [{ corr: "-1.5" }, /--corr -1.5 is outside \(-1, 1\)/],
      [{ corr: "0.5", corrMatrix: "x.json" }, /--corr and --corr-matrix exclude each other/],
      [{ corrMatrix: missing }, /--corr-matrix .*missing\.json: cannot read the file/],
      [{ saleDiscount: "1" }, /--sale-discount 1 is outside \[0, 1\)/],
    ];
    for (const [args, pattern] of cases) {
      await expectFailure(runTask(REPORT, { ...args, deployment: missing }), pattern);
    }
    // ...and the checks against the deployment's collaterals come before any call to the chain: with a
    // record of another chain, the option error wins over the chain-id mismatch.
    const foreign = path.join(dir, "foreign.json");
    writeFileSync(foreign, JSON.stringify({ ...JSON.parse(readFileSync(deploymentFile, "utf8")), chainId: "999" }));
    const notPd = path.join(dir, "not-pd.json");
    writeFileSync(
      notPd,
      JSON.stringify({
        assets: ["WETH", "WBTC", "LINK"],
        matrix: [
          [1, 0.9, -0.9],
          [0.9, 1, 0.9],
          [-0.9, 0.9, 1],
        ],
      }),
    );
    const partial = path.join(dir, "partial.json");
    writeFileSync(
      partial,
      JSON.stringify({
        assets: ["WETH", "WBTC"],
        matrix: [
          [1, 0.5],
          [0.5, 1],
        ],
      }),
    );
    const foreignCases: [Record<string, string>, RegExp][] = [
      [{ vol: "DOGE=1" }, /--vol DOGE: not a collateral of this deployment \(WETH, WBTC, LINK\)/],
      [{ vol: "USDC=0.1" }, /--vol USDC: the base asset is not shocked/],
      [{ corr: "-0.6" }, /--corr -0.6: matrix is not positive-definite/],
      [{ corrMatrix: notPd }, /--corr-matrix .*not-pd\.json: matrix is not positive-definite/],
      [{ corrMatrix: partial }, /--corr-matrix .*partial\.json: missing LINK/],
    ];
    const mark = await chainMark();
    for (const [args, pattern] of foreignCases) {
      await expectFailure(runTask(REPORT, { ...args, deployment: foreign }), pattern);
    }
    await expectFailure(runTask(REPORT, { deployment: foreign }), /is for chain 999/);
    expect(await chainMark()).to.equal(mark);
  });

  it("reads vaults through JSON-RPC batches exactly as through single calls; a refused batch is reported", async function () {
    const { s } = await book();
    // A JSON-RPC server in front of the in-process chain: answers batches (arrays) call by call.
    let batches = 0;
    let refuse = false;
    const server: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        const parsed = JSON.parse(body);
        if (!Array.isArray(parsed)) {
          const r = parsed as { id: number; method: string; params: unknown[] };
          let answer;
          try {
            answer = { jsonrpc: "2.0", id: r.id, result: await connection.provider.request(r) };
          } catch (e) {
            answer = {
              jsonrpc: "2.0",
              id: r.id,
              error: { code: 3, message: (e as Error).message, data: (e as { data?: unknown }).data },
            };
          }
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(answer));
          return;
        }
        if (refuse) {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "batch not allowed" } }));
          return;
        }
        batches++;
        const answers = await Promise.all(
          parsed.map(async (r: { id: number; method: string; params: unknown[] }) => {
            try {
              return { jsonrpc: "2.0", id: r.id, result: await connection.provider.request(r) };
            } catch (e) {
              const err = e as { code?: number; message: string; data?: unknown };
              return { jsonrpc: "2.0", id: r.id, error: { code: err.code ?? 3, message: err.message, data: err.data } };
            }
          }),
        );
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answers.reverse())); // out of order on purpose: matched by id
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ctx = await connectReadOnly(hre, await loadRecord(hre, deploymentFile));
      const block = await ethers.provider.getBlockNumber();
      const single = await readVaults(ctx, block, providerCaller(ctx, 4));
      const batched = await readVaults(ctx, block, httpBatchCaller(url, {}, 3, 2));
      expect(batches).to.equal(2); // 4 vaults in batches of 3
      expect(batched).to.deep.equal(single);
      // The read-only context over plain JSON-RPC (what an HTTP network such as Sepolia uses: no
      // Hardhat provider, so no account keys needed): same figures, single calls and batches.
      const overHttp = await connectReadOnly(hre, await loadRecord(hre, deploymentFile), { url, headers: {} });
      expect(overHttp.provider).to.not.equal(ctx.provider);
      expect(await readVaults(overHttp, block, providerCaller(overHttp, 4))).to.deep.equal(single);
      expect(await readVaults(overHttp, block, httpBatchCaller(overHttp.rpc!.url, {}, 100, 1))).to.deep.equal(single);
      expect(single.vaults.map((v) => v.id)).to.deep.equal([1n, 2n, 3n, 4n]);
      expect(single.vaults[0].debt).to.equal(
        await ethers.provider
          .call({ to: ctx.record.contracts.engine, data: ctx.engine.interface.encodeFunctionData("debtOf", [1n]) })
          .then(BigInt),
      );
      // A stale WETH feed: the WETH vaults cannot be priced and are reported, decoded, by both transports.
      await networkHelpers.time.increase(2 * 86400);
      for (const [symbol, usd] of [
        ["USDC", 1],
        ["WBTC", 60000],
        ["LINK", 15],
      ] as const) {
        await s.setPrice(symbol, usd);
      }
      const now = await ethers.provider.getBlockNumber();
      const ctx2 = ctx;
      const stale = await readVaults(ctx2, now, providerCaller(ctx2, 4));
      expect(stale.unpriced.map((u) => u.vault)).to.deep.equal([1n, 4n]);
      expect(stale.unpriced[0].reason).to.match(/^OracleFailed\(asset: 0x[0-9a-fA-F]{40}, reason: /);
      expect(await readVaults(ctx2, now, httpBatchCaller(url, {}, 3, 2))).to.deep.equal(stale);
      const out = await runJson(REPORT, { paths: "200" });
      expect(out.totals.unpriced.map((u: { vault: string }) => u.vault)).to.deep.equal(["1", "4"]);
      expect(out.totals.vaultsWithDebt).to.equal(2);
      expect(BigInt(out.totals.debt)).to.equal((await s.engine.debtOf(2n)) + (await s.engine.debtOf(3n)));

      refuse = true;
      let error: unknown;
      try {
        await readVaults(ctx2, now, httpBatchCaller(url, {}, 3, 2));
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(BatchUnsupported);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("documents every option in --help", async function () {
    const t = hre.tasks.getTask(REPORT);
    const names = [...t.options.keys()];
    for (const o of [
      "paths",
      "seed",
      "horizonDays",
      "vol",
      "corr",
      "corrMatrix",
      "saleDiscount",
      "json",
      "deployment",
    ]) {
      expect(names).to.include(o);
    }
    for (const o of t.options.values()) expect(o.description.length).to.be.greaterThan(10);
    expect(names).to.not.include("from"); // read-only: no acting account
  });
});

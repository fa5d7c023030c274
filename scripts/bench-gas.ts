// Interim `npm run bench:gas`: receipt gasUsed of steady-state engine and pool operations on the
// in-process network, printed as a table and written to reports/gas.json.
//   npx hardhat run scripts/bench-gas.ts
//
// Steady state: a first user warms every shared slot (pool ledger and index, per-asset debt
// attribution, token balances of engine and pool) and keeps debt outstanding against every
// collateral, so the second user's figures do not include one-off zero-to-non-zero writes of
// global storage. Every transaction is mined 12 s after the previous one (fixed timestamps), so
// each one accrues interest exactly like a live system, and the figures are reproducible.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ContractTransactionResponse } from "ethers";
import { MaxUint256 } from "ethers";
import { network } from "hardhat";
import { formatInteger, renderTable, toJson } from "./lib/format.js";
import { deployLocalSystem } from "./lib/local.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPORT = path.join(HERE, "..", "reports", "gas.json");
const BLOCK_TIME = 12;

const { ethers, networkHelpers, networkName } = await network.create();
const [deployer, lender, warm, user] = await ethers.getSigners();
const s = await deployLocalSystem(ethers, { deployer, networkName });
const { engine, pool } = s;
const addr = (symbol: string) => s.info[symbol].address;
const U = s.units;

let timestamp = BigInt(await networkHelpers.time.latest()) + 1000n;
/** Mines `tx` at the next fixed timestamp and returns its receipt's gasUsed. */
async function mined(tx: () => Promise<ContractTransactionResponse>): Promise<bigint> {
  timestamp += BigInt(BLOCK_TIME);
  await networkHelpers.time.setNextBlockTimestamp(timestamp);
  const receipt = await (await tx()).wait();
  if (receipt === null || receipt.status !== 1) throw new Error("transaction failed");
  return receipt.gasUsed;
}

// The simulated span (~10 minutes) stays well inside the feeds' 24 h staleness limit.
const everyone = { [s.baseSymbol]: "5000000", WETH: "10000", WBTC: "1000", LINK: "1000000" };
for (const who of [lender, warm, user]) await s.fund(who, everyone);
await mined(() => pool.connect(lender).deposit(U(s.baseSymbol, "2000000"), lender.address));

// ------------------------------------------------------------------ warm-up (first user)

const nextId = async () => (await engine.vaultCount()) + 1n;
const warmSingle = await nextId();
await mined(() => engine.connect(warm).openVault(warm.address));
await mined(() => engine.connect(warm).deposit(warmSingle, addr("WETH"), U("WETH", "20")));
await mined(() => engine.connect(warm).deposit(warmSingle, addr("WETH"), U("WETH", "5")));
await mined(() => engine.connect(warm).borrow(warmSingle, U(s.baseSymbol, "20000"), warm.address));
await mined(() => engine.connect(warm).repay(warmSingle, U(s.baseSymbol, "2000")));
await mined(() => engine.connect(warm).withdraw(warmSingle, addr("WETH"), U("WETH", "1"), warm.address));
const warmMulti = await nextId();
await mined(() => engine.connect(warm).openVault(warm.address));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("WETH"), U("WETH", "10")));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("WBTC"), U("WBTC", "1")));
await mined(() => engine.connect(warm).deposit(warmMulti, addr("LINK"), U("LINK", "2000")));
await mined(() => engine.connect(warm).borrow(warmMulti, U(s.baseSymbol, "30000"), warm.address));
await mined(() => pool.connect(warm).deposit(U(s.baseSymbol, "10000"), warm.address));
await mined(() => pool.connect(warm).withdraw(U(s.baseSymbol, "5000"), warm.address, warm.address));
// The first user keeps debt against WETH, WBTC and LINK: every shared slot stays non-zero.

// ------------------------------------------------------------------ measured (second user)

interface Measurement {
  operation: string;
  gas: bigint;
  note: string;
}
const results: Measurement[] = [];
const record = (operation: string, gas: bigint, note = "") => results.push({ operation, gas, note });
const asUser = engine.connect(user);

/** A view's cost two ways: eth_estimateGas (what the brief's budget uses) and a mined call. */
async function viewCost(label: string, id: bigint, note: string) {
  const estimate = await engine.healthFactor.estimateGas(id);
  record(`${label} (estimateGas)`, estimate, `${note}; incl. 21,000 intrinsic`);
  const used = await mined(() => engine.connect(user).healthFactor.send(id));
  record(`${label} (as tx)`, used, `${note}; receipt gasUsed, incl. 21,000 intrinsic`);
}

const v1 = await nextId();
record("openVault", await mined(() => asUser.openVault(user.address)), "new vault id");
record(
  "deposit_first",
  await mined(() => asUser.deposit(v1, addr("WETH"), U("WETH", "10"))),
  "WETH, first deposit into the vault",
);
record("deposit_topup", await mined(() => asUser.deposit(v1, addr("WETH"), U("WETH", "5"))), "WETH, same asset again");
record(
  "borrow",
  await mined(() => asUser.borrow(v1, U(s.baseSymbol, "10000"), user.address)),
  "1 collateral, first borrow of the vault",
);
await viewCost("healthFactor_1_collateral", v1, "view, vault with debt and 1 collateral");
record("repay_partial", await mined(() => asUser.repay(v1, U(s.baseSymbol, "2000"))), "2,000 of 10,000");
record(
  "withdraw_with_debt",
  await mined(() => asUser.withdraw(v1, addr("WETH"), U("WETH", "1"), user.address)),
  "partial, health check",
);
record("repay_full", await mined(() => asUser.repay(v1, MaxUint256)), "type(uint256).max");
record(
  "withdraw_no_debt",
  await mined(() => asUser.withdraw(v1, addr("WETH"), U("WETH", "1"), user.address)),
  "partial, no health check",
);
record(
  "pool_deposit",
  await mined(() => pool.connect(user).deposit(U(s.baseSymbol, "100000"), user.address)),
  "ERC-4626 deposit, lender's first shares",
);
record(
  "pool_withdraw",
  await mined(() => pool.connect(user).withdraw(U(s.baseSymbol, "50000"), user.address, user.address)),
  "ERC-4626 withdraw, partial",
);

const v3 = await nextId();
await mined(() => asUser.openVault(user.address));
await mined(() => asUser.deposit(v3, addr("WETH"), U("WETH", "10")));
await mined(() => asUser.deposit(v3, addr("WBTC"), U("WBTC", "1")));
await mined(() => asUser.deposit(v3, addr("LINK"), U("LINK", "2000")));
record(
  "borrow_3_collaterals",
  await mined(() => asUser.borrow(v3, U(s.baseSymbol, "10000"), user.address)),
  "WETH + WBTC + LINK, first borrow of the vault",
);
await viewCost("healthFactor_3_collaterals", v3, "view, vault with debt and 3 collaterals");

// Sanity: the measured flows did what they claim.
if ((await engine.debtOf(v1)) !== 0n) throw new Error("vault 1 should be debt-free");
if ((await engine.collateralsOf(v3)).length !== 3) throw new Error("vault 3 should hold 3 collaterals");

// ------------------------------------------------------------------ report

console.log(`Breakwater gas bench (network "${networkName}", receipt gasUsed, steady state)`);
console.log(
  renderTable(
    [{ header: "Operation" }, { header: "Gas", align: "right" }, { header: "Note" }],
    results.map((r) => [r.operation, formatInteger(r.gas), r.note]),
  ),
);
mkdirSync(path.dirname(REPORT), { recursive: true });
writeFileSync(
  REPORT,
  toJson({
    generatedAt: new Date().toISOString(),
    network: networkName,
    method: "receipt gasUsed on the in-process network; views: eth_estimateGas and a mined call",
    operations: results.map((r) => ({ operation: r.operation, gas: Number(r.gas), note: r.note })),
    gas: Object.fromEntries(results.map((r) => [r.operation, Number(r.gas)])),
  }) + "\n",
);
console.log(`\nWritten ${path.relative(process.cwd(), REPORT)}`);

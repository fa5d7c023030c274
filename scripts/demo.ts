// Interim `npm run demo` (until the cascade lab exists): the whole system on the in-process network,
// five vaults with different collateral mixes and leverage, then a WETH price slide that pushes some
// of them into margin shortfall, then a keeper that flags them, waits out the cure window, kicks
// Dutch auctions and buys the collateral at the oracle price.
//   npx hardhat run scripts/demo.ts
//   DEMO_JSON=1 npx hardhat run scripts/demo.ts          # JSON summary on stdout instead of tables
//   DEMO_JSON=out.json npx hardhat run scripts/demo.ts   # tables on stdout, JSON summary written to out.json
import { writeFileSync } from "node:fs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { formatUnits } from "ethers";
import { network } from "hardhat";
import {
  MAX_UINT256,
  SEPARATOR,
  WAD,
  formatHealthFactor,
  formatPercent,
  formatSignedPercent,
  formatTokenAmount,
  formatUnitsFixed,
  formatUsd,
  paint,
  ratePerSecondToApr,
  renderKeyValues,
  renderTable,
  shortAddress,
  toJson,
  type Row,
} from "./lib/format.js";
import { deployLocalSystem, type LocalSystem } from "./lib/local.js";

const started = Date.now();
const jsonSetting = process.env.DEMO_JSON;
const jsonToStdout = jsonSetting === "1" || jsonSetting === "true";
const jsonFile =
  jsonSetting !== undefined && jsonSetting !== "" && !jsonToStdout && jsonSetting !== "0" ? jsonSetting : undefined;
const say = (text = "") => {
  if (!jsonToStdout) console.log(text);
};

/** Collateral per vault (human amounts) and how much to borrow: a USDC amount or a fraction of max borrow. */
interface VaultPlan {
  owner: string;
  story: string;
  collateral: Record<string, string>;
  borrow: { usdc: string } | { fractionOfMax: bigint };
}

const PLANS: VaultPlan[] = [
  { owner: "alice", story: "conservative ETH holder", collateral: { WETH: "10" }, borrow: { usdc: "12000" } },
  { owner: "bob", story: "BTC + ETH, moderate", collateral: { WBTC: "2", WETH: "20" }, borrow: { usdc: "100000" } },
  { owner: "carol", story: "LINK + BTC, no ETH", collateral: { LINK: "5000", WBTC: "0.5" }, borrow: { usdc: "40000" } },
  {
    owner: "dave",
    story: "ETH-heavy, leveraged",
    collateral: { WETH: "50", LINK: "2000" },
    borrow: { usdc: "120000" },
  },
  // Borrowed to 98% of its borrowing power: maintenance HF ~1.08, the first to go.
  {
    owner: "erin",
    story: "ETH at the edge",
    collateral: { WETH: "30" },
    borrow: { fractionOfMax: (98n * WAD) / 100n },
  },
];
const SHOCK_SYMBOL = "WETH";
const STEPS = [-10n, -20n, -30n].map((pct) => ({ label: `${pct}%`, fraction: (pct * WAD) / 100n }));
const LENDER_SUPPLY = "1000000";

const { ethers, networkName, networkHelpers } = await network.create();
const signers = await ethers.getSigners();
const [deployer, lender] = signers;
const owners: Record<string, HardhatEthersSigner> = {};
PLANS.forEach((p, i) => (owners[p.owner] = signers[2 + i]));

const s: LocalSystem = await deployLocalSystem(ethers, { deployer, networkName });
const base = s.info[s.baseSymbol];
const symbolOf: Record<string, string> = {};
for (const [symbol, t] of Object.entries(s.info)) symbolOf[t.address.toLowerCase()] = symbol;
const nameOf: Record<string, string> = { [lender.address.toLowerCase()]: "lender" };
for (const [name, signer] of Object.entries(owners)) nameOf[signer.address.toLowerCase()] = name;

const baseAmount = (x: bigint, places = 2) => formatUnitsFixed(x, base.decimals, { places });
const price = (wad: bigint) => (wad === 0n ? "-" : formatUsd(wad, wad < 100n * WAD ? 4 : 2));

say(paint("Breakwater demo", "bold") + `  (network "${networkName}", ${s.collateralSymbols.length} collaterals)`);
say(
  renderKeyValues(
    Object.entries(s.record.contracts).map(([k, v]) => [k, v] as [string, string]),
    "  ",
  ),
);
say();

// ------------------------------------------------------------------ pool funding and vaults

await s.fund(lender, { [s.baseSymbol]: LENDER_SUPPLY });
await (await s.pool.connect(lender).deposit(s.units(s.baseSymbol, LENDER_SUPPLY), lender.address)).wait();
say(
  `Lender ${shortAddress(lender.address)} supplied ${formatTokenAmount(s.units(s.baseSymbol, LENDER_SUPPLY), base.decimals)} ${s.baseSymbol}.`,
);

const startPrices: Record<string, bigint> = {};
for (const symbol of [s.baseSymbol, ...s.collateralSymbols]) startPrices[symbol] = await s.feedPrice(symbol);
say(
  "Prices: " +
    [s.baseSymbol, ...s.collateralSymbols].map((sym) => `${sym} ${formatUsd(startPrices[sym], 2)}`).join(", "),
);
say();

interface OpenedVault {
  id: bigint;
  plan: VaultPlan;
  owner: HardhatEthersSigner;
}
const vaults: OpenedVault[] = [];
for (const plan of PLANS) {
  const owner = owners[plan.owner];
  await s.fund(owner, plan.collateral);
  await (await s.engine.connect(owner).openVault(owner.address)).wait();
  const id = await s.engine.vaultCount();
  for (const [symbol, amount] of Object.entries(plan.collateral)) {
    await (await s.engine.connect(owner).deposit(id, s.info[symbol].address, s.units(symbol, amount))).wait();
  }
  const amount =
    "usdc" in plan.borrow
      ? s.units(s.baseSymbol, plan.borrow.usdc)
      : ((await s.engine.maxBorrow(id)) * plan.borrow.fractionOfMax) / WAD;
  await (await s.engine.connect(owner).borrow(id, amount, owner.address)).wait();
  vaults.push({ id, plan, owner });
}

// ------------------------------------------------------------------ views

type Summary = Awaited<ReturnType<LocalSystem["lens"]["vaultSummary"]>>;

function hfCell(hf: bigint): string {
  const text = formatHealthFactor(hf);
  if (hf < WAD) return paint(text, "red");
  if (hf < (11n * WAD) / 10n) return paint(text, "yellow");
  return text;
}

function vaultJson(v: OpenedVault, sum: Summary) {
  return {
    id: Number(v.id),
    owner: sum.owner,
    ownerName: v.plan.owner,
    story: v.plan.story,
    debt: formatUnits(sum.debt, base.decimals),
    debtValueUsd: formatUnits(sum.debtValue, 18),
    collateralValueUsd: formatUnits(
      sum.collaterals.reduce((a, c) => a + c.value, 0n),
      18,
    ),
    borrowingPowerUsd: formatUnits(sum.borrowingPower, 18),
    maintenanceValueUsd: formatUnits(sum.maintenanceValue, 18),
    healthFactor: sum.healthFactor === MAX_UINT256 ? null : formatUnits(sum.healthFactor, 18),
    maxBorrow: formatUnits(sum.maxBorrow, base.decimals),
    marginShortfall: sum.marginShortfall,
    collaterals: sum.collaterals.map((c) => {
      const symbol = symbolOf[c.asset.toLowerCase()];
      return {
        symbol,
        amount: formatUnits(c.amount, s.info[symbol].decimals),
        priceUsd: formatUnits(c.price, 18),
        valueUsd: formatUnits(c.value, 18),
        initialHaircut: formatUnits(c.initialHaircut, 18),
        maintenanceHaircut: formatUnits(c.maintenanceHaircut, 18),
        liquidationPriceUsd: c.liquidationPrice === 0n ? null : formatUnits(c.liquidationPrice, 18),
      };
    }),
  };
}

function vaultTable(rows: { v: OpenedVault; sum: Summary }[]): string {
  const out: Row[] = [];
  rows.forEach(({ v, sum }, n) => {
    if (n > 0) out.push(SEPARATOR);
    const collateralValue = sum.collaterals.reduce((a, c) => a + c.value, 0n);
    const ltv = collateralValue === 0n ? 0n : (sum.debtValue * WAD) / collateralValue;
    sum.collaterals.forEach((c, i) => {
      const symbol = symbolOf[c.asset.toLowerCase()];
      const first = i === 0;
      out.push([
        first ? `#${v.id}` : "",
        first ? `${shortAddress(sum.owner)} ${v.plan.owner}` : "",
        symbol,
        formatTokenAmount(c.amount, s.info[symbol].decimals),
        price(c.price),
        formatUsd(c.value, 0),
        formatPercent(c.maintenanceHaircut, 1),
        price(c.liquidationPrice),
        first ? baseAmount(sum.debt) : "",
        first ? formatPercent(ltv, 1) : "",
        first ? hfCell(sum.healthFactor) : "",
        first ? baseAmount(sum.maxBorrow) : "",
      ]);
    });
  });
  return renderTable(
    [
      { header: "Vault" },
      { header: "Owner" },
      { header: "Collateral" },
      { header: "Amount", align: "right" },
      { header: "Price", align: "right" },
      { header: "Value", align: "right" },
      { header: "Maint. haircut", align: "right" },
      { header: "Liq. price", align: "right" },
      { header: `Debt (${s.baseSymbol})`, align: "right" },
      { header: "LTV", align: "right" },
      { header: "HF", align: "right" },
      { header: `Max borrow (${s.baseSymbol})`, align: "right" },
    ],
    out,
  );
}

async function poolState() {
  const [cash, debt, util, borrowRate, supplyRate, totalAssets, totalSupply] = await Promise.all([
    s.pool.cash(),
    s.pool.totalDebt(),
    s.pool.utilisation(),
    s.pool.borrowRatePerSecond(),
    s.pool.supplyRatePerSecond(),
    s.pool.totalAssets(),
    s.pool.totalSupply(),
  ]);
  return {
    cash,
    totalDebt: debt,
    totalAssets,
    totalSupply,
    utilisation: util,
    borrowApr: ratePerSecondToApr(borrowRate),
    supplyApr: ratePerSecondToApr(supplyRate),
  };
}
type PoolState = Awaited<ReturnType<typeof poolState>>;

function poolLines(p: PoolState): string {
  return renderKeyValues([
    ["Cash", `${baseAmount(p.cash)} ${s.baseSymbol}`],
    ["Total debt", `${baseAmount(p.totalDebt)} ${s.baseSymbol}`],
    ["Total assets", `${baseAmount(p.totalAssets)} ${s.baseSymbol}`],
    ["Utilisation", formatPercent(p.utilisation)],
    ["Borrow APR", formatPercent(p.borrowApr)],
    ["Supply APR", formatPercent(p.supplyApr) + "  (net of the reserve factor)"],
  ]);
}

function poolJson(p: PoolState) {
  return {
    cash: formatUnits(p.cash, base.decimals),
    totalDebt: formatUnits(p.totalDebt, base.decimals),
    totalAssets: formatUnits(p.totalAssets, base.decimals),
    utilisationPct: formatUnits(p.utilisation * 100n, 18),
    borrowAprPct: formatUnits(p.borrowApr * 100n, 18),
    supplyAprPct: formatUnits(p.supplyApr * 100n, 18),
  };
}

// ------------------------------------------------------------------ initial state

const initial = await Promise.all(vaults.map(async (v) => ({ v, sum: await s.lens.vaultSummary(v.id) })));
say(paint("Vaults", "bold") + "  (values in USD; HF under maintenance haircuts, < 1 = margin shortfall)");
say(vaultTable(initial));
say(
  "  Liq. price: price of that collateral at which HF reaches 1, other prices fixed;" +
    " - = no price of it alone can make the vault unhealthy.",
);
say("  Volatility add-ons are zero until the oracle tracker is poked (not done here).");
say();
for (const { v } of initial) say(`  #${v.id} ${v.plan.owner}: ${v.plan.story}`);
say();
const poolBefore = await poolState();
say(paint("Pool", "bold"));
say(poolLines(poolBefore));
say();

// ------------------------------------------------------------------ price slide

const shockAddress = s.info[SHOCK_SYMBOL].address;
const hfPath: Record<string, bigint[]> = {};
for (const { v, sum } of initial) hfPath[v.id.toString()] = [sum.healthFactor];
const since: Record<string, string> = {};
const stepsJson = [];
const stepPrices: bigint[] = [startPrices[SHOCK_SYMBOL]];

for (const step of STEPS) {
  const newPrice = await s.movePriceFrom(SHOCK_SYMBOL, startPrices[SHOCK_SYMBOL], step.fraction);
  stepPrices.push(newPrice);
  const rows: Row[] = [];
  const stepVaults = [];
  const newlyShort: bigint[] = [];
  for (const v of vaults) {
    const [hf, shortfall, liq, held] = await Promise.all([
      s.engine.healthFactor(v.id),
      s.engine.isMarginShortfall(v.id),
      s.lens.liquidationPrice(v.id, shockAddress),
      s.engine.collateralAmount(v.id, shockAddress),
    ]);
    const key = v.id.toString();
    const start = hfPath[key][0];
    hfPath[key].push(hf);
    if (shortfall && since[key] === undefined) {
      since[key] = step.label;
      newlyShort.push(v.id);
    }
    const status = shortfall
      ? paint(since[key] === step.label ? "MARGIN SHORTFALL (new)" : "MARGIN SHORTFALL", "red")
      : hf < (11n * WAD) / 10n
        ? paint("at risk (HF < 1.10)", "yellow")
        : "ok";
    rows.push([
      `#${v.id}`,
      v.plan.owner,
      held === 0n ? "-" : formatTokenAmount(held, s.info[SHOCK_SYMBOL].decimals),
      price(liq),
      hfCell(hf),
      start === MAX_UINT256 ? "" : formatSignedPercent(((hf - start) * WAD) / start, 1),
      status,
    ]);
    stepVaults.push({
      id: Number(v.id),
      healthFactor: hf === MAX_UINT256 ? null : formatUnits(hf, 18),
      marginShortfall: shortfall,
      liquidationPriceUsd: liq === 0n ? null : formatUnits(liq, 18),
    });
  }
  say(
    paint(`${SHOCK_SYMBOL} ${step.label}`, "bold") +
      `  ${formatUsd(startPrices[SHOCK_SYMBOL])} -> ${formatUsd(newPrice)}` +
      (newlyShort.length > 0
        ? "   " + paint(`newly liquidatable: ${newlyShort.map((i) => `#${i}`).join(", ")}`, "red")
        : ""),
  );
  say(
    renderTable(
      [
        { header: "Vault" },
        { header: "Owner" },
        { header: `${SHOCK_SYMBOL} held`, align: "right" },
        { header: `${SHOCK_SYMBOL} liq. price`, align: "right" },
        { header: "HF", align: "right" },
        { header: "HF vs start", align: "right" },
        { header: "Status" },
      ],
      rows,
    ),
  );
  say();
  stepsJson.push({ label: step.label, symbol: SHOCK_SYMBOL, priceUsd: formatUnits(newPrice, 18), vaults: stepVaults });
}

// ------------------------------------------------------------------ closing summary

say(paint(`Health factor path as ${SHOCK_SYMBOL} falls`, "bold"));
say(
  renderTable(
    [
      { header: "Vault" },
      { header: "Owner" },
      { header: `start ${formatUsd(stepPrices[0], 0)}`, align: "right" },
      ...STEPS.map((st, i) => ({ header: `${st.label} ${formatUsd(stepPrices[i + 1], 0)}`, align: "right" as const })),
    ],
    vaults.map((v) => [`#${v.id}`, v.plan.owner, ...hfPath[v.id.toString()].map(hfCell)]),
  ),
);
say();

const poolAfter = await poolState();
say(paint("Pool (end)", "bold"));
say(poolLines(poolAfter));
say();

const finalSummaries = await Promise.all(vaults.map(async (v) => ({ v, sum: await s.lens.vaultSummary(v.id) })));
const shortfalls = finalSummaries.filter(({ sum }) => sum.marginShortfall);
if (shortfalls.length === 0) throw new Error("demo invariant: no vault reached margin shortfall");
const closing = shortfalls.map(
  ({ v, sum }) =>
    `vault ${v.id} is now in margin shortfall: HF ${formatHealthFactor(sum.healthFactor)} < 1` +
    ` (since ${SHOCK_SYMBOL} ${since[v.id.toString()]})`,
);
for (const line of closing) say(paint(line, "red"));
say();

// ---------------------------------------------------------------------------------------------
// Liquidation: a keeper flags each vault in shortfall, waits out the cure window, kicks an auction
// of the shocked collateral and buys the lot once the auction price has fallen to the oracle price.
const keeper = signers[2 + PLANS.length];
await s.fund(keeper, { [s.baseSymbol]: "1000000" });
const auctionHouseAddress = await s.auctionHouse.getAddress();
await s.tokens[s.baseSymbol].connect(keeper).approve(auctionHouseAddress, MAX_UINT256);
// Seed the insurance fund so it can pay keeper incentives.
await s.tokens[s.baseSymbol]
  .connect(keeper)
  .transfer(await s.insuranceFund.getAddress(), s.units(s.baseSymbol, "10000"));
const params = await s.auctionHouse.auctionParameters();
say(paint(`Keeper ${shortAddress(keeper.address)} liquidates (cure window ${params.cureWindow} s)`, "bold"));
for (const { v } of shortfalls) await s.engine.connect(keeper).flagMarginCall(v.id);
await networkHelpers.time.increase(Number(params.cureWindow) + 1);
for (const symbol of [s.baseSymbol, ...s.collateralSymbols])
  await s.setPrice(symbol, formatUnits(await s.feedPrice(symbol), 18));
const liquidations = [];
const badDebts = [];
// Runs one auction of `asset` in vault `id`: kick, wait for the Dutch price to reach the oracle price, buy it all.
async function auctionOnce(id: bigint, symbol: string) {
  const asset = await s.tokens[symbol].getAddress();
  const auctionId = (await s.auctionHouse.auctionCount()) + 1n;
  const hfBefore = await s.engine.healthFactor(id);
  const debtBefore = await s.engine.debtOf(id);
  await s.auctionHouse.connect(keeper).kick(id, asset, keeper.address);
  const started = await s.auctionHouse.auctionStatus(auctionId);
  const oraclePrice = ((await s.feedPrice(symbol)) * WAD) / (await s.feedPrice(s.baseSymbol));
  let status = started;
  while (status.price > oraclePrice) {
    await networkHelpers.time.increase(60);
    status = await s.auctionHouse.auctionStatus(auctionId);
  }
  const baseBefore = await s.tokens[s.baseSymbol].balanceOf(keeper.address);
  await s.auctionHouse.connect(keeper).take(auctionId, status.lot, status.price, keeper.address, "0x");
  const paid = baseBefore - (await s.tokens[s.baseSymbol].balanceOf(keeper.address));
  const hfAfter = await s.engine.healthFactor(id);
  return {
    id,
    symbol,
    auctionId,
    started,
    status,
    paid,
    hfBefore,
    hfAfter,
    debtBefore,
    debtAfter: await s.engine.debtOf(id),
  };
}
for (const { v } of shortfalls) {
  // Collateral by collateral, largest value first, until the vault is healthy or has nothing left.
  while ((await s.engine.healthFactor(v.id)) < WAD) {
    const held = (await s.lens.vaultSummary(v.id)).collaterals;
    if (held.length === 0) break;
    const largest = [...held].sort((a, b) => (b.value > a.value ? 1 : b.value < a.value ? -1 : 0))[0];
    const symbol = Object.keys(s.info).find((k) => s.info[k].address === largest.asset)!;
    liquidations.push(await auctionOnce(v.id, symbol));
  }
  if ((await s.engine.collateralsOf(v.id)).length === 0 && (await s.engine.debtOf(v.id)) > 0n) {
    const debt = await s.engine.debtOf(v.id);
    const tx = await s.engine.connect(keeper).realiseBadDebt(v.id);
    const receipt = await tx.wait();
    const event = receipt!.logs
      .map((log) => s.engine.interface.parseLog(log))
      .find((e) => e?.name === "BadDebtRealised");
    badDebts.push({
      id: v.id,
      debt,
      covered: event!.args.covered as bigint,
      socialised: event!.args.socialised as bigint,
    });
  }
}
say(
  renderTable(
    [
      { header: "Vault" },
      { header: "Auction" },
      { header: "Lot", align: "right" },
      { header: "Tab (USDC)", align: "right" },
      { header: "Start price", align: "right" },
      { header: "Bought at", align: "right" },
      { header: "Paid (USDC)", align: "right" },
      { header: "Debt before", align: "right" },
      { header: "Debt after", align: "right" },
      { header: "HF before", align: "right" },
      { header: "HF after", align: "right" },
    ],
    liquidations.map((l) => [
      `#${l.id}`,
      `#${l.auctionId}`,
      `${formatTokenAmount(l.started.lot, s.info[l.symbol].decimals)} ${l.symbol}`,
      formatTokenAmount(l.started.tab, s.info[s.baseSymbol].decimals),
      formatUsd(l.started.price),
      formatUsd(l.status.price),
      formatTokenAmount(l.paid, s.info[s.baseSymbol].decimals),
      formatTokenAmount(l.debtBefore, s.info[s.baseSymbol].decimals),
      formatTokenAmount(l.debtAfter, s.info[s.baseSymbol].decimals),
      formatHealthFactor(l.hfBefore),
      formatHealthFactor(l.hfAfter),
    ]),
  ),
);
for (const b of badDebts) {
  const fmt = (x: bigint) => formatTokenAmount(x, s.info[s.baseSymbol].decimals);
  say(
    paint(
      `vault ${b.id} has no collateral left but owes ${fmt(b.debt)} USDC: bad debt realised, ` +
        `${fmt(b.covered)} covered by the insurance fund, ${fmt(b.socialised)} socialised to lenders`,
      "yellow",
    ),
  );
}
for (const { v } of shortfalls) {
  const hf = await s.engine.healthFactor(v.id);
  if (hf < WAD) throw new Error(`demo invariant: vault ${v.id} still unhealthy (HF ${formatHealthFactor(hf)})`);
}
say(paint("Every vault that was in shortfall is healthy again or closed out.", "green"));
const healthy = finalSummaries.length - shortfalls.length;
say(
  `${healthy} of ${finalSummaries.length} vaults never needed liquidation. Done in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
);

const summary = {
  network: networkName,
  contracts: s.record.contracts,
  baseAsset: s.baseSymbol,
  startPricesUsd: Object.fromEntries(Object.entries(startPrices).map(([k, v]) => [k, formatUnits(v, 18)])),
  lenderSupply: LENDER_SUPPLY,
  vaults: initial.map(({ v, sum }) => vaultJson(v, sum)),
  poolBefore: poolJson(poolBefore),
  shock: { symbol: SHOCK_SYMBOL, steps: stepsJson },
  poolAfter: poolJson(poolAfter),
  marginShortfall: shortfalls.map(({ v, sum }) => ({
    id: Number(v.id),
    owner: v.plan.owner,
    healthFactor: formatUnits(sum.healthFactor, 18),
    since: since[v.id.toString()],
  })),
  closing,
  liquidations: liquidations.map((l) => ({
    vault: Number(l.id),
    auction: Number(l.auctionId),
    asset: l.symbol,
    lot: formatUnits(l.started.lot, s.info[l.symbol].decimals),
    tab: formatUnits(l.started.tab, s.info[s.baseSymbol].decimals),
    boughtAt: formatUnits(l.status.price, 18),
    paid: formatUnits(l.paid, s.info[s.baseSymbol].decimals),
    healthFactorBefore: formatUnits(l.hfBefore, 18),
    healthFactorAfter: formatUnits(l.hfAfter, 18),
  })),
  badDebt: badDebts.map((b) => ({
    vault: Number(b.id),
    debt: formatUnits(b.debt, s.info[s.baseSymbol].decimals),
    covered: formatUnits(b.covered, s.info[s.baseSymbol].decimals),
    socialised: formatUnits(b.socialised, s.info[s.baseSymbol].decimals),
  })),
  elapsedSeconds: (Date.now() - started) / 1000,
};
if (jsonToStdout) console.log(toJson(summary));
if (jsonFile !== undefined) {
  writeFileSync(jsonFile, toJson(summary) + "\n");
  say(`JSON summary written to ${jsonFile}`);
}
void deployer;

// Risk tasks: `risk report`.
import { emptyTask, task } from "hardhat/config";
import { DEPLOYMENT_ENV } from "./lib/context.js";

const actions = () => import("./actions/risk.js");

export const riskTasks = [
  emptyTask("risk", "Risk team: read-only risk report of a deployment").build(),

  // Read-only: --deployment and --json as every task, but no --from (it sends nothing and needs no account).
  task(
    ["risk", "report"],
    "Total debt and collateral, leverage distribution, liquidation-price clustering, vaults below HF 1, " +
      "and VaR / expected shortfall of bad debt (95%, 99%) from correlated Monte-Carlo price shocks",
  )
    .addOption({
      name: "paths",
      description: "Monte-Carlo paths (at least 100)",
      defaultValue: "10000",
    })
    .addOption({
      name: "seed",
      description: "Seed of the random numbers: same seed, same figures",
      defaultValue: "1",
    })
    .addOption({
      name: "horizonDays",
      description: "Horizon of the price shock in days, e.g. 1 or 0.25",
      defaultValue: "1",
    })
    .addOption({
      name: "vol",
      description:
        'Annualised volatility per collateral, e.g. "WETH=0.8,WBTC=60%" (defaults: ETH-like 80%, BTC-like 60%, ' +
        "stablecoins 5%, others 100%); the base asset stays at its oracle price",
      defaultValue: "",
    })
    .addOption({
      name: "corr",
      description: "One correlation for every pair of collaterals, in (-1, 1); 0.7 unless --corr-matrix is given",
      defaultValue: "",
    })
    .addOption({
      name: "corrMatrix",
      description:
        'JSON file {"assets": ["WETH", ...], "matrix": [[1, 0.8, ...], ...]} with a row for every collateral ' +
        "(positive-definite; excludes --corr)",
      defaultValue: "",
    })
    .addOption({
      name: "saleDiscount",
      description:
        'Bad debt counts the collateral at its shocked market value x (1 - discount), e.g. "0.08" for an ' +
        "8% liquidation discount (0: the full market value)",
      defaultValue: "0",
    })
    .addOption({
      name: "concurrency",
      description: "Vault reads (eth_call) in flight at once; lower it for a rate-limited RPC",
      defaultValue: "32",
    })
    .addOption({
      name: "batchSize",
      description:
        "On HTTP networks, vault reads per JSON-RPC batch request (falls back to single calls if the RPC " +
        "refuses batches; 0: single calls)",
      defaultValue: "100",
    })
    .addOption({
      name: "deployment",
      description: `Deployment file (default: $${DEPLOYMENT_ENV}, else deployments/<network>.json)`,
      defaultValue: "",
    })
    .addFlag({ name: "json", description: "Print JSON instead of a table" })
    .setAction(async () => ({ default: (await actions()).report }))
    .build(),
];

// Lender tasks: `pool deposit|withdraw|show`.
import { emptyTask, task } from "hardhat/config";
import { withCommon } from "./lib/define.js";

const actions = () => import("./actions/pool.js");

export const poolTasks = [
  emptyTask("pool", "Lender: deposit into and withdraw from the lending pool, show rates").build(),

  withCommon(
    task(["pool", "deposit"], "Deposit the base asset into the pool for shares (approves the pool if needed)")
      .addPositionalArgument({ name: "amount", description: 'Amount, e.g. "2500 USDC"' })
      .addOption({ name: "to", description: "Receiver of the shares (default: the acting account)", defaultValue: "" }),
  )
    .setAction(async () => ({ default: (await actions()).deposit }))
    .build(),

  withCommon(
    task(["pool", "withdraw"], "Withdraw the base asset from the pool")
      .addPositionalArgument({
        name: "amount",
        description: 'Amount, e.g. "1000 USDC", or "max" (redeems every share)',
      })
      .addOption({ name: "to", description: "Receiver (default: the acting account)", defaultValue: "" }),
  )
    .setAction(async () => ({ default: (await actions()).withdraw }))
    .build(),

  withCommon(
    task(["pool", "show"], "Show the pool: assets, utilisation, rates, share price, an account's position").addOption({
      name: "account",
      description: "Account whose position to show (default: the acting account)",
      defaultValue: "",
    }),
  )
    .setAction(async () => ({ default: (await actions()).show }))
    .build(),
];

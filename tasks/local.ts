// Local-chain tasks: `local set-price|fund|advance-time`. They refuse non-local deployments.
import { emptyTask, task } from "hardhat/config";
import { withCommon } from "./lib/define.js";

const actions = () => import("./actions/local.js");

export const localTasks = [
  emptyTask("local", "Local chains only: set mock price feeds, mint mock tokens, advance time").build(),

  withCommon(
    task(["local", "set-price"], "Set a mock Chainlink feed (MockV3Aggregator) to a USD price")
      .addPositionalArgument({ name: "asset", description: "Token symbol or address (base asset included)" })
      .addPositionalArgument({ name: "price", description: 'USD price, e.g. "2500" or "$2,500.50"' }),
  )
    .setAction(async () => ({ default: (await actions()).setPrice }))
    .build(),

  withCommon(
    task(["local", "fund"], "Mint mock tokens to an account")
      .addPositionalArgument({ name: "account", description: "Address, or index among the configured accounts" })
      .addVariadicArgument({ name: "amounts", description: 'Amounts with symbols, e.g. "10000 USDC" "5 WETH"' }),
  )
    .setAction(async () => ({ default: (await actions()).fund }))
    .build(),

  withCommon(
    task(["local", "advance-time"], "Advance the chain's clock and mine a block")
      .addPositionalArgument({ name: "duration", description: 'e.g. "600", "15m", "2h", "1d"' })
      .addFlag({ name: "refreshFeeds", description: "Re-post every mock feed's answer afterwards (not stale)" }),
  )
    .setAction(async () => ({ default: (await actions()).advanceTime }))
    .build(),
];

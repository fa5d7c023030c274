// Guardian tasks: `guardian pause|unpause|freeze|unfreeze|trip|clear-trip|show`.
import { emptyTask, task } from "hardhat/config";
import { withCommon } from "./lib/define.js";

const actions = () => import("./actions/guardian.js");

const ACTION_LIST = "Deposit, Withdraw, Borrow, Kick, Take, PoolDeposit or PoolWithdraw";
const EXECUTE = {
  name: "execute",
  description:
    "Execute the call scheduled earlier through the access manager (timelocked role), once its delay has passed",
} as const;

export const guardianTasks = [
  emptyTask("guardian", "Guardian: pause actions, freeze assets, trip and clear breakers, show breaker state").build(),

  withCommon(
    task(["guardian", "pause"], "Pause an action for a while (guardian role)")
      .addPositionalArgument({ name: "action", description: ACTION_LIST })
      .addOption({ name: "duration", description: 'e.g. "3600", "6h", "2d" (default: the maximum)', defaultValue: "" })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).pause }))
    .build(),

  withCommon(
    task(["guardian", "unpause"], "Lift a pause early (governance: admin role, timelocked when delayed)")
      .addPositionalArgument({ name: "action", description: ACTION_LIST })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).unpause }))
    .build(),

  withCommon(
    task(["guardian", "freeze"], "Freeze a collateral: no new deposits of or borrowing against it (guardian role)")
      .addPositionalArgument({ name: "asset", description: "Collateral symbol or address" })
      .addOption({ name: "duration", description: 'e.g. "3600", "6h", "2d" (default: the maximum)', defaultValue: "" })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).freeze }))
    .build(),

  withCommon(
    task(["guardian", "unfreeze"], "Lift a freeze early (governance: admin role, timelocked when delayed)")
      .addPositionalArgument({ name: "asset", description: "Collateral symbol or address" })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).unfreeze }))
    .build(),

  withCommon(
    task(
      ["guardian", "trip"],
      "Trip an asset's price-drop breaker (anyone; only after a large enough drop)",
    ).addPositionalArgument({
      name: "asset",
      description: "Collateral symbol or address",
    }),
  )
    .setAction(async () => ({ default: (await actions()).trip }))
    .build(),

  withCommon(
    task(["guardian", "clear-trip"], "Clear a tripped price-drop breaker early (governance: admin role)")
      .addPositionalArgument({ name: "asset", description: "Collateral symbol or address" })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).clearTrip }))
    .build(),

  withCommon(task(["guardian", "show"], "Show the circuit breaker: pauses, freezes, trips, oracle failures, throttle"))
    .setAction(async () => ({ default: (await actions()).show }))
    .build(),
];

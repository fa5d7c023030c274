// Governance tasks: `gov set-*` for every risk parameter, `gov execute`, `gov show`. Calls go through
// OpenZeppelin's AccessManager: directly when the account's role has no delay, else scheduled (and
// executed with --execute once the delay has passed). Roles: deploy/breakwater.ts.
import { emptyTask, task } from "hardhat/config";
import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";
import { withCommon } from "./lib/define.js";
import { SETTERS, type SetterSpec } from "./lib/params.js";

const actions = () => import("./actions/gov.js");

const EXECUTE = {
  name: "execute",
  description: "Execute the call scheduled earlier (timelocked role) once its delay has passed",
} as const;

function setterTask(spec: SetterSpec) {
  let b: NewTaskDefinitionBuilder<TaskArguments> = task(["gov", spec.id], spec.description);
  if (spec.perAsset) b = b.addPositionalArgument({ name: "asset", description: "Collateral symbol or address" });
  for (const f of spec.fields) {
    b = b.addOption({ name: f.name, description: `${f.description} (default: unchanged)`, defaultValue: "" });
  }
  return withCommon(b.addFlag(EXECUTE))
    .setAction(async () => ({ default: (await actions()).setter(spec.id) }))
    .build();
}

export const govTasks = [
  emptyTask("gov", "Governance: set risk parameters through the AccessManager (timelock), show them").build(),
  ...SETTERS.map(setterTask),

  withCommon(
    task(["gov", "set-min-debt"], "Set the minimum vault debt (engine.setMinDebt)")
      .addPositionalArgument({ name: "value", description: 'Amount in the base asset, e.g. "100 USDC"' })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).setMinDebt }))
    .build(),

  withCommon(
    task(
      ["gov", "set-max-collaterals"],
      "Set the max number of collaterals per vault (engine.setMaxCollateralsPerVault)",
    )
      .addPositionalArgument({ name: "value", description: "A positive integer" })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).setMaxCollaterals }))
    .build(),

  withCommon(
    task(["gov", "set-reserve-factor"], "Set the pool's reserve factor (pool.setReserveFactor)")
      .addPositionalArgument({
        name: "value",
        description: 'Share of interest to the insurance fund, e.g. "0.1" or "10%"',
      })
      .addFlag(EXECUTE),
  )
    .setAction(async () => ({ default: (await actions()).setReserveFactor }))
    .build(),

  withCommon(
    task(["gov", "execute"], "Execute a call scheduled through the AccessManager once its delay has passed")
      .addPositionalArgument({ name: "target", description: "Target contract address" })
      .addPositionalArgument({ name: "data", description: "Calldata (as printed when scheduling)" }),
  )
    .setAction(async () => ({ default: (await actions()).execute }))
    .build(),

  withCommon(task(["gov", "show"], "Show every governance parameter and the acting account's roles"))
    .setAction(async () => ({ default: (await actions()).show }))
    .build(),
];

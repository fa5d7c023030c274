// Options shared by every Breakwater task.
import type { NewTaskDefinitionBuilder, TaskArguments } from "hardhat/types/tasks";
import { DEPLOYMENT_ENV } from "./context.js";

/** Adds --deployment, --from and --json. Call after the task's own arguments, before setAction. */
export function withCommon<A extends TaskArguments>(builder: NewTaskDefinitionBuilder<A, "MISSING_ACTION">) {
  return builder
    .addOption({
      name: "deployment",
      description: `Deployment file (default: $${DEPLOYMENT_ENV}, else deployments/<network>.json)`,
      defaultValue: "",
    })
    .addOption({
      name: "from",
      description: "Acting account: index among the configured accounts, or address (default: the first)",
      defaultValue: "",
    })
    .addFlag({ name: "json", description: "Print JSON instead of a table" });
}

// Every Breakwater task, registered in hardhat.config.ts (`tasks: breakwaterTasks`). Actions are
// lazy-loaded from tasks/actions/, so `npx hardhat --help` stays fast.
import { govTasks } from "./gov.js";
import { guardianTasks } from "./guardian.js";
import { keeperTasks } from "./keeper.js";
import { localTasks } from "./local.js";
import { poolTasks } from "./pool.js";
import { riskTasks } from "./risk.js";
import { vaultTasks } from "./vault.js";

export const breakwaterTasks = [
  ...vaultTasks,
  ...poolTasks,
  ...keeperTasks,
  ...guardianTasks,
  ...govTasks,
  ...localTasks,
  ...riskTasks,
];

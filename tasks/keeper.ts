// Keeper tasks: `keeper list|flag|kick|take|reset|realise-bad-debt|run`.
import { emptyTask, task } from "hardhat/config";
import { withCommon } from "./lib/define.js";

const actions = () => import("./actions/keeper.js");

export const keeperTasks = [
  emptyTask("keeper", "Keeper: find and liquidate unhealthy vaults, or run the keeper bot").build(),

  withCommon(task(["keeper", "list"], "List vaults below HF 1 (with what blocks a kick) and open auctions"))
    .setAction(async () => ({ default: (await actions()).list }))
    .build(),

  withCommon(
    task(
      ["keeper", "flag"],
      "Flag the margin call of a vault below HF 1 (starts its cure window)",
    ).addPositionalArgument({
      name: "vault",
      description: "Vault id",
    }),
  )
    .setAction(async () => ({ default: (await actions()).flag }))
    .build(),

  withCommon(
    task(["keeper", "kick"], "Start a liquidation auction of one collateral of a vault")
      .addPositionalArgument({ name: "vault", description: "Vault id" })
      .addOption({
        name: "asset",
        description: "Collateral to auction (default: the first kickable one)",
        defaultValue: "",
      })
      .addOption({
        name: "keeper",
        description: "Receiver of the keeper reward (default: the acting account)",
        defaultValue: "",
      }),
  )
    .setAction(async () => ({ default: (await actions()).kick }))
    .build(),

  withCommon(
    task(["keeper", "take"], "Buy collateral from an auction at its current price (approves the auction house)")
      .addPositionalArgument({ name: "auction", description: "Auction id" })
      .addOption({
        name: "amount",
        description: 'Collateral to buy, e.g. "0.5 WETH" (default: the whole lot)',
        defaultValue: "",
      })
      .addOption({
        name: "maxPrice",
        description: "Highest price per token in the base asset (default: the current price)",
        defaultValue: "",
      })
      .addOption({
        name: "to",
        description: "Receiver of the collateral (default: the acting account)",
        defaultValue: "",
      }),
  )
    .setAction(async () => ({ default: (await actions()).take }))
    .build(),

  withCommon(
    task(["keeper", "reset"], "Restart an auction that ran too long or fell too far")
      .addPositionalArgument({ name: "auction", description: "Auction id" })
      .addOption({
        name: "keeper",
        description: "Receiver of the keeper reward (default: the acting account)",
        defaultValue: "",
      }),
  )
    .setAction(async () => ({ default: (await actions()).reset }))
    .build(),

  withCommon(
    task(
      ["keeper", "realise-bad-debt"],
      "Realise the bad debt of a vault with debt and no collateral",
    ).addPositionalArgument({
      name: "vault",
      description: "Vault id",
    }),
  )
    .setAction(async () => ({ default: (await actions()).realiseBadDebt }))
    .build(),

  withCommon(
    task(
      ["keeper", "run"],
      "Run the keeper bot: flag, kick, take when profitable, reset, realise bad debt; Ctrl-C stops it",
    )
      .addFlag({ name: "once", description: "Run a single pass and exit" })
      .addOption({ name: "interval", description: "Pause between passes [ms]", defaultValue: "5000" })
      .addOption({
        name: "minProfitBps",
        description: "Take only below market price x (1 - bps / 10,000)",
        defaultValue: "100",
      }),
  )
    .setAction(async () => ({ default: (await actions()).run }))
    .build(),
];

// Borrower tasks: `vault open|deposit|withdraw|borrow|repay|show|list`.
import { emptyTask, task } from "hardhat/config";
import { withCommon } from "./lib/define.js";

const actions = () => import("./actions/vault.js");

export const vaultTasks = [
  emptyTask("vault", "Borrower: open vaults, deposit and withdraw collateral, borrow and repay").build(),

  withCommon(
    task(["vault", "open"], "Open an empty vault").addOption({
      name: "owner",
      description: "Owner of the new vault (default: the acting account)",
      defaultValue: "",
    }),
  )
    .setAction(async () => ({ default: (await actions()).open }))
    .build(),

  withCommon(
    task(["vault", "deposit"], "Deposit collateral into a vault (approves the engine if needed)")
      .addPositionalArgument({ name: "vault", description: "Vault id" })
      .addPositionalArgument({ name: "amount", description: 'Amount with or without symbol, e.g. "1.5 WETH"' })
      .addOption({
        name: "asset",
        description: "Collateral symbol or address (or write it in the amount)",
        defaultValue: "",
      }),
  )
    .setAction(async () => ({ default: (await actions()).deposit }))
    .build(),

  withCommon(
    task(["vault", "withdraw"], "Withdraw collateral from a vault")
      .addPositionalArgument({ name: "vault", description: "Vault id" })
      .addPositionalArgument({ name: "amount", description: 'Amount, e.g. "0.5 WETH", or "max" for all of it' })
      .addOption({
        name: "asset",
        description: "Collateral symbol or address (or write it in the amount)",
        defaultValue: "",
      })
      .addOption({ name: "to", description: "Receiver (default: the acting account)", defaultValue: "" }),
  )
    .setAction(async () => ({ default: (await actions()).withdraw }))
    .build(),

  withCommon(
    task(["vault", "borrow"], "Borrow the base asset against a vault")
      .addPositionalArgument({ name: "vault", description: "Vault id" })
      .addPositionalArgument({ name: "amount", description: 'Amount, e.g. "2500 USDC", or "max"' })
      .addOption({ name: "to", description: "Receiver (default: the acting account)", defaultValue: "" }),
  )
    .setAction(async () => ({ default: (await actions()).borrow }))
    .build(),

  withCommon(
    task(["vault", "repay"], "Repay a vault's debt (anyone may repay; approves the engine if needed)")
      .addPositionalArgument({ name: "vault", description: "Vault id" })
      .addPositionalArgument({ name: "amount", description: 'Amount, e.g. "1000 USDC", or "max" for all the debt' }),
  )
    .setAction(async () => ({ default: (await actions()).repay }))
    .build(),

  withCommon(
    task(
      ["vault", "show"],
      "Show a vault: debt, health factor, max borrow, liquidation prices, margin call, collateral under auction",
    ).addPositionalArgument({
      name: "vault",
      description: "Vault id",
    }),
  )
    .setAction(async () => ({ default: (await actions()).show }))
    .build(),

  withCommon(
    task(["vault", "list"], "List vaults of an owner (default: the acting account) with debt and health")
      .addOption({ name: "owner", description: "Owner address (default: the acting account)", defaultValue: "" })
      .addFlag({ name: "all", description: "List every vault" }),
  )
    .setAction(async () => ({ default: (await actions()).list }))
    .build(),
];

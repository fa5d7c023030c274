// Loads a scenario by name or path, validated against the collaterals listed in hardhat.json.
import { loadDeployParameters } from "../../deploy/parameters.js";
import { DEFAULT_SCENARIO, parseScenario, readScenarioFile, ScenarioError, type Scenario } from "./scenario.js";

export function listedCollaterals(): string[] {
  return loadDeployParameters("default").collaterals.map((c) => c.symbol);
}

export function loadScenario(name = DEFAULT_SCENARIO, vaults?: string): Scenario {
  const raw = readScenarioFile(name === "" ? DEFAULT_SCENARIO : name) as Record<string, unknown>;
  if (vaults !== undefined && vaults !== "") {
    const n = Number(vaults);
    if (!Number.isInteger(n)) throw new ScenarioError("LAB_VAULTS", `expected an integer, got "${vaults}"`);
    (raw.population as Record<string, unknown>).vaults = n;
  }
  return parseScenario(raw, listedCollaterals());
}

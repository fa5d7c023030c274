// The risk parameters governance sets, one spec per setter: which contract function, which struct
// fields, and how each field is written on the command line. Shared by the task definitions
// (tasks/gov.ts adds one option per field) and the actions (tasks/actions/gov.ts), so they never drift.

export type FieldKind =
  | "bool" // true / false
  | "fraction" // [wad] in [0, 1]: "0.2" or "20%"
  | "wad" // [wad] number without upper bound, e.g. a multiplier "1.1"
  | "usd" // [wad USD]: "50000000"
  | "base" // base-asset units: "100" or "100 USDC"
  | "duration" // seconds: "600", "15m", "2h"
  | "address"
  | "apr"; // an annual rate written as a fraction, stored per second [wad]

export interface FieldSpec {
  /** Struct field and (camelCase) option name; the CLI spells it in kebab-case. */
  name: string;
  kind: FieldKind;
  description: string;
}

export interface SetterSpec {
  /** Task name: `gov <id>`. */
  id: string;
  description: string;
  contract: "engine" | "auctionHouse" | "circuitBreaker" | "rateModel" | "pool" | "oracle";
  fn: string;
  /** The setter's first argument is a collateral asset. */
  perAsset: boolean;
  /** The fields are separate arguments, not one struct. */
  spread?: boolean;
  fields: FieldSpec[];
}

export const SETTERS: SetterSpec[] = [
  {
    id: "set-collateral",
    description: "Set a collateral's risk config (engine.setCollateralConfig); fields not given are kept",
    contract: "engine",
    fn: "setCollateralConfig",
    perAsset: true,
    fields: [
      { name: "enabled", kind: "bool", description: "New deposits and borrowing power allowed (true/false)" },
      { name: "initialHaircut", kind: "fraction", description: 'Haircut for borrowing power, e.g. "0.2" or "20%"' },
      { name: "maintenanceHaircut", kind: "fraction", description: "Haircut for the liquidation threshold" },
      { name: "volatilityMultiplier", kind: "wad", description: "Add-on per unit of tracked volatility" },
      { name: "volatilityCap", kind: "fraction", description: "Cap on the volatility add-on" },
      { name: "sizeMultiplier", kind: "wad", description: "Add-on per unit of position value / market depth" },
      { name: "sizeCap", kind: "fraction", description: "Cap on the size add-on" },
      { name: "marketDepth", kind: "usd", description: "Value sellable with acceptable slippage [USD]" },
      { name: "debtCeiling", kind: "base", description: "Max debt attributed to this collateral [base asset]" },
    ],
  },
  {
    id: "set-auction-config",
    description: "Set a collateral's auction config (auctionHouse.setCollateralAuctionConfig)",
    contract: "auctionHouse",
    fn: "setCollateralAuctionConfig",
    perAsset: true,
    fields: [
      { name: "curve", kind: "address", description: "Price curve contract" },
      { name: "penalty", kind: "fraction", description: 'Liquidation penalty, e.g. "0.08"' },
      { name: "startBuffer", kind: "wad", description: 'Start price = oracle x buffer, e.g. "1.1"' },
      { name: "resetPriceRatio", kind: "fraction", description: "Reset once price < start x ratio" },
      { name: "maxDuration", kind: "duration", description: 'Reset once older than this, e.g. "2h"' },
    ],
  },
  {
    id: "set-breaker-asset",
    description: "Set a collateral's circuit-breaker config (circuitBreaker.setAssetConfig)",
    contract: "circuitBreaker",
    fn: "setAssetConfig",
    perAsset: true,
    fields: [
      { name: "maxDrop", kind: "fraction", description: "Trip when price < window high x (1 - maxDrop)" },
      { name: "cooldown", kind: "duration", description: "How long a trip lasts" },
      { name: "refillPeriod", kind: "duration", description: "Time for an empty auction bucket to refill" },
      { name: "debtUnderAuctionCap", kind: "base", description: "Max debt of this asset's open auctions" },
      { name: "bucketCapacity", kind: "usd", description: "Max collateral value auctioned per refill period [USD]" },
    ],
  },
  {
    id: "set-auction-params",
    description: "Set the global liquidation parameters (auctionHouse.setAuctionParameters)",
    contract: "auctionHouse",
    fn: "setAuctionParameters",
    perAsset: false,
    fields: [
      { name: "targetHealthFactor", kind: "wad", description: 'HF a partial liquidation restores, e.g. "1.1"' },
      { name: "hardFloor", kind: "fraction", description: "Below this HF no cure window applies" },
      { name: "lotBuffer", kind: "wad", description: "Collateral auctioned = tab / price x buffer" },
      { name: "cureWindow", kind: "duration", description: "Time a flagged owner has to cure" },
      { name: "keeperChip", kind: "fraction", description: "Keeper's share of the tab" },
      { name: "keeperTip", kind: "base", description: "Flat keeper reward" },
      { name: "dust", kind: "base", description: "Smallest auction tab" },
    ],
  },
  {
    id: "set-breaker-global",
    description: "Set the global circuit-breaker config (circuitBreaker.setGlobalConfig)",
    contract: "circuitBreaker",
    fn: "setGlobalConfig",
    perAsset: false,
    fields: [
      { name: "globalDebtUnderAuctionCap", kind: "base", description: "Max debt under auction across all assets" },
      { name: "maxPauseDuration", kind: "duration", description: "Longest guardian pause or freeze" },
      { name: "pauseCooldown", kind: "duration", description: "Time before the guardian may re-pause" },
      { name: "gracePeriod", kind: "duration", description: "Liquidation delay after a pause, trip or oracle failure" },
    ],
  },
  {
    id: "set-rate-model",
    description: "Set the interest-rate model parameters (rateModel.setParameters), rates per year",
    contract: "rateModel",
    fn: "setParameters",
    perAsset: false,
    fields: [
      { name: "baseRate", kind: "apr", description: 'Borrow rate at 0% utilisation, per year, e.g. "0.01"' },
      { name: "slopeLow", kind: "apr", description: "Rate added from 0 to the kink, per year" },
      { name: "slopeHigh", kind: "apr", description: "Rate added from the kink to 100%, per year" },
      { name: "kink", kind: "fraction", description: 'Optimal utilisation, e.g. "0.8"' },
    ],
  },
  {
    id: "set-tracker",
    description: "Set the oracle volatility-tracker parameters (oracle.setTrackerParameters)",
    contract: "oracle",
    fn: "setTrackerParameters",
    perAsset: false,
    spread: true,
    fields: [
      { name: "ewmaLambda", kind: "fraction", description: 'EWMA decay per interval, e.g. "0.94"' },
      { name: "minPokeInterval", kind: "duration", description: "Minimum time between accepted pokes" },
      { name: "windowLength", kind: "duration", description: "Length of the price-drop reference window" },
    ],
  },
];

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultId} from "../libraries/Types.sol";
import {IVaultEngine} from "./IVaultEngine.sol";

/// @title Read-only views over the vault engine for dashboards, scripts and keepers
/// @notice Derived from the engine's single health computation (`IVaultEngine.healthBreakdown`), so
/// the figures here always agree with the engine's own checks. Kept out of the engine to keep the core
/// small.
interface IVaultLens {
    /// @notice One collateral of one vault, as returned by views.
    struct CollateralView {
        address asset;
        uint256 amount; // [token units]
        uint256 price; // [wad USD per whole token]
        uint256 value; // amount * price, rounded down [wad USD]
        uint256 initialHaircut; // effective, with add-ons [wad]
        uint256 maintenanceHaircut; // effective, with add-ons [wad]
        uint256 liquidationPrice; // price at which HF reaches 1, others fixed [wad]; 0 if none
    }

    /// @notice Everything a dashboard needs about one vault.
    struct VaultSummary {
        VaultId id;
        address owner;
        uint256 debt; // [base units, rounded up]
        uint256 debtValue; // [wad USD, rounded up]
        uint256 borrowingPower; // sum of initial-haircut values [wad USD]
        uint256 maintenanceValue; // sum of maintenance-haircut values [wad USD]
        uint256 healthFactor; // [wad]; type(uint256).max with no debt
        uint256 maxBorrow; // additional borrowable now [base units]
        bool marginShortfall; // HF < 1
        CollateralView[] collaterals;
    }

    function engine() external view returns (IVaultEngine);

    /// @notice Everything about one vault: debt, values, HF, max borrow, per-collateral liquidation prices.
    function vaultSummary(VaultId id) external view returns (VaultSummary memory);

    /// @notice Price of `asset` at which the vault's HF reaches 1, other prices fixed [wad], rounded up
    /// (warns early); 0 when the vault has no debt, does not hold the asset, or no price of that asset
    /// alone can make it unhealthy.
    function liquidationPrice(VaultId id, address asset) external view returns (uint256);

    /// @notice Vaults among ids [from, to] (clamped to the vault count; 0 reads as 1) with HF < 1, skipping
    /// vaults whose prices are unavailable. Keepers page through large vault counts with `from` / `to`.
    function liquidatableVaults(uint256 from, uint256 to) external view returns (VaultId[] memory);
}

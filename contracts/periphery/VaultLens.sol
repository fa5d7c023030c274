// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVaultEngine} from "../interfaces/IVaultEngine.sol";
import {IVaultLens} from "../interfaces/IVaultLens.sol";
import {VaultId} from "../libraries/Types.sol";
import {VaultIdRange} from "./VaultIdRange.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title Vault lens: summaries and liquidation prices derived from the engine's health breakdown
contract VaultLens is IVaultLens {
    uint256 internal constant WAD = 1e18;

    IVaultEngine public immutable engine;

    constructor(IVaultEngine engine_) {
        engine = engine_;
    }

    /// @inheritdoc IVaultLens
    function vaultSummary(VaultId id) external view returns (VaultSummary memory summary) {
        IVaultEngine.HealthBreakdown memory health = engine.healthBreakdown(id);
        summary.id = id;
        summary.owner = engine.ownerOf(id);
        summary.debt = health.debt;
        summary.debtValue = health.debtValue;
        summary.borrowingPower = health.initialValue;
        summary.maintenanceValue = health.maintenanceValue;
        summary.healthFactor = RiskMath.healthFactorDown(health.maintenanceValue, health.debtValue);
        summary.maxBorrow = engine.maxBorrow(id);
        summary.marginShortfall = summary.healthFactor < WAD;
        summary.collaterals = new CollateralView[](health.assets.length);
        for (uint256 i; i < health.assets.length; ++i) {
            IVaultEngine.AssetHealth memory a = health.assets[i];
            summary.collaterals[i] = CollateralView({
                asset: a.asset,
                amount: a.amount,
                price: a.price,
                value: a.value,
                initialHaircut: a.initialHaircut,
                maintenanceHaircut: a.maintenanceHaircut,
                liquidationPrice: _liquidationPrice(health, a)
            });
        }
    }

    /// @inheritdoc IVaultLens
    function liquidatableVaults(uint256 from, uint256 to) external view returns (VaultId[] memory found) {
        (uint256 first, uint256 last) = VaultIdRange.clamp(engine, from, to);
        if (first > last) return found;
        VaultId[] memory scratch = new VaultId[](last - first + 1);
        uint256 n;
        for (uint256 id = first; id <= last; ++id) {
            try engine.healthFactor(VaultId.wrap(id)) returns (uint256 hf) {
                if (hf < WAD) scratch[n++] = VaultId.wrap(id);
            } catch {}
        }
        found = new VaultId[](n);
        for (uint256 i; i < n; ++i) found[i] = scratch[i];
    }

    /// @inheritdoc IVaultLens
    function liquidationPrice(VaultId id, address asset) external view returns (uint256) {
        IVaultEngine.HealthBreakdown memory health = engine.healthBreakdown(id);
        for (uint256 i; i < health.assets.length; ++i) {
            if (health.assets[i].asset == asset) return _liquidationPrice(health, health.assets[i]);
        }
        return 0;
    }

    /// @dev Inverts the maintenance value of `a` for the value that brings HF to exactly 1.
    function _liquidationPrice(
        IVaultEngine.HealthBreakdown memory health,
        IVaultEngine.AssetHealth memory a
    ) internal view returns (uint256) {
        if (health.debtValue == 0 || a.amount == 0) return 0;
        uint256 others = health.maintenanceValue - a.maintenanceValue;
        if (others >= health.debtValue) return 0;
        IVaultEngine.CollateralConfig memory c = engine.collateralConfig(a.asset);
        uint256 valueNeeded = RiskMath.valueForEffectiveValueUp(
            health.debtValue - others,
            c.maintenanceHaircut + a.volatilityAddOn,
            c.sizeMultiplier,
            c.sizeCap,
            c.marketDepth
        );
        return RiskMath.valueToPriceUp(valueNeeded, a.amount, 10 ** c.decimals);
    }
}

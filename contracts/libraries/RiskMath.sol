// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title Health, haircut and debt maths
/// @notice Every function names its rounding direction, and the direction always favours the
/// protocol: debt and debt value round up, collateral value rounds down, a reported liquidation
/// price rounds up (warns earlier).
/// Units: [wad] = 1e18, [ray] = 1e27, [usd] = wad USD, token amounts in the token's own decimals.
library RiskMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;

    // ------------------------------------------------------------------ products

    /// @notice floor(x * y / d). Exactly `Math.mulDiv`, with a cheaper path for the common case in which
    /// both factors fit 128 bits (so the product fits 256): every health check and accrual runs several.
    function mulDivDown(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        if ((x | y) >> 128 == 0) return (x * y) / d;
        return Math.mulDiv(x, y, d);
    }

    /// @notice ceil(x * y / d). Exactly `Math.mulDiv` rounding up, with the same cheaper path.
    function mulDivUp(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        if ((x | y) >> 128 == 0) {
            uint256 product = x * y;
            return product / d + (product % d == 0 ? 0 : 1);
        }
        return Math.mulDiv(x, y, d, Math.Rounding.Ceil);
    }

    // ------------------------------------------------------------------ debt

    /// @notice Debt owed for `scaled` debt at `index` [ray], rounded up.
    function toDebtUp(uint256 scaled, uint256 index) internal pure returns (uint256) {
        return mulDivUp(scaled, index, RAY);
    }

    /// @notice Scaled debt to record when lending `assets` at `index`, rounded up (borrower owes more).
    function toScaledUp(uint256 assets, uint256 index) internal pure returns (uint256) {
        return mulDivUp(assets, RAY, index);
    }

    /// @notice Scaled debt removed by repaying `assets` at `index`, rounded down (repayer clears less).
    function toScaledDown(uint256 assets, uint256 index) internal pure returns (uint256) {
        return mulDivDown(assets, RAY, index);
    }

    /// @notice USD value of `debt` base units at `basePrice` [wad per whole token], rounded up.
    function debtValueUp(uint256 debt, uint256 basePrice, uint256 baseUnit) internal pure returns (uint256) {
        return mulDivUp(debt, basePrice, baseUnit);
    }

    /// @notice Base units worth `value` [usd] at `basePrice`, rounded down (what may still be borrowed).
    function valueToBaseDown(uint256 value, uint256 basePrice, uint256 baseUnit) internal pure returns (uint256) {
        return mulDivDown(value, baseUnit, basePrice);
    }

    // ------------------------------------------------------------------ collateral

    /// @notice USD value of `amount` token units at `price` [wad per whole token], rounded down.
    function valueDown(uint256 amount, uint256 price, uint256 unit) internal pure returns (uint256) {
        return mulDivDown(amount, price, unit);
    }

    /// @notice Volatility add-on [wad] = min(cap, multiplier * volatility).
    function volatilityAddOn(uint256 volatility, uint256 multiplier, uint256 cap) internal pure returns (uint256) {
        return Math.min(cap, mulDivDown(multiplier, volatility, WAD));
    }

    /// @notice Size add-on [wad] = min(cap, multiplier * value / depth), rounded down.
    function sizeAddOn(uint256 value, uint256 multiplier, uint256 cap, uint256 depth) internal pure returns (uint256) {
        return Math.min(cap, mulDivDown(multiplier, value, depth));
    }

    /// @notice Value after haircut [usd], rounded down.
    /// @dev With h = flatHaircut + min(sizeCap, m * value / depth):
    ///  - below the cap: v = value * (1 - flat) - m * value^2 / depth, computed as ONE floor of the exact
    ///    polynomial, so v is exactly non-decreasing in `value` as long as flat + 2 * sizeCap < 1 (the
    ///    derivative is 1 - flat - 2 * m * value / depth >= 1 - flat - 2 * sizeCap);
    ///  - at or above the cap: v = value * (1 - flat - sizeCap), whose real value at the cap point equals
    ///    the polynomial's, so the two branches join without a step down.
    /// @param value Position value before haircut [usd].
    /// @param flatHaircut Base haircut plus volatility add-on [wad]; must be < 1 - 2 * sizeCap.
    function effectiveValueDown(
        uint256 value,
        uint256 flatHaircut,
        uint256 sizeMultiplier,
        uint256 sizeCap,
        uint256 depth
    ) internal pure returns (uint256) {
        uint256 kept = WAD - flatHaircut;
        // Capped when m * value / depth >= cap, compared exactly (no rounding at the boundary).
        if (sizeMultiplier == 0 || sizeMultiplier * value >= sizeCap * depth) {
            return mulDivDown(value, kept - (sizeMultiplier == 0 ? 0 : sizeCap), WAD);
        }
        // v = floor(value * (kept * depth - m * value) / (depth * WAD)); inner term stays positive
        // because m * value < sizeCap * depth < kept * depth.
        return mulDivDown(value, kept * depth - sizeMultiplier * value, depth * WAD);
    }

    /// @notice Price [wad per whole token] at which `amount` token units are worth `value` [usd], rounded up.
    function valueToPriceUp(uint256 value, uint256 amount, uint256 unit) internal pure returns (uint256) {
        return mulDivUp(value, unit, amount);
    }

    // ------------------------------------------------------------------ health

    /// @notice Health factor [wad] = collateralValue / debtValue, rounded down; max with no debt.
    function healthFactorDown(uint256 collateralValue, uint256 debtValue) internal pure returns (uint256) {
        if (debtValue == 0) return type(uint256).max;
        return mulDivDown(collateralValue, WAD, debtValue);
    }

    /// @notice Smallest position value [usd] whose effective value reaches `target` [usd], rounded up.
    /// Inverse of `effectiveValueDown` (which is non-decreasing in value).
    function valueForEffectiveValueUp(
        uint256 target,
        uint256 flatHaircut,
        uint256 sizeMultiplier,
        uint256 sizeCap,
        uint256 depth
    ) internal pure returns (uint256) {
        uint256 kept = WAD - flatHaircut;
        if (sizeMultiplier == 0) return mulDivUp(target, WAD, kept);
        // Effective value at the cap point x0 = cap * depth / m is x0 * (kept - cap).
        uint256 capPoint = mulDivUp(sizeCap, depth, sizeMultiplier);
        if (target >= mulDivDown(capPoint, kept - sizeCap, WAD)) {
            return mulDivUp(target, WAD, kept - sizeCap);
        }
        // Smaller root of (m / depth) x^2 - kept x + target * WAD = 0, in the cancellation-free form
        // x = 2 target WAD / (kept + sqrt(kept^2 - 4 m target WAD / depth)). Flooring the root and
        // rounding the subtracted term up both make x larger, i.e. round up.
        uint256 discriminant = kept * kept - mulDivUp(4 * sizeMultiplier * target, WAD, depth);
        uint256 root = Math.sqrt(discriminant, Math.Rounding.Floor);
        return mulDivUp(2 * target, WAD, kept + root);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {MarketParams, Market} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @notice Fixed (non-adaptive) two-slope borrow rate for Morpho Blue markets, for the gas bench only
/// (scripts/bench-gas.ts). Same curve shape as Breakwater's KinkedRateModel, so both protocols accrue
/// comparable interest: rate(u) = base + slopeLow * min(u, kink) / kink
/// + slopeHigh * max(0, u - kink) / (1 - kink), per second [wad], u = borrowed / supplied.
contract MorphoKinkedIrm is IIrm {
    error BadKink(uint256 kink);

    uint256 private constant WAD = 1e18;

    uint256 public immutable baseRate;
    uint256 public immutable slopeLow;
    uint256 public immutable slopeHigh;
    uint256 public immutable kink;

    constructor(uint256 baseRate_, uint256 slopeLow_, uint256 slopeHigh_, uint256 kink_) {
        if (kink_ == 0 || kink_ >= WAD) revert BadKink(kink_);
        baseRate = baseRate_;
        slopeLow = slopeLow_;
        slopeHigh = slopeHigh_;
        kink = kink_;
    }

    /// @inheritdoc IIrm
    function borrowRate(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return _rate(market);
    }

    /// @inheritdoc IIrm
    function borrowRateView(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return _rate(market);
    }

    function _rate(Market calldata market) private view returns (uint256) {
        uint256 supplied = market.totalSupplyAssets;
        uint256 u = supplied == 0 ? 0 : (uint256(market.totalBorrowAssets) * WAD) / supplied;
        if (u > WAD) u = WAD;
        if (u <= kink) return baseRate + (slopeLow * u) / kink;
        return baseRate + slopeLow + (slopeHigh * (u - kink)) / (WAD - kink);
    }
}

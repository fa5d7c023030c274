// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {RiskMath} from "../libraries/RiskMath.sol";
import {IInterestRateModel, IKinkedRateModel} from "../interfaces/IInterestRateModel.sol";

/// @title Two-slope ("kinked") borrow-rate model with bounded, governance-set parameters
/// @notice rate(u) = base + slopeLow * min(u, kink) / kink + slopeHigh * max(0, u - kink) / (1 - kink),
/// all per second [wad]. The curve is continuous at the kink and non-decreasing in utilisation.
contract KinkedRateModel is IKinkedRateModel, AccessManaged {
    uint256 private constant WAD = 1e18;

    /// @notice Bounds, chosen so the rate at 100% utilisation is at most ~1000% APR:
    /// 100% + 200% + 700% APR, each converted to a per-second rate [wad] (rounded down).
    uint256 public constant MAX_BASE_RATE = WAD / 365 days; // ~100% APR
    uint256 public constant MAX_SLOPE_LOW = (2 * WAD) / 365 days; // ~200% APR
    uint256 public constant MAX_SLOPE_HIGH = (7 * WAD) / 365 days; // ~700% APR
    /// @notice The kink must stay away from 0 and 1: both slopes divide by it (kink, 1 - kink).
    uint256 public constant MIN_KINK = 0.01e18;
    uint256 public constant MAX_KINK = 0.99e18;

    RateParameters private _params;

    constructor(address accessManager, RateParameters memory initial) AccessManaged(accessManager) {
        _setParameters(initial);
    }

    /// @inheritdoc IKinkedRateModel
    function parameters() external view returns (RateParameters memory) {
        return _params;
    }

    /// @inheritdoc IKinkedRateModel
    function utilisation(uint256 cash, uint256 borrowed) public pure returns (uint256) {
        if (borrowed == 0) return 0;
        // Halving both keeps the ratio and the sum below 2^256 (only for amounts no token can hold).
        if (cash > type(uint256).max - borrowed) (cash, borrowed) = (cash >> 1, borrowed >> 1);
        // Rounded down; never above 1 since cash >= 0.
        return RiskMath.mulDivDown(borrowed, WAD, cash + borrowed);
    }

    /// @inheritdoc IInterestRateModel
    function borrowRatePerSecond(uint256 cash, uint256 borrowed) external view returns (uint256) {
        return _rateAt(utilisation(cash, borrowed), _params);
    }

    /// @notice Borrow rate per second [wad] at utilisation `u` [wad] (capped at 1), with the current parameters.
    function rateAtUtilisation(uint256 u) external view returns (uint256) {
        return _rateAt(u, _params);
    }

    /// @inheritdoc IKinkedRateModel
    function setParameters(RateParameters calldata params) external restricted {
        _setParameters(params);
    }

    /// @dev Slope terms round up (in the lenders' favour, at most 1e-18 per second each). Rounding up
    /// keeps monotonicity and keeps the curve continuous at the kink (both branches give base + slopeLow).
    function _rateAt(uint256 u, RateParameters memory p) private pure returns (uint256) {
        if (u > WAD) u = WAD;
        uint256 kink = p.kink;
        if (u <= kink) {
            return p.baseRate + RiskMath.mulDivUp(p.slopeLow, u, kink);
        }
        return p.baseRate + p.slopeLow + RiskMath.mulDivUp(p.slopeHigh, u - kink, WAD - kink);
    }

    function _setParameters(RateParameters memory p) private {
        if (p.baseRate > MAX_BASE_RATE) revert RateParameterOutOfBounds("baseRate", p.baseRate, MAX_BASE_RATE);
        if (p.slopeLow > MAX_SLOPE_LOW) revert RateParameterOutOfBounds("slopeLow", p.slopeLow, MAX_SLOPE_LOW);
        if (p.slopeHigh > MAX_SLOPE_HIGH) revert RateParameterOutOfBounds("slopeHigh", p.slopeHigh, MAX_SLOPE_HIGH);
        if (p.kink < MIN_KINK) revert RateParameterOutOfBounds("kink", p.kink, MIN_KINK);
        if (p.kink > MAX_KINK) revert RateParameterOutOfBounds("kink", p.kink, MAX_KINK);
        _params = p;
        emit RateParametersSet(p.baseRate, p.slopeLow, p.slopeHigh, p.kink);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Dutch-auction price curve
/// @notice A liquidation auction starts at a top price and lowers it over time until a bidder finds it
/// attractive. A curve maps the top price and the time since the auction started to the current price.
/// Curves are stateless and their shape parameters are immutable: governance picks a curve contract per
/// collateral, and changing the shape means deploying a new curve and pointing the collateral at it.
/// @dev Every implementation guarantees, for all inputs:
/// - `price(top, 0) == top`;
/// - `price(top, elapsed) <= top`;
/// - `price(top, e1) >= price(top, e2)` whenever `e1 <= e2` (non-increasing in time);
/// - the price is rounded down: it never exceeds the exact value of the curve's formula (each curve
///   documents the exact bound it satisfies) and is at most a few wei per 1e18 of `top` below it.
///   This favours the bidder by that negligible amount; callers converting the price into collateral
///   amounts round those conversions in the protocol's favour themselves;
/// - it never reverts, whatever `top` and `elapsed` (it saturates at 0 instead).
interface IPriceCurve {
    /// @notice A constructor parameter `name` is outside [min, max].
    /// @param name Name of the parameter (e.g. "duration", "cut", "step").
    /// @param value The rejected value.
    /// @param min Lowest accepted value (inclusive).
    /// @param max Highest accepted value (inclusive).
    error CurveParameterOutOfBounds(string name, uint256 value, uint256 min, uint256 max);

    /// @notice Current auction price [wad] after `elapsed` seconds, for an auction that started at `top`.
    /// @dev Non-increasing in `elapsed`, equal to `top` at `elapsed == 0`, never above `top`, rounded
    /// down, and never reverts (it returns 0 once the curve has decayed to nothing).
    /// @param top Starting price of the auction [wad].
    /// @param elapsed Time since the auction started [s].
    /// @return The price [wad].
    function price(uint256 top, uint256 elapsed) external view returns (uint256);

    /// @notice Human-readable description of the curve and its parameters, for operators and UIs,
    /// e.g. "linear: 0 after 3600 s".
    function describe() external view returns (string memory);
}

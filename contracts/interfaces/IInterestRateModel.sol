// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Utilisation-based interest-rate model
/// @notice Rates are per second [wad]. Utilisation = borrowed / (cash + borrowed) [wad].
interface IInterestRateModel {
    /// @notice Borrow rate per second [wad] at the given pool state.
    /// @param cash Idle base asset in the pool [base units].
    /// @param borrowed Outstanding debt including accrued interest [base units].
    function borrowRatePerSecond(uint256 cash, uint256 borrowed) external view returns (uint256);
}

/// @title Kinked (two-slope) rate model with governance-set, bounded parameters
interface IKinkedRateModel is IInterestRateModel {
    /// @param baseRate Rate at zero utilisation [wad per second].
    /// @param slopeLow Added rate from 0 to the kink, at the kink [wad per second].
    /// @param slopeHigh Added rate from the kink to 100% utilisation [wad per second].
    /// @param kink Optimal utilisation [wad], strictly between 0 and 1.
    struct RateParameters {
        uint64 baseRate;
        uint64 slopeLow;
        uint64 slopeHigh;
        uint64 kink;
    }

    error RateParameterOutOfBounds(string parameter, uint256 value, uint256 bound);

    event RateParametersSet(uint256 baseRate, uint256 slopeLow, uint256 slopeHigh, uint256 kink);

    function parameters() external view returns (RateParameters memory);

    /// @notice Utilisation [wad] for the given cash and borrowed amounts (0 when both are zero).
    function utilisation(uint256 cash, uint256 borrowed) external pure returns (uint256);

    /// @notice Sets the parameters; restricted to governance; bounded by MAX_* constants.
    function setParameters(RateParameters calldata params) external;
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Insurance fund: first loss absorber for bad debt
/// @notice Receives the reserve factor as lending-pool shares and liquidation penalties in the base
/// asset. Pays keeper incentives and covers bad debt, only when the vault engine or auction house
/// (the authorised spenders) ask, so every flow is explicit and emits an event.
interface IInsuranceFund {
    error UnauthorisedSpender(address caller);
    error ZeroAddress();

    event SpenderSet(address indexed spender, bool allowed);
    /// @notice Base asset paid out to `to` for `reason` (e.g. "bad-debt", "keeper-incentive").
    event Paid(address indexed to, uint256 assets, bytes32 indexed reason);
    /// @notice Governance moved funds out (e.g. treasury sweep); bounded to what is held.
    event Withdrawn(address indexed to, uint256 assets);

    function baseAsset() external view returns (address);
    function pool() external view returns (address);

    /// @notice Base asset available: base tokens held plus the value of pool shares that can be redeemed now.
    function availableAssets() external view returns (uint256);

    /// @notice Authorised spender: pays up to `assets` of base asset to `to`, first from base tokens held,
    /// then by redeeming pool shares. Never reverts for lack of funds.
    /// @return paid What was actually paid [base units].
    function pay(address to, uint256 assets, bytes32 reason) external returns (uint256 paid);

    /// @notice Governance: allows or disallows a spender (engine, auction house).
    function setSpender(address spender, bool allowed) external;
}

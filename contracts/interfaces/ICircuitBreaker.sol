// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OracleFailure} from "./IBreakwaterOracle.sol";

/// @notice Actions a guardian can pause. Repaying debt and adding collateral to an existing position
/// reduce risk: repay is deliberately absent, and `Deposit` pauses only new collateral deposits by
/// guardians' choice — breakers themselves never block deposits or repayments.
enum Action {
    Deposit,
    Withdraw,
    Borrow,
    Kick,
    Take,
    PoolDeposit,
    PoolWithdraw
}

/// @title Breakwater circuit breakers
/// @notice Principle: breakers slow forced selling and stop new risk, but never block actions that
/// reduce risk (repay, deposit) and never trap funds forever (every pause and trip expires).
/// - Liquidation throttle: a global and a per-asset cap on debt under auction (released as auctions
///   settle) plus, per asset, a refilling bucket that limits the collateral value put up for auction
///   per time window, sized from the asset's market depth.
/// - Price-drop breaker: when an asset's price falls more than `maxDrop` below the highest price of the
///   oracle tracker's current window, anyone may trip it: new borrowing against the asset stops,
///   withdrawals that rely on it stop, and new auctions of it wait out the cooldown, except for vaults
///   below the hard floor.
/// - Oracle breaker: a failed price read recorded by anyone puts the asset into oracle-failure mode
///   until the price is usable again; the recovery starts a grace period.
/// - Guardian pauses per action and freezes per asset, which expire after at most `maxPauseDuration`;
///   governance may extend or lift them; a cooldown stops back-to-back re-pausing.
/// - Grace period: after a pause or freeze ends, a breaker clears or the oracle recovers, liquidations
///   of the affected asset wait `gracePeriod` (vaults below the hard floor are exempt).
interface ICircuitBreaker {
    /// @param maxDrop Trip when price < window high x (1 - maxDrop) [wad].
    /// @param cooldown How long a trip lasts [s].
    /// @param debtUnderAuctionCap Max debt of this asset's open auctions [base units].
    /// @param bucketCapacity Max collateral value put up for auction per refill period [wad usd].
    /// @param refillPeriod Time for an empty bucket to refill completely [s].
    struct AssetConfig {
        uint64 maxDrop;
        uint32 cooldown;
        uint32 refillPeriod;
        uint128 debtUnderAuctionCap;
        uint128 bucketCapacity;
    }

    /// @param globalDebtUnderAuctionCap Max debt under auction across all assets [base units].
    /// @param maxPauseDuration Longest pause or freeze a guardian can set [s].
    /// @param pauseCooldown Time after a guardian pause before the guardian can pause that action again [s].
    /// @param gracePeriod Liquidation delay after a pause, freeze, trip or oracle failure ends [s].
    struct GlobalConfig {
        uint128 globalDebtUnderAuctionCap;
        uint32 maxPauseDuration;
        uint32 pauseCooldown;
        uint32 gracePeriod;
    }

    /// @notice Breaker state of one asset, for scripts and dashboards.
    struct AssetView {
        address asset;
        bool frozen;
        uint256 frozenUntil;
        bool tripped;
        uint256 trippedUntil;
        bool oracleFailed;
        OracleFailure oracleFailure; // live read
        uint256 graceUntil;
        uint256 debtUnderAuction;
        uint256 debtUnderAuctionCap;
        uint256 bucketAvailable; // [wad usd], refilled to now
        uint256 bucketCapacity;
        uint256 windowHighPrice; // [wad]
        uint256 tripPrice; // price below which the asset can be tripped [wad]
    }

    struct GlobalView {
        uint256[7] pausedUntil; // by Action
        uint256 globalDebtUnderAuction;
        uint256 globalDebtUnderAuctionCap;
        uint256 globalGraceUntil;
        GlobalConfig config;
    }

    error ZeroAddress();
    error OnlyAuctionHouse(address caller);
    error ActionPaused(Action action, uint256 until);
    error AssetFrozen(address asset, uint256 until);
    error BreakerTripped(address asset, uint256 until);
    error OracleFailureMode(address asset, OracleFailure reason);
    error LiquidationGracePeriod(address asset, uint256 until);
    error PauseTooLong(uint256 duration, uint256 max);
    error PauseCooldown(Action action, uint256 until);
    error FreezeCooldown(address asset, uint256 until);
    /// @notice The price has not fallen far enough to trip the breaker.
    error NoPriceDrop(address asset, uint256 price, uint256 tripPrice);
    /// @notice The drop from this tracker window's high already tripped the breaker; a new trip needs a
    /// new window (a high observed after that trip).
    error WindowAlreadyTripped(address asset, uint256 windowStart);
    error OracleHealthy(address asset);
    error NotPaused(Action action);
    error NotFrozen(address asset);
    error NotTripped(address asset);
    /// @notice A kick would exceed a cap or the bucket; `room` is what is still allowed [base units or wad usd].
    error GlobalAuctionCapReached(uint256 room);
    error AssetAuctionCapReached(address asset, uint256 room);
    error AuctionBucketEmpty(address asset, uint256 available);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 bound);

    error BreakerNotConfigured(address asset);
    /// @notice `recordOracleFailure` while a failure of `asset` is already recorded (since `since` [s]).
    error OracleFailureAlreadyRecorded(address asset, uint256 since);
    /// @notice `recordOracleRecovery` without a recorded failure of `asset`.
    error NoOracleFailureRecorded(address asset);
    /// @notice `setAuctionHouse` once the auction house is set: it can be set only once.
    error AuctionHouseAlreadySet(address current);

    /// @notice The auction house allowed to call `onAuctionStart` / `onAuctionEnd` was set.
    event AuctionHouseSet(address indexed auctionHouse);

    event Paused(Action indexed action, address indexed by, uint256 until);
    event Unpaused(Action indexed action, address indexed by);
    event Frozen(address indexed asset, address indexed by, uint256 until);
    event Unfrozen(address indexed asset, address indexed by);
    event Tripped(address indexed asset, address indexed by, uint256 price, uint256 windowHigh, uint256 until);
    event TripCleared(address indexed asset, address indexed by);
    event OracleFailureRecorded(address indexed asset, OracleFailure reason);
    event OracleRecovered(address indexed asset, uint256 graceUntil);
    event GraceStarted(address indexed asset, uint256 until);
    event AuctionThrottled(address indexed asset, uint256 debt, uint256 collateralValue);
    event AuctionReleased(address indexed asset, uint256 debt);
    event AssetConfigSet(address indexed asset, AssetConfig config);
    event GlobalConfigSet(GlobalConfig config);

    // ------------------------------------------------------------------ permissionless
    /// @notice Trips the price-drop breaker of `asset` if its price is below the oracle tracker's window
    /// high x (1 - maxDrop) (NoPriceDrop otherwise). Lasts `cooldown`; a grace period follows. Each
    /// tracker window trips at most once (WindowAlreadyTripped), so a stale high cannot stall liquidations.
    function trip(address asset) external;

    /// @notice Records that the price of `asset` is unusable now (OracleHealthy otherwise).
    function recordOracleFailure(address asset) external;

    /// @notice Records that the price of `asset` is usable again after a recorded failure; starts the
    /// grace period (OracleFailureMode if it still fails, NoOracleFailureRecorded without a recorded failure).
    function recordOracleRecovery(address asset) external;

    // ------------------------------------------------------------------ guardian (pause only)
    /// @notice Pauses `action` for `duration` <= maxPauseDuration; refused during the pause cooldown.
    function pause(Action action, uint256 duration) external;

    /// @notice Freezes `asset` (no new deposits of it, no new borrowing against it; liquidations go on)
    /// for `duration` <= maxPauseDuration; refused during the cooldown.
    function freeze(address asset, uint256 duration) external;

    // ------------------------------------------------------------------ governance
    function unpause(Action action) external;
    function unfreeze(address asset) external;
    /// @notice Governance only: extends a pause to `until` (no maximum).
    function extendPause(Action action, uint256 until) external;
    function extendFreeze(address asset, uint256 until) external;
    /// @notice Governance only: clears a tripped price-drop breaker early (a grace period follows).
    function clearTrip(address asset) external;
    function setAssetConfig(address asset, AssetConfig calldata config) external;
    function setGlobalConfig(GlobalConfig calldata config) external;
    function setAuctionHouse(address auctionHouse) external;

    // ------------------------------------------------------------------ hooks (views for the core)
    /// @notice Reverts ActionPaused when `action` is paused now.
    function checkAction(Action action) external view;

    /// @notice Reverts when a deposit of `asset` opening new exposure is blocked: Deposit paused
    /// (ActionPaused) or the asset frozen (AssetFrozen). The engine never applies it to a vault with debt,
    /// where a deposit only reduces risk.
    function checkDeposit(address asset) external view;

    /// @notice True when new risk against `asset` is blocked: frozen, tripped, in recorded oracle
    /// failure, or priced (live) below its trip price in a window that has not tripped yet, i.e. a drop
    /// `trip` would accept. The engine then gives the asset no borrowing power (borrow and withdraw checks).
    function isRiskIncreaseBlocked(address asset) external view returns (bool);

    /// @notice True when `trip(asset)` would succeed now with the oracle at `price` [wad] (a price the
    /// caller has just read): lets a kick trip the breaker without paying for a failed `trip`.
    function canTrip(address asset, uint256 price) external view returns (bool);

    /// @notice `isRiskIncreaseBlocked` at a `price` [wad] the caller has already read from the oracle
    /// (saves a second feed read); the engine's hot path.
    function isRiskIncreaseBlockedAt(address asset, uint256 price) external view returns (bool);

    /// @notice Reverts when a new auction (or reset) of `asset` must wait: Kick paused, breaker tripped,
    /// or liquidation grace period. Vaults below the hard floor (`belowHardFloor`) skip trip and grace.
    function checkLiquidation(address asset, bool belowHardFloor) external view;

    /// @notice A kick's breaker checks in one call: reverts as `checkLiquidation(asset, belowHardFloor)`,
    /// then returns `auctionRoom(asset)` and `canTrip(asset, price)` (false when `price` is 0).
    /// @param price The asset's oracle price the kick has just read [wad].
    function checkKick(
        address asset,
        bool belowHardFloor,
        uint256 price
    ) external view returns (uint256 debtRoom, uint256 valueRoom, bool trippable);

    /// @notice Room for a new auction of `asset`: debt under the global and asset caps [base units] and
    /// collateral value left in the asset's bucket [wad usd].
    function auctionRoom(address asset) external view returns (uint256 debtRoom, uint256 valueRoom);

    /// @notice Auction house only: records a new auction of `debt` [base units] selling collateral worth
    /// `collateralValue` [wad usd]; reverts with the room left when a cap or the bucket would be exceeded.
    function onAuctionStart(address asset, uint256 debt, uint256 collateralValue) external;

    /// @notice Auction house only: releases `debt` [base units] of the asset's debt under auction.
    function onAuctionEnd(address asset, uint256 debt) external;

    // ------------------------------------------------------------------ views
    function assetView(address asset) external view returns (AssetView memory);
    function globalView() external view returns (GlobalView memory);
    function assetConfig(address asset) external view returns (AssetConfig memory);
    function globalConfig() external view returns (GlobalConfig memory);
}

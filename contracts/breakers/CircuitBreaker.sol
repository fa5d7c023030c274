// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Action, ICircuitBreaker} from "../interfaces/ICircuitBreaker.sol";
import {IBreakwaterOracle, OracleFailure} from "../interfaces/IBreakwaterOracle.sol";

/// @title Breakwater circuit breakers
/// @notice Guardian pauses and freezes, the price-drop and oracle breakers, the liquidation grace
/// period and the liquidation throttle. See {ICircuitBreaker}.
/// @dev Everything expires lazily, so no keeper is needed: only "until" timestamps are stored and
/// every check compares them with `block.timestamp`.
/// - A pause of an action is active while `block.timestamp < pausedUntil`, a freeze while
///   `< frozenUntil`, a trip while `< trippedUntil`. Governance lifts set the "until" to now.
/// - The guardian's cooldown runs from the end of the previous pause (or freeze) of the same action
///   (asset), which is `pausedUntil` itself: a natural expiry, an early lift (now) or a governance
///   extension all move it. While a pause is active, the cooldown rule refuses a new one.
/// - Grace: liquidations of an asset wait while `block.timestamp < graceUntil`, with
///   graceUntil = gracePeriod + the latest of: the Kick pause's end (global), the trip's end, the
///   freeze's end once it has passed (liquidations go on during a freeze) and the oracle recovery.
///   The grace period is read from the current config, so changing it moves running graces.
/// - Throttle: in every cap, zero means "no limit" (an unconfigured asset is unthrottled). The
///   global cap applies to the auctions of every asset, configured or not.
/// - The bucket is stored scaled by its refill period, in [wad usd x s]: it refills by exactly
///   `bucketCapacity` per second in that unit, so the refill is exactly linear and independent of
///   how often the bucket is touched; views round down to [wad usd].
/// - Storage is packed by use, not by meaning: each hot path reads as few slots as possible (a borrow
///   or withdrawal: its action's pause slot plus one slot per collateral; a take: the auction-house
///   slot, which holds the Take pause, plus the two throttle totals). The asset configuration lives in
///   the asset's state slots; `assetConfig` and `globalConfig` reassemble the structs.
/// - The debt totals under auction sit in 128-bit fields next to what their hot paths read besides
///   (a capped total stays at or below its 128-bit cap). An uncapped total may reach any uint256 value:
///   from 2^128 - 1 on (which a cap of type(uint128).max also reaches), the field holds `SPILLED` and the
///   total lives in a slot of its own.
contract CircuitBreaker is ICircuitBreaker, AccessManaged {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant ACTION_COUNT = 7;
    /// @dev Actions whose pause lives in `_corePausedUntil` (Deposit, Withdraw, Borrow, Kick).
    uint256 internal constant CORE_ACTIONS = 4;
    uint256 internal constant UINT64_MASK = type(uint64).max;
    /// @dev A 128-bit debt total field holding this means "2^128 - 1 or more: read the spill slot".
    uint256 internal constant SPILLED = type(uint128).max;
    uint256 internal constant KICK_LANE_SHIFT = 192; // 64 x uint8(Action.Kick)

    // ------------------------------------------------------------------ bounds (hard, in code)
    /// @notice Smallest price drop that may trip a breaker [wad].
    uint256 public constant MIN_MAX_DROP = 0.01e18;
    /// @notice Largest price drop a breaker may wait for [wad].
    uint256 public constant MAX_MAX_DROP = 0.9e18;
    /// @notice Shortest trip [s].
    uint256 public constant MIN_COOLDOWN = 1 minutes;
    /// @notice Longest trip [s].
    uint256 public constant MAX_COOLDOWN = 7 days;
    /// @notice Shortest bucket refill period, when the asset has a bucket [s].
    uint256 public constant MIN_REFILL_PERIOD = 1 minutes;
    /// @notice Longest bucket refill period, when the asset has a bucket [s].
    uint256 public constant MAX_REFILL_PERIOD = 7 days;
    /// @notice Lowest setting of the longest guardian pause [s].
    uint256 public constant MIN_MAX_PAUSE_DURATION = 1 hours;
    /// @notice Highest setting of the longest guardian pause [s].
    uint256 public constant MAX_MAX_PAUSE_DURATION = 14 days;
    /// @notice Longest guardian pause cooldown [s].
    uint256 public constant MAX_PAUSE_COOLDOWN = 7 days;
    /// @notice Longest liquidation grace period [s].
    uint256 public constant MAX_GRACE_PERIOD = 4 hours;

    /// @dev What every risk-increase check of the asset reads (each collateral of a borrow or
    /// withdrawal health check): one slot. `maxDrop` is the asset's config.
    struct RiskSlot {
        uint64 frozenUntil; // [s]
        uint64 trippedUntil; // [s]
        uint64 oracleFailedAt; // [s], 0 = no recorded failure
        uint64 maxDrop; // [wad], config
    }

    /// @dev The asset's debt under auction (written by every kick and settlement) with what a kick reads
    /// besides; `cooldown` is non-zero once the asset is configured, so the slot never goes from zero to
    /// non-zero on a kick of a configured asset.
    struct AuctionSlot {
        uint128 debtUnderAuction; // [base units]
        uint32 cooldown; // [s], config
        uint32 refillPeriod; // [s], config
        uint64 oracleRecoveredAt; // [s], 0 = never recovered
    }

    /// @dev The bucket, scaled by its refill period (< 2^128 x 2^20, see setAssetConfig).
    struct BucketSlot {
        uint192 scaled; // bucket level x refillPeriod [wad usd x s]
        uint64 updatedAt; // [s]
    }

    /// @dev The asset's caps (config).
    struct CapSlot {
        uint128 debtUnderAuctionCap; // [base units]
        uint128 bucketCapacity; // [wad usd]
    }

    /// @dev Breaker and throttle state and configuration of one asset.
    struct AssetState {
        RiskSlot risk;
        AuctionSlot auction;
        BucketSlot bucket;
        CapSlot caps;
        uint64 trippedWindowStart; // tracker window the last trip was measured against [s]
        uint256 debtUnderAuctionSpill; // the total when `auction.debtUnderAuction` is SPILLED [base units]
    }

    /// @notice Source of prices and of the tracker's window high.
    IBreakwaterOracle public immutable oracle;

    // One slot: every settlement reads the auction house and the Take pause; the grace period sits here
    // because a kick reads this slot anyway (onAuctionStart).
    /// @notice The only caller of `onAuctionStart` and `onAuctionEnd` (zero until set).
    address public auctionHouse;
    uint64 internal _takePausedUntil; // [s]
    uint32 internal _gracePeriod; // [s], config

    /// @dev Pause ends of Deposit, Withdraw, Borrow and Kick [s]: 64 bits each, at bit 64 x Action. A
    /// plain word rather than a uint64[4], so a check reads its lane with a shift (no bounds check or EXP).
    uint256 internal _corePausedUntil;

    // One slot: the pool's pauses and the guardian's limits.
    uint64 internal _poolDepositPausedUntil; // [s]
    uint64 internal _poolWithdrawPausedUntil; // [s]
    uint32 internal _maxPauseDuration; // [s], config
    uint32 internal _pauseCooldown; // [s], config

    // One slot: the global throttle total and its cap, read together by every kick.
    uint128 internal _globalDebtUnderAuction; // [base units]
    uint128 internal _globalDebtUnderAuctionCap; // [base units], config
    uint256 internal _globalDebtUnderAuctionSpill; // the total when the field is SPILLED [base units]

    mapping(address asset => AssetState) internal _states;

    modifier onlyAuctionHouse() {
        if (msg.sender != auctionHouse) revert OnlyAuctionHouse(msg.sender);
        _;
    }

    constructor(
        address accessManager,
        IBreakwaterOracle oracle_,
        GlobalConfig memory initial
    ) AccessManaged(accessManager) {
        if (accessManager == address(0) || address(oracle_) == address(0)) revert ZeroAddress();
        oracle = oracle_;
        _setGlobalConfig(initial);
    }

    // ------------------------------------------------------------------ permissionless

    /// @inheritdoc ICircuitBreaker
    /// @dev Refused while a trip is active (`BreakerTripped`): re-tripping would extend it. The window
    /// high is the tracker's stored one: if nobody poked since its window ended, it is the high of
    /// that last window (anyone may `poke` the oracle first to start a fresh window).
    function trip(address asset) external {
        AssetState storage state = _states[asset];
        RiskSlot memory risk = state.risk;
        if (risk.maxDrop == 0) revert BreakerNotConfigured(asset);
        if (block.timestamp < risk.trippedUntil) revert BreakerTripped(asset, risk.trippedUntil);

        (uint256 price, OracleFailure failure) = oracle.tryGetPrice(asset);
        if (failure != OracleFailure.None) revert OracleFailureMode(asset, failure);
        IBreakwaterOracle.TrackerState memory tracker = oracle.trackerState(asset);
        // One trip per tracker window: once a drop from a window's high has tripped (and the trip ended
        // or governance cleared it), the same stale high cannot trip again and stall liquidations for
        // ever; a new trip needs a new window, i.e. a high observed after this trip.
        if (tracker.windowStart != 0 && tracker.windowStart <= state.trippedWindowStart) {
            revert WindowAlreadyTripped(asset, tracker.windowStart);
        }
        uint256 windowHigh = tracker.windowHighPrice;
        uint256 threshold = _tripPrice(windowHigh, risk.maxDrop);
        if (price >= threshold) revert NoPriceDrop(asset, price, threshold);

        uint256 until = block.timestamp + state.auction.cooldown;
        state.risk.trippedUntil = uint64(until);
        state.trippedWindowStart = tracker.windowStart;
        emit Tripped(asset, msg.sender, price, windowHigh, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Refused while a failure is already recorded (`OracleFailureAlreadyRecorded`), so the
    /// recorded time stays that of the first failure. The reason is kept only in the event.
    function recordOracleFailure(address asset) external {
        RiskSlot storage risk = _states[asset].risk;
        if (risk.oracleFailedAt != 0) revert OracleFailureAlreadyRecorded(asset, risk.oracleFailedAt);
        (, OracleFailure failure) = oracle.tryGetPrice(asset);
        if (failure == OracleFailure.None) revert OracleHealthy(asset);
        risk.oracleFailedAt = uint64(block.timestamp);
        emit OracleFailureRecorded(asset, failure);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NoOracleFailureRecorded` without a recorded failure.
    function recordOracleRecovery(address asset) external {
        AssetState storage state = _states[asset];
        if (state.risk.oracleFailedAt == 0) revert NoOracleFailureRecorded(asset);
        (, OracleFailure failure) = oracle.tryGetPrice(asset);
        if (failure != OracleFailure.None) revert OracleFailureMode(asset, failure);
        state.risk.oracleFailedAt = 0;
        state.auction.oracleRecoveredAt = uint64(block.timestamp);
        uint256 graceUntil = block.timestamp + _gracePeriod;
        emit OracleRecovered(asset, graceUntil);
        emit GraceStarted(asset, graceUntil);
    }

    // ------------------------------------------------------------------ guardian

    /// @inheritdoc ICircuitBreaker
    /// @dev `duration` [s] must be non-zero. Refused (`PauseCooldown`) until `pauseCooldown` after the
    /// end of the previous pause of `action`, which includes the whole of an active pause.
    function pause(Action action, uint256 duration) external restricted {
        _checkDuration(duration, _maxPauseDuration);
        uint256 cooldown = _pauseCooldown;
        uint256 last = _pausedUntilOf(action);
        if (last != 0 && block.timestamp < last + cooldown) revert PauseCooldown(action, last + cooldown);
        uint256 until = block.timestamp + duration;
        _setPausedUntil(action, uint64(until));
        emit Paused(action, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `duration` [s] must be non-zero; the cooldown (`FreezeCooldown`) works as for `pause`,
    /// per asset, with the same `pauseCooldown`.
    function freeze(address asset, uint256 duration) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        _checkDuration(duration, _maxPauseDuration);
        uint256 cooldown = _pauseCooldown;
        RiskSlot storage risk = _states[asset].risk;
        uint256 last = risk.frozenUntil;
        if (last != 0 && block.timestamp < last + cooldown) revert FreezeCooldown(asset, last + cooldown);
        uint256 until = block.timestamp + duration;
        risk.frozenUntil = uint64(until);
        emit Frozen(asset, msg.sender, until);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotPaused` when no pause is active. The pause ends now: the guardian's cooldown and, for
    /// Kick, the liquidation grace period start now.
    function unpause(Action action) external restricted {
        if (block.timestamp >= _pausedUntilOf(action)) revert NotPaused(action);
        _setPausedUntil(action, uint64(block.timestamp));
        emit Unpaused(action, msg.sender);
        if (action == Action.Kick) emit GraceStarted(address(0), block.timestamp + _gracePeriod);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotFrozen` when no freeze is active. The freeze ends now: the guardian's cooldown and the
    /// asset's liquidation grace period start now.
    function unfreeze(address asset) external restricted {
        RiskSlot storage risk = _states[asset].risk;
        if (block.timestamp >= risk.frozenUntil) revert NotFrozen(asset);
        risk.frozenUntil = uint64(block.timestamp);
        emit Unfrozen(asset, msg.sender);
        emit GraceStarted(asset, block.timestamp + _gracePeriod);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Sets the end of the pause to `until` [s], which must be in the future and fit 64 bits
    /// (`ParameterOutOfBounds("until", until, bound)`). Works on an action that is not paused too,
    /// so that a timelocked extension scheduled during a guardian pause still applies if that pause
    /// ended first. Emits `Paused`.
    function extendPause(Action action, uint256 until) external restricted {
        _checkUntil(until);
        _setPausedUntil(action, uint64(until));
        emit Paused(action, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev As `extendPause`, per asset. Emits `Frozen`.
    function extendFreeze(address asset, uint256 until) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        _checkUntil(until);
        _states[asset].risk.frozenUntil = uint64(until);
        emit Frozen(asset, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotTripped` when no trip is active. The trip ends now and the grace period starts now.
    function clearTrip(address asset) external restricted {
        RiskSlot storage risk = _states[asset].risk;
        if (block.timestamp >= risk.trippedUntil) revert NotTripped(asset);
        risk.trippedUntil = uint64(block.timestamp);
        emit TripCleared(asset, msg.sender);
        emit GraceStarted(asset, block.timestamp + _gracePeriod);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Bounds: maxDrop in [MIN_MAX_DROP, MAX_MAX_DROP], cooldown in [MIN_COOLDOWN, MAX_COOLDOWN],
    /// refillPeriod in [MIN_REFILL_PERIOD, MAX_REFILL_PERIOD] when bucketCapacity > 0 (ignored
    /// otherwise). Zero caps mean no limit. The bucket keeps what it holds now, up to the new
    /// capacity; a bucket that was unlimited (capacity 0) starts full.
    function setAssetConfig(address asset, AssetConfig calldata config) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        _checkRange("maxDrop", config.maxDrop, MIN_MAX_DROP, MAX_MAX_DROP);
        _checkRange("cooldown", config.cooldown, MIN_COOLDOWN, MAX_COOLDOWN);
        if (config.bucketCapacity != 0) {
            _checkRange("refillPeriod", config.refillPeriod, MIN_REFILL_PERIOD, MAX_REFILL_PERIOD);
        }

        AssetState storage state = _states[asset];
        uint256 oldCapacity = state.caps.bucketCapacity;
        uint256 oldRefillPeriod = state.auction.refillPeriod;
        if (config.bucketCapacity != 0) {
            uint256 level =
                oldCapacity == 0
                    ? config.bucketCapacity
                    : Math.min(
                        _bucketScaled(state.bucket, oldCapacity, oldRefillPeriod) / oldRefillPeriod,
                        config.bucketCapacity
                    );
            // level < 2^128 and refillPeriod <= 7 days < 2^20: fits 192 bits.
            state.bucket = BucketSlot(uint192(level * config.refillPeriod), uint64(block.timestamp));
        }
        state.risk.maxDrop = config.maxDrop;
        state.auction.cooldown = config.cooldown;
        state.auction.refillPeriod = config.refillPeriod;
        state.caps = CapSlot(config.debtUnderAuctionCap, config.bucketCapacity);
        emit AssetConfigSet(asset, config);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Bounds: maxPauseDuration in [MIN_MAX_PAUSE_DURATION, MAX_MAX_PAUSE_DURATION],
    /// pauseCooldown <= MAX_PAUSE_COOLDOWN, gracePeriod <= MAX_GRACE_PERIOD. A zero global cap means
    /// no limit. Running pauses keep their end; cooldowns and graces use the new values at once.
    function setGlobalConfig(GlobalConfig calldata config) external restricted {
        _setGlobalConfig(config);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Once only (`AuctionHouseAlreadySet`), like the engine's: a later auction house could not
    /// release the debt of the first one's open auctions, and the first one's settlements would revert.
    function setAuctionHouse(address auctionHouse_) external restricted {
        if (auctionHouse_ == address(0)) revert ZeroAddress();
        if (auctionHouse != address(0)) revert AuctionHouseAlreadySet(auctionHouse);
        auctionHouse = auctionHouse_;
        emit AuctionHouseSet(auctionHouse_);
    }

    // ------------------------------------------------------------------ hooks

    /// @inheritdoc ICircuitBreaker
    function checkAction(Action action) external view {
        uint256 until = _pausedUntilOf(action);
        if (block.timestamp < until) revert ActionPaused(action, until);
    }

    /// @notice Reverts when a new deposit of `asset` is refused: `ActionPaused(Deposit, until)` while
    /// deposits are paused, `AssetFrozen(asset, until)` while the asset is frozen.
    /// @inheritdoc ICircuitBreaker
    function checkDeposit(address asset) external view {
        uint256 until = uint64(_corePausedUntil); // Deposit: lane 0
        if (block.timestamp < until) revert ActionPaused(Action.Deposit, until);
        until = _states[asset].risk.frozenUntil;
        if (block.timestamp < until) revert AssetFrozen(asset, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Reads the live price itself; an unusable price skips only the live-drop part (every
    /// price-dependent action reverts `OracleFailed` then anyway).
    function isRiskIncreaseBlocked(address asset) external view returns (bool) {
        (uint256 price, OracleFailure failure) = oracle.tryGetPrice(asset);
        return _isRiskIncreaseBlocked(asset, price, failure == OracleFailure.None);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev The caller's `price` stands for the live read `trip` makes (the same within a transaction).
    function canTrip(address asset, uint256 price) external view returns (bool) {
        AssetState storage state = _states[asset];
        return _canTrip(state, state.risk, asset, price);
    }

    /// @inheritdoc ICircuitBreaker
    function isRiskIncreaseBlockedAt(address asset, uint256 price) external view returns (bool) {
        return _isRiskIncreaseBlocked(asset, price, true);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev In order: `ActionPaused(Kick, until)` for every vault; then, unless `belowHardFloor`:
    /// `BreakerTripped(asset, until)`, `OracleFailureMode(asset, reason)` while a failure is recorded
    /// (`reason` is the live read: `None` means the price is usable again but nobody has recorded the
    /// recovery yet, which `recordOracleRecovery` does and which starts the grace period), then
    /// `LiquidationGracePeriod(asset, graceUntil)`.
    function checkLiquidation(address asset, bool belowHardFloor) external view {
        uint256 kickPausedUntil = _checkKickPause();
        // Below the hard floor only the Kick pause applies: the asset's slots are not read.
        if (belowHardFloor) return;
        AssetState storage state = _states[asset];
        _checkAssetLiquidation(asset, state, state.risk, kickPausedUntil);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Reverts as {checkLiquidation}; the results are those of {auctionRoom} and {canTrip}.
    function checkKick(
        address asset,
        bool belowHardFloor,
        uint256 price
    ) external view returns (uint256 debtRoom, uint256 valueRoom, bool trippable) {
        uint256 kickPausedUntil = _checkKickPause();
        AssetState storage state = _states[asset];
        RiskSlot memory risk = state.risk;
        if (!belowHardFloor) _checkAssetLiquidation(asset, state, risk, kickPausedUntil);
        (debtRoom, valueRoom) = _auctionRoom(state);
        trippable = price != 0 && _canTrip(state, risk, asset, price);
    }

    /// @dev The part of {checkLiquidation} that applies to every vault; returns the Kick pause's end.
    function _checkKickPause() internal view returns (uint256 kickPausedUntil) {
        kickPausedUntil = uint64(_corePausedUntil >> KICK_LANE_SHIFT);
        if (block.timestamp < kickPausedUntil) revert ActionPaused(Action.Kick, kickPausedUntil);
    }

    /// @dev The part of {checkLiquidation} that vaults below the hard floor skip: trip, oracle, grace.
    function _checkAssetLiquidation(
        address asset,
        AssetState storage state,
        RiskSlot memory risk,
        uint256 kickPausedUntil
    ) internal view {
        if (block.timestamp < risk.trippedUntil) revert BreakerTripped(asset, risk.trippedUntil);
        if (risk.oracleFailedAt != 0) {
            (, OracleFailure failure) = oracle.tryGetPrice(asset);
            revert OracleFailureMode(asset, failure);
        }
        uint256 graceUntil = _graceUntil(risk, state.auction.oracleRecoveredAt, kickPausedUntil);
        if (block.timestamp < graceUntil) revert LiquidationGracePeriod(asset, graceUntil);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev type(uint256).max stands for "no limit" in either value.
    function auctionRoom(address asset) external view returns (uint256 debtRoom, uint256 valueRoom) {
        return _auctionRoom(_states[asset]);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Checks, in order: the global cap (`GlobalAuctionCapReached`), the asset cap
    /// (`AssetAuctionCapReached`), the bucket (`AuctionBucketEmpty`); an amount equal to the room is
    /// allowed. The debt counts towards the global total whether or not the asset is configured.
    function onAuctionStart(address asset, uint256 debt, uint256 collateralValue) external onlyAuctionHouse {
        AssetState storage state = _states[asset];
        uint256 globalUsed = _globalDebt();
        uint256 room = _room(_globalDebtUnderAuctionCap, globalUsed);
        if (debt > room) revert GlobalAuctionCapReached(room);
        CapSlot memory caps = state.caps;
        AuctionSlot memory auction = state.auction;
        uint256 used = _assetDebt(state, auction.debtUnderAuction);
        room = _room(caps.debtUnderAuctionCap, used);
        if (debt > room) revert AssetAuctionCapReached(asset, room);
        if (caps.bucketCapacity != 0) {
            uint256 refillPeriod = auction.refillPeriod;
            uint256 scaled = _bucketScaled(state.bucket, caps.bucketCapacity, refillPeriod);
            uint256 available = scaled / refillPeriod;
            if (collateralValue > available) revert AuctionBucketEmpty(asset, available);
            // collateralValue <= available, so the product is <= scaled < 2^192.
            state.bucket = BucketSlot(uint192(scaled - collateralValue * refillPeriod), uint64(block.timestamp));
        }
        _setAssetDebt(state, used + debt);
        _setGlobalDebt(globalUsed + debt);
        emit AuctionThrottled(asset, debt, collateralValue);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Releases at most what is recorded for the asset (never underflows); the event carries the
    /// amount actually released.
    function onAuctionEnd(address asset, uint256 debt) external onlyAuctionHouse {
        AssetState storage state = _states[asset];
        uint256 recorded = _assetDebt(state, state.auction.debtUnderAuction);
        uint256 released = Math.min(debt, recorded);
        // Nothing released: both totals stay, so neither is written.
        if (released != 0) {
            _setAssetDebt(state, recorded - released);
            // The global total is the sum of the asset totals, so it holds at least `released`.
            _setGlobalDebt(_globalDebt() - released);
        }
        emit AuctionReleased(asset, released);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICircuitBreaker
    /// @dev Unlimited values (zero caps) read type(uint256).max in `bucketAvailable`; the caps are
    /// shown as configured. `tripPrice` is zero without a configuration or a window high.
    function assetView(address asset) external view returns (AssetView memory v) {
        AssetState storage state = _states[asset];
        RiskSlot memory risk = state.risk;
        v.asset = asset;
        v.frozenUntil = risk.frozenUntil;
        v.frozen = block.timestamp < v.frozenUntil;
        v.trippedUntil = risk.trippedUntil;
        v.tripped = block.timestamp < v.trippedUntil;
        v.oracleFailed = risk.oracleFailedAt != 0;
        (, v.oracleFailure) = oracle.tryGetPrice(asset);
        v.graceUntil = _graceUntil(risk, state.auction.oracleRecoveredAt, uint64(_corePausedUntil >> KICK_LANE_SHIFT));
        v.debtUnderAuction = _assetDebt(state, state.auction.debtUnderAuction);
        v.debtUnderAuctionCap = state.caps.debtUnderAuctionCap;
        (, v.bucketAvailable) = _auctionRoom(state);
        v.bucketCapacity = state.caps.bucketCapacity;
        v.windowHighPrice = oracle.windowHighPrice(asset);
        v.tripPrice = risk.maxDrop == 0 ? 0 : _tripPrice(v.windowHighPrice, risk.maxDrop);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `globalGraceUntil` is the Kick pause's end + gracePeriod (zero if Kick was never paused).
    function globalView() external view returns (GlobalView memory v) {
        for (uint256 i; i < ACTION_COUNT; ++i) v.pausedUntil[i] = _pausedUntilOf(Action(i));
        v.globalDebtUnderAuction = _globalDebt();
        v.config = _globalConfig();
        v.globalDebtUnderAuctionCap = v.config.globalDebtUnderAuctionCap;
        uint256 kickEnd = v.pausedUntil[uint8(Action.Kick)];
        v.globalGraceUntil = kickEnd == 0 ? 0 : kickEnd + v.config.gracePeriod;
    }

    /// @inheritdoc ICircuitBreaker
    function assetConfig(address asset) external view returns (AssetConfig memory) {
        AssetState storage state = _states[asset];
        return
            AssetConfig({
                maxDrop: state.risk.maxDrop,
                cooldown: state.auction.cooldown,
                refillPeriod: state.auction.refillPeriod,
                debtUnderAuctionCap: state.caps.debtUnderAuctionCap,
                bucketCapacity: state.caps.bucketCapacity
            });
    }

    /// @inheritdoc ICircuitBreaker
    function globalConfig() external view returns (GlobalConfig memory) {
        return _globalConfig();
    }

    // ------------------------------------------------------------------ internals

    function _setGlobalConfig(GlobalConfig memory config) internal {
        _checkRange("maxPauseDuration", config.maxPauseDuration, MIN_MAX_PAUSE_DURATION, MAX_MAX_PAUSE_DURATION);
        _checkRange("pauseCooldown", config.pauseCooldown, 0, MAX_PAUSE_COOLDOWN);
        _checkRange("gracePeriod", config.gracePeriod, 0, MAX_GRACE_PERIOD);
        _globalDebtUnderAuctionCap = config.globalDebtUnderAuctionCap;
        _maxPauseDuration = config.maxPauseDuration;
        _pauseCooldown = config.pauseCooldown;
        _gracePeriod = config.gracePeriod;
        emit GlobalConfigSet(config);
    }

    function _globalConfig() internal view returns (GlobalConfig memory) {
        return
            GlobalConfig({
                globalDebtUnderAuctionCap: _globalDebtUnderAuctionCap,
                maxPauseDuration: _maxPauseDuration,
                pauseCooldown: _pauseCooldown,
                gracePeriod: _gracePeriod
            });
    }

    /// @dev End of the pause of `action` [s]; the pauses live in three slots, each next to what the
    /// action's hot path reads besides (see the state variables).
    function _pausedUntilOf(Action action) internal view returns (uint256) {
        if (uint8(action) < CORE_ACTIONS) return _corePause(action);
        if (action == Action.Take) return _takePausedUntil;
        return action == Action.PoolDeposit ? _poolDepositPausedUntil : _poolWithdrawPausedUntil;
    }

    /// @dev End of the pause of a core action (Deposit, Withdraw, Borrow or Kick) [s].
    function _corePause(Action action) internal view returns (uint256) {
        return (_corePausedUntil >> (uint256(uint8(action)) << 6)) & UINT64_MASK;
    }

    function _setPausedUntil(Action action, uint64 until) internal {
        if (uint8(action) < CORE_ACTIONS) {
            uint256 shift = uint256(uint8(action)) << 6;
            _corePausedUntil = (_corePausedUntil & ~(UINT64_MASK << shift)) | (uint256(until) << shift);
        } else if (action == Action.Take) _takePausedUntil = until;
        else if (action == Action.PoolDeposit) _poolDepositPausedUntil = until;
        else _poolWithdrawPausedUntil = until;
    }

    /// @dev Frozen, tripped, in recorded oracle failure, or (with `checkDrop`) a live drop that `trip`
    /// would accept at `price`: a borrow or withdrawal that sees the drop is refused although its own
    /// revert would roll back any trip it made (the trip itself needs a call of `trip` or `poke`).
    function _isRiskIncreaseBlocked(address asset, uint256 price, bool checkDrop) internal view returns (bool) {
        AssetState storage state = _states[asset];
        RiskSlot memory risk = state.risk; // one slot: all of the check but the drop's window start
        if (block.timestamp < risk.frozenUntil || block.timestamp < risk.trippedUntil || risk.oracleFailedAt != 0) {
            return true;
        }
        return checkDrop && _dropTrippable(state, risk.maxDrop, asset, price);
    }

    /// @dev True when `trip` would accept `price` [wad] now.
    function _canTrip(
        AssetState storage state,
        RiskSlot memory risk,
        address asset,
        uint256 price
    ) internal view returns (bool) {
        if (block.timestamp < risk.trippedUntil) return false;
        return _dropTrippable(state, risk.maxDrop, asset, price);
    }

    /// @dev True when `trip` would accept `price` [wad], the trip not being active: the asset has a
    /// breaker, `price` is below the window high's trip price and that window has not tripped before.
    function _dropTrippable(
        AssetState storage state,
        uint256 maxDrop,
        address asset,
        uint256 price
    ) internal view returns (bool) {
        if (maxDrop == 0) return false;
        // The window high alone first (one oracle slot): the window start matters only below the trip price.
        if (price >= _tripPrice(oracle.windowHighPrice(asset), maxDrop)) return false;
        uint256 windowStart = oracle.trackerState(asset).windowStart;
        // Same rule as `trip`: a window whose drop already tripped once does not trip or block again.
        return windowStart == 0 || windowStart > state.trippedWindowStart;
    }

    /// @dev Price below which `asset` can be tripped: windowHigh x (1 - maxDrop), rounded down [wad].
    function _tripPrice(uint256 windowHigh, uint256 maxDrop) internal pure returns (uint256) {
        return Math.mulDiv(windowHigh, WAD - maxDrop, WAD);
    }

    /// @dev End of the liquidation grace of an asset [s], zero if nothing ever started one. A freeze
    /// counts once it has ended; the trip and Kick pause ends count at once (they block liquidations
    /// by themselves until then, so the result is when liquidations resume).
    function _graceUntil(
        RiskSlot memory risk,
        uint256 oracleRecoveredAt,
        uint256 kickPausedUntil
    ) internal view returns (uint256) {
        uint256 frozenUntil = risk.frozenUntil;
        uint256 latest = Math.max(
            Math.max(kickPausedUntil, risk.trippedUntil),
            Math.max(frozenUntil <= block.timestamp ? frozenUntil : 0, oracleRecoveredAt)
        );
        return latest == 0 ? 0 : latest + _gracePeriod;
    }

    /// @dev Debt the caps still allow and collateral value the bucket allows now; max when unlimited.
    function _auctionRoom(AssetState storage state) internal view returns (uint256 debtRoom, uint256 valueRoom) {
        CapSlot memory caps = state.caps;
        AuctionSlot memory auction = state.auction;
        debtRoom = Math.min(
            _room(_globalDebtUnderAuctionCap, _globalDebt()),
            _room(caps.debtUnderAuctionCap, _assetDebt(state, auction.debtUnderAuction))
        );
        valueRoom =
            caps.bucketCapacity == 0
                ? type(uint256).max
                : _bucketScaled(state.bucket, caps.bucketCapacity, auction.refillPeriod) / auction.refillPeriod;
    }

    /// @dev The asset's debt under auction [base units], given its 128-bit field `field`.
    function _assetDebt(AssetState storage state, uint256 field) internal view returns (uint256) {
        return field == SPILLED ? state.debtUnderAuctionSpill : field;
    }

    function _setAssetDebt(AssetState storage state, uint256 total) internal {
        if (total < SPILLED) {
            state.auction.debtUnderAuction = uint128(total);
        } else {
            state.auction.debtUnderAuction = uint128(SPILLED);
            state.debtUnderAuctionSpill = total;
        }
    }

    /// @dev The global debt under auction [base units].
    function _globalDebt() internal view returns (uint256) {
        uint256 field = _globalDebtUnderAuction;
        return field == SPILLED ? _globalDebtUnderAuctionSpill : field;
    }

    function _setGlobalDebt(uint256 total) internal {
        if (total < SPILLED) {
            _globalDebtUnderAuction = uint128(total);
        } else {
            _globalDebtUnderAuction = uint128(SPILLED);
            _globalDebtUnderAuctionSpill = total;
        }
    }

    /// @dev Debt a cap still allows over `used` [base units]; max when uncapped, zero when over the cap.
    function _room(uint256 cap, uint256 used) internal pure returns (uint256) {
        if (cap == 0) return type(uint256).max;
        return cap > used ? cap - used : 0;
    }

    /// @dev Bucket level now, refilled, scaled by the refill period [wad usd x s]. Requires a bucket.
    function _bucketScaled(
        BucketSlot storage bucket,
        uint256 capacity,
        uint256 refillPeriod
    ) internal view returns (uint256) {
        BucketSlot memory b = bucket;
        uint256 refill = (block.timestamp - b.updatedAt) * capacity;
        return Math.min(uint256(b.scaled) + refill, capacity * refillPeriod);
    }

    function _checkDuration(uint256 duration, uint256 max) internal pure {
        if (duration == 0) revert ParameterOutOfBounds("duration", 0, 1);
        if (duration > max) revert PauseTooLong(duration, max);
    }

    function _checkUntil(uint256 until) internal view {
        if (until <= block.timestamp) revert ParameterOutOfBounds("until", until, block.timestamp);
        if (until > type(uint64).max) revert ParameterOutOfBounds("until", until, type(uint64).max);
    }

    /// @dev ParameterOutOfBounds with the bound that was crossed.
    function _checkRange(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min) revert ParameterOutOfBounds(name, value, min);
        if (value > max) revert ParameterOutOfBounds(name, value, max);
    }
}

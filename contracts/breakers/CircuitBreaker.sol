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
contract CircuitBreaker is ICircuitBreaker, AccessManaged {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant ACTION_COUNT = 7;

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

    /// @dev Breaker and throttle state of one asset. Slot 0 is all the hot-path checks read.
    struct AssetState {
        uint64 frozenUntil; // [s]
        uint64 trippedUntil; // [s]
        uint64 oracleFailedAt; // [s], 0 = no recorded failure
        uint64 oracleRecoveredAt; // [s], 0 = never recovered
        uint256 debtUnderAuction; // [base units]
        uint192 bucketScaled; // bucket level x refillPeriod [wad usd x s]
        uint64 bucketUpdatedAt; // [s]
        uint64 trippedWindowStart; // tracker window the last trip was measured against [s]
    }

    /// @notice Source of prices and of the tracker's window high.
    IBreakwaterOracle public immutable oracle;
    /// @notice The only caller of `onAuctionStart` and `onAuctionEnd` (zero until set).
    address public auctionHouse;

    GlobalConfig internal _global;
    uint64[ACTION_COUNT] internal _pausedUntil; // by Action [s]
    uint256 internal _globalDebtUnderAuction; // [base units]
    mapping(address asset => AssetConfig) internal _configs;
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
        AssetConfig memory config = _configs[asset];
        if (config.maxDrop == 0) revert BreakerNotConfigured(asset);
        AssetState storage state = _states[asset];
        if (block.timestamp < state.trippedUntil) revert BreakerTripped(asset, state.trippedUntil);

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
        uint256 threshold = _tripPrice(windowHigh, config.maxDrop);
        if (price >= threshold) revert NoPriceDrop(asset, price, threshold);

        uint256 until = block.timestamp + config.cooldown;
        state.trippedUntil = uint64(until);
        state.trippedWindowStart = tracker.windowStart;
        emit Tripped(asset, msg.sender, price, windowHigh, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Refused while a failure is already recorded (`OracleFailureAlreadyRecorded`), so the
    /// recorded time stays that of the first failure. The reason is kept only in the event.
    function recordOracleFailure(address asset) external {
        AssetState storage state = _states[asset];
        if (state.oracleFailedAt != 0) revert OracleFailureAlreadyRecorded(asset, state.oracleFailedAt);
        (, OracleFailure failure) = oracle.tryGetPrice(asset);
        if (failure == OracleFailure.None) revert OracleHealthy(asset);
        state.oracleFailedAt = uint64(block.timestamp);
        emit OracleFailureRecorded(asset, failure);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NoOracleFailureRecorded` without a recorded failure.
    function recordOracleRecovery(address asset) external {
        AssetState storage state = _states[asset];
        if (state.oracleFailedAt == 0) revert NoOracleFailureRecorded(asset);
        (, OracleFailure failure) = oracle.tryGetPrice(asset);
        if (failure != OracleFailure.None) revert OracleFailureMode(asset, failure);
        state.oracleFailedAt = 0;
        state.oracleRecoveredAt = uint64(block.timestamp);
        uint256 graceUntil = block.timestamp + _global.gracePeriod;
        emit OracleRecovered(asset, graceUntil);
        emit GraceStarted(asset, graceUntil);
    }

    // ------------------------------------------------------------------ guardian

    /// @inheritdoc ICircuitBreaker
    /// @dev `duration` [s] must be non-zero. Refused (`PauseCooldown`) until `pauseCooldown` after the
    /// end of the previous pause of `action`, which includes the whole of an active pause.
    function pause(Action action, uint256 duration) external restricted {
        GlobalConfig memory config = _global;
        _checkDuration(duration, config.maxPauseDuration);
        uint256 last = _pausedUntil[uint8(action)];
        if (last != 0 && block.timestamp < last + config.pauseCooldown) {
            revert PauseCooldown(action, last + config.pauseCooldown);
        }
        uint256 until = block.timestamp + duration;
        _pausedUntil[uint8(action)] = uint64(until);
        emit Paused(action, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `duration` [s] must be non-zero; the cooldown (`FreezeCooldown`) works as for `pause`,
    /// per asset, with the same `pauseCooldown`.
    function freeze(address asset, uint256 duration) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        GlobalConfig memory config = _global;
        _checkDuration(duration, config.maxPauseDuration);
        AssetState storage state = _states[asset];
        uint256 last = state.frozenUntil;
        if (last != 0 && block.timestamp < last + config.pauseCooldown) {
            revert FreezeCooldown(asset, last + config.pauseCooldown);
        }
        uint256 until = block.timestamp + duration;
        state.frozenUntil = uint64(until);
        emit Frozen(asset, msg.sender, until);
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotPaused` when no pause is active. The pause ends now: the guardian's cooldown and, for
    /// Kick, the liquidation grace period start now.
    function unpause(Action action) external restricted {
        if (block.timestamp >= _pausedUntil[uint8(action)]) revert NotPaused(action);
        _pausedUntil[uint8(action)] = uint64(block.timestamp);
        emit Unpaused(action, msg.sender);
        if (action == Action.Kick) emit GraceStarted(address(0), block.timestamp + _global.gracePeriod);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotFrozen` when no freeze is active. The freeze ends now: the guardian's cooldown and the
    /// asset's liquidation grace period start now.
    function unfreeze(address asset) external restricted {
        AssetState storage state = _states[asset];
        if (block.timestamp >= state.frozenUntil) revert NotFrozen(asset);
        state.frozenUntil = uint64(block.timestamp);
        emit Unfrozen(asset, msg.sender);
        emit GraceStarted(asset, block.timestamp + _global.gracePeriod);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Sets the end of the pause to `until` [s], which must be in the future and fit 64 bits
    /// (`ParameterOutOfBounds("until", until, bound)`). Works on an action that is not paused too,
    /// so that a timelocked extension scheduled during a guardian pause still applies if that pause
    /// ended first. Emits `Paused`.
    function extendPause(Action action, uint256 until) external restricted {
        _checkUntil(until);
        _pausedUntil[uint8(action)] = uint64(until);
        emit Paused(action, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev As `extendPause`, per asset. Emits `Frozen`.
    function extendFreeze(address asset, uint256 until) external restricted {
        if (asset == address(0)) revert ZeroAddress();
        _checkUntil(until);
        _states[asset].frozenUntil = uint64(until);
        emit Frozen(asset, msg.sender, until);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `NotTripped` when no trip is active. The trip ends now and the grace period starts now.
    function clearTrip(address asset) external restricted {
        AssetState storage state = _states[asset];
        if (block.timestamp >= state.trippedUntil) revert NotTripped(asset);
        state.trippedUntil = uint64(block.timestamp);
        emit TripCleared(asset, msg.sender);
        emit GraceStarted(asset, block.timestamp + _global.gracePeriod);
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

        AssetConfig memory old = _configs[asset];
        AssetState storage state = _states[asset];
        if (config.bucketCapacity != 0) {
            uint256 level =
                old.bucketCapacity == 0
                    ? config.bucketCapacity
                    : Math.min(_bucketScaled(state, old) / old.refillPeriod, config.bucketCapacity);
            // level <= 2^128 and refillPeriod <= 7 days < 2^20: fits 192 bits.
            state.bucketScaled = uint192(level * config.refillPeriod);
            state.bucketUpdatedAt = uint64(block.timestamp);
        }
        _configs[asset] = config;
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
        uint256 until = _pausedUntil[uint8(action)];
        if (block.timestamp < until) revert ActionPaused(action, until);
    }

    /// @notice Reverts when a new deposit of `asset` is refused: `ActionPaused(Deposit, until)` while
    /// deposits are paused, `AssetFrozen(asset, until)` while the asset is frozen.
    /// @inheritdoc ICircuitBreaker
    function checkDeposit(address asset) external view {
        uint256 until = _pausedUntil[uint8(Action.Deposit)];
        if (block.timestamp < until) revert ActionPaused(Action.Deposit, until);
        until = _states[asset].frozenUntil;
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
        return _canTrip(_states[asset], _configs[asset].maxDrop, asset, price);
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
        _checkLiquidation(asset, _states[asset], belowHardFloor);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Reverts as {checkLiquidation}; the results are those of {auctionRoom} and {canTrip}.
    function checkKick(
        address asset,
        bool belowHardFloor,
        uint256 price
    ) external view returns (uint256 debtRoom, uint256 valueRoom, bool trippable) {
        AssetState storage state = _states[asset];
        _checkLiquidation(asset, state, belowHardFloor);
        AssetConfig memory config = _configs[asset];
        debtRoom = Math.min(_globalRoom(), _assetRoom(state, config));
        valueRoom = _bucketAvailable(state, config);
        trippable = price != 0 && _canTrip(state, config.maxDrop, asset, price);
    }

    function _checkLiquidation(address asset, AssetState storage state, bool belowHardFloor) internal view {
        uint256 kickPausedUntil = _pausedUntil[uint8(Action.Kick)];
        if (block.timestamp < kickPausedUntil) revert ActionPaused(Action.Kick, kickPausedUntil);
        if (belowHardFloor) return;
        if (block.timestamp < state.trippedUntil) revert BreakerTripped(asset, state.trippedUntil);
        if (state.oracleFailedAt != 0) {
            (, OracleFailure failure) = oracle.tryGetPrice(asset);
            revert OracleFailureMode(asset, failure);
        }
        uint256 graceUntil = _graceUntil(state, kickPausedUntil);
        if (block.timestamp < graceUntil) revert LiquidationGracePeriod(asset, graceUntil);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev type(uint256).max stands for "no limit" in either value.
    function auctionRoom(address asset) external view returns (uint256 debtRoom, uint256 valueRoom) {
        AssetConfig memory config = _configs[asset];
        AssetState storage state = _states[asset];
        debtRoom = Math.min(_globalRoom(), _assetRoom(state, config));
        valueRoom = _bucketAvailable(state, config);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Checks, in order: the global cap (`GlobalAuctionCapReached`), the asset cap
    /// (`AssetAuctionCapReached`), the bucket (`AuctionBucketEmpty`); an amount equal to the room is
    /// allowed. The debt counts towards the global total whether or not the asset is configured.
    function onAuctionStart(address asset, uint256 debt, uint256 collateralValue) external onlyAuctionHouse {
        AssetConfig memory config = _configs[asset];
        AssetState storage state = _states[asset];

        uint256 room = _globalRoom();
        if (debt > room) revert GlobalAuctionCapReached(room);
        room = _assetRoom(state, config);
        if (debt > room) revert AssetAuctionCapReached(asset, room);
        if (config.bucketCapacity != 0) {
            uint256 scaled = _bucketScaled(state, config);
            uint256 available = scaled / config.refillPeriod;
            if (collateralValue > available) revert AuctionBucketEmpty(asset, available);
            // collateralValue <= available, so the product is <= scaled < 2^192.
            state.bucketScaled = uint192(scaled - collateralValue * config.refillPeriod);
            state.bucketUpdatedAt = uint64(block.timestamp);
        }
        state.debtUnderAuction += debt;
        _globalDebtUnderAuction += debt;
        emit AuctionThrottled(asset, debt, collateralValue);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev Releases at most what is recorded for the asset (never underflows); the event carries the
    /// amount actually released.
    function onAuctionEnd(address asset, uint256 debt) external onlyAuctionHouse {
        AssetState storage state = _states[asset];
        uint256 released = Math.min(debt, state.debtUnderAuction);
        state.debtUnderAuction -= released;
        // The global total is the sum of the asset totals, so it holds at least `released`.
        _globalDebtUnderAuction -= released;
        emit AuctionReleased(asset, released);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc ICircuitBreaker
    /// @dev Unlimited values (zero caps) read type(uint256).max in `bucketAvailable`; the caps are
    /// shown as configured. `tripPrice` is zero without a configuration or a window high.
    function assetView(address asset) external view returns (AssetView memory v) {
        AssetConfig memory config = _configs[asset];
        AssetState storage state = _states[asset];
        v.asset = asset;
        v.frozenUntil = state.frozenUntil;
        v.frozen = block.timestamp < v.frozenUntil;
        v.trippedUntil = state.trippedUntil;
        v.tripped = block.timestamp < v.trippedUntil;
        v.oracleFailed = state.oracleFailedAt != 0;
        (, v.oracleFailure) = oracle.tryGetPrice(asset);
        v.graceUntil = _graceUntil(state, _pausedUntil[uint8(Action.Kick)]);
        v.debtUnderAuction = state.debtUnderAuction;
        v.debtUnderAuctionCap = config.debtUnderAuctionCap;
        v.bucketAvailable = _bucketAvailable(state, config);
        v.bucketCapacity = config.bucketCapacity;
        v.windowHighPrice = oracle.windowHighPrice(asset);
        v.tripPrice = config.maxDrop == 0 ? 0 : _tripPrice(v.windowHighPrice, config.maxDrop);
    }

    /// @inheritdoc ICircuitBreaker
    /// @dev `globalGraceUntil` is the Kick pause's end + gracePeriod (zero if Kick was never paused).
    function globalView() external view returns (GlobalView memory v) {
        for (uint256 i; i < ACTION_COUNT; ++i) v.pausedUntil[i] = _pausedUntil[i];
        v.globalDebtUnderAuction = _globalDebtUnderAuction;
        v.config = _global;
        v.globalDebtUnderAuctionCap = v.config.globalDebtUnderAuctionCap;
        uint256 kickEnd = v.pausedUntil[uint8(Action.Kick)];
        v.globalGraceUntil = kickEnd == 0 ? 0 : kickEnd + v.config.gracePeriod;
    }

    /// @inheritdoc ICircuitBreaker
    function assetConfig(address asset) external view returns (AssetConfig memory) {
        return _configs[asset];
    }

    /// @inheritdoc ICircuitBreaker
    function globalConfig() external view returns (GlobalConfig memory) {
        return _global;
    }

    // ------------------------------------------------------------------ internals

    function _setGlobalConfig(GlobalConfig memory config) internal {
        _checkRange("maxPauseDuration", config.maxPauseDuration, MIN_MAX_PAUSE_DURATION, MAX_MAX_PAUSE_DURATION);
        _checkRange("pauseCooldown", config.pauseCooldown, 0, MAX_PAUSE_COOLDOWN);
        _checkRange("gracePeriod", config.gracePeriod, 0, MAX_GRACE_PERIOD);
        _global = config;
        emit GlobalConfigSet(config);
    }

    /// @dev Frozen, tripped, in recorded oracle failure, or (with `checkDrop`) a live drop that `trip`
    /// would accept at `price`: a borrow or withdrawal that sees the drop is refused although its own
    /// revert would roll back any trip it made (the trip itself needs a call of `trip` or `poke`).
    function _isRiskIncreaseBlocked(address asset, uint256 price, bool checkDrop) internal view returns (bool) {
        AssetState storage state = _states[asset];
        if (block.timestamp < state.frozenUntil || block.timestamp < state.trippedUntil || state.oracleFailedAt != 0) {
            return true;
        }
        return checkDrop && _dropTrippable(state, _configs[asset].maxDrop, asset, price);
    }

    /// @dev True when `trip` would accept `price` [wad] now.
    function _canTrip(
        AssetState storage state,
        uint256 maxDrop,
        address asset,
        uint256 price
    ) internal view returns (bool) {
        if (block.timestamp < state.trippedUntil) return false;
        return _dropTrippable(state, maxDrop, asset, price);
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
    function _graceUntil(AssetState storage state, uint256 kickPausedUntil) internal view returns (uint256) {
        uint256 frozenUntil = state.frozenUntil;
        uint256 latest = Math.max(
            Math.max(kickPausedUntil, state.trippedUntil),
            Math.max(frozenUntil <= block.timestamp ? frozenUntil : 0, state.oracleRecoveredAt)
        );
        return latest == 0 ? 0 : latest + _global.gracePeriod;
    }

    /// @dev Debt the global cap still allows [base units]; max when uncapped, zero when over the cap.
    function _globalRoom() internal view returns (uint256) {
        uint256 cap = _global.globalDebtUnderAuctionCap;
        if (cap == 0) return type(uint256).max;
        uint256 used = _globalDebtUnderAuction;
        return cap > used ? cap - used : 0;
    }

    /// @dev Debt the asset cap still allows [base units]; max when uncapped, zero when over the cap.
    function _assetRoom(AssetState storage state, AssetConfig memory config) internal view returns (uint256) {
        uint256 cap = config.debtUnderAuctionCap;
        if (cap == 0) return type(uint256).max;
        uint256 used = state.debtUnderAuction;
        return cap > used ? cap - used : 0;
    }

    /// @dev Bucket level now, refilled, scaled by the refill period [wad usd x s]. Requires a bucket.
    function _bucketScaled(AssetState storage state, AssetConfig memory config) internal view returns (uint256) {
        uint256 full = uint256(config.bucketCapacity) * config.refillPeriod;
        uint256 refill = (block.timestamp - state.bucketUpdatedAt) * config.bucketCapacity;
        return Math.min(uint256(state.bucketScaled) + refill, full);
    }

    /// @dev Collateral value the bucket allows now [wad usd]; max without a bucket.
    function _bucketAvailable(AssetState storage state, AssetConfig memory config) internal view returns (uint256) {
        if (config.bucketCapacity == 0) return type(uint256).max;
        return _bucketScaled(state, config) / config.refillPeriod;
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

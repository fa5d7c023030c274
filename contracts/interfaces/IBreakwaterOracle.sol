// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @notice Why a price could not be used. `None` means the price is good.
enum OracleFailure {
    None,
    NoFeed, // asset has no configured feed
    CallFailed, // latestRoundData reverted or returned malformed data
    NonPositive, // answer <= 0
    Stale, // updatedAt older than the feed's staleness limit (or in the future)
    OutOfBounds, // normalised price outside [minPrice, maxPrice]
    SequencerDown, // L2 sequencer uptime feed reports down
    SequencerGracePeriod, // sequencer is up again but the grace period has not elapsed
    Deviation // primary and secondary feeds disagree by more than maxDeviation
}

/// @notice The one breaker function the oracle calls: `poke` trips the price-drop breaker itself.
interface IPriceDropBreaker {
    function trip(address asset) external;
}

/// @title Breakwater oracle: defensive Chainlink adapter plus an on-chain volatility tracker
/// @notice Prices are USD per one whole token, scaled to 1e18 [wad], whatever the feed decimals.
/// The tracker keeps an EWMA of squared price returns, updated by the permissionless `poke`, from
/// which the vault engine derives the volatility haircut add-on.
interface IBreakwaterOracle {
    /// @notice Per-asset feed configuration.
    /// @param primary Chainlink feed for asset/USD.
    /// @param secondary Optional second feed (address(0) for none); if set both must agree.
    /// @param primaryStaleness Max age of the primary answer [s].
    /// @param secondaryStaleness Max age of the secondary answer [s].
    /// @param maxDeviation Max relative difference |p - s| / p between the feeds [wad].
    /// @param minPrice Lowest plausible price [wad]; below it the feed is considered broken.
    /// @param maxPrice Highest plausible price [wad].
    struct FeedConfig {
        AggregatorV3Interface primary;
        AggregatorV3Interface secondary;
        uint32 primaryStaleness;
        uint32 secondaryStaleness;
        uint64 maxDeviation;
        uint128 minPrice;
        uint128 maxPrice;
    }

    /// @notice Tracker state of one asset.
    /// @param lastPrice Price seen at the last accepted poke [wad].
    /// @param lastUpdate Timestamp of the last accepted poke [s].
    /// @param ewmaVariance EWMA of squared returns, normalised to `VARIANCE_INTERVAL` [wad].
    /// @param windowStart Start of the current reference window [s] (used by the price-drop breaker).
    /// @param windowHighPrice Highest price seen in the current reference window [wad].
    struct TrackerState {
        uint128 lastPrice;
        uint64 lastUpdate;
        uint128 ewmaVariance;
        uint64 windowStart;
        uint128 windowHighPrice;
    }

    /// @notice The price of `asset` cannot be used, for `reason`.
    error OracleFailed(address asset, OracleFailure reason);
    /// @notice A feed configuration is invalid (`field` names the offending field).
    error InvalidFeedConfig(address asset, string field);
    /// @notice A tracker parameter is outside its hard bounds.
    error TrackerParameterOutOfBounds(string parameter, uint256 value);
    /// @notice The oracle call failed because the caller supplied too little gas (griefing guard).
    error InsufficientGasForOracle();
    /// @notice {varianceSample} is undefined for a zero last price or a zero time step.
    error VarianceSampleUndefined(uint256 lastPrice, uint256 dt);
    /// @notice {decayWeight} takes a weight of at most 1 [wad].
    error DecayLambdaAboveOne(uint256 lambda);

    event FeedConfigured(address indexed asset, address indexed primary, address indexed secondary, FeedConfig config);
    event FeedRemoved(address indexed asset);
    event SequencerFeedSet(address indexed feed, uint32 gracePeriod);
    event TrackerParametersSet(uint64 ewmaLambda, uint32 minPokeInterval, uint32 windowLength);
    event Poked(address indexed asset, uint256 price, uint256 ewmaVariance, uint256 volatility);
    event PriceDropBreakerSet(address indexed breaker);

    error PriceDropBreakerAlreadySet(address breaker);

    /// @notice Price of `asset` [wad USD per whole token]; reverts `OracleFailed` on any failure.
    function getPrice(address asset) external view returns (uint256 price);

    /// @notice Price and tracked volatility of `asset`; reverts `OracleFailed` on any failure.
    /// @return price [wad USD per whole token]
    /// @return volatility sqrt(ewmaVariance): standard deviation of returns per `VARIANCE_INTERVAL` [wad]
    function getPriceAndVolatility(address asset) external view returns (uint256 price, uint256 volatility);

    /// @notice Non-reverting price read for breakers and views.
    /// @return price [wad], zero when `failure != None`
    /// @return failure Why the price is unusable, or `None`.
    function tryGetPrice(address asset) external view returns (uint256 price, OracleFailure failure);

    /// @notice Tracked volatility of `asset` [wad per VARIANCE_INTERVAL]; zero before the second poke.
    function volatility(address asset) external view returns (uint256);

    /// @notice The tracker's window high of `asset` [wad] (`trackerState(asset).windowHighPrice`, zero
    /// before the first poke): the one tracker figure the breakers' hot checks need, in one slot.
    function windowHighPrice(address asset) external view returns (uint256);

    /// @notice Permissionless: reads the current price and folds the return since the last poke into
    /// the EWMA. Pokes closer together than `minPokeInterval` only refresh the window high. Then tries
    /// to trip the price-drop breaker (if wired), which trips only on a real drop.
    /// @return price The price read [wad].
    function poke(address asset) external returns (uint256 price);

    /// @notice Admin: wires the price-drop breaker that `poke` trips when it sees the drop, once.
    function setPriceDropBreaker(address breaker) external;

    /// @notice Configures (or replaces) the feeds of `asset`. Restricted to governance.
    function setFeed(address asset, FeedConfig calldata config) external;

    /// @notice Removes the feeds of `asset`. Restricted to governance.
    function removeFeed(address asset) external;

    /// @notice Sets the L2 sequencer uptime feed (address(0) disables) and its grace period [s].
    function setSequencerFeed(AggregatorV3Interface feed, uint32 gracePeriod) external;

    /// @notice Sets the tracker parameters. Restricted to governance.
    /// @param ewmaLambda Weight kept by the old variance per VARIANCE_INTERVAL of elapsed time [wad],
    ///        e.g. 0.94e18; decay depends on time, not on how often `poke` is called.
    /// @param minPokeInterval Minimum time between variance updates [s].
    /// @param windowLength Length of the price-drop reference window [s].
    function setTrackerParameters(uint64 ewmaLambda, uint32 minPokeInterval, uint32 windowLength) external;

    function feedConfig(address asset) external view returns (FeedConfig memory);
    function trackerState(address asset) external view returns (TrackerState memory);
}

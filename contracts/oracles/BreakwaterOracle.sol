// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IBreakwaterOracle, IPriceDropBreaker, OracleFailure} from "../interfaces/IBreakwaterOracle.sol";
import {ChainlinkReader} from "./ChainlinkReader.sol";

/// @title Breakwater oracle
/// @notice Defensive Chainlink adapter (optional secondary feed, optional L2 sequencer check) plus a
/// per-asset EWMA volatility tracker. See {IBreakwaterOracle}.
/// @dev The tracker's decay is time-based: `ewmaLambda` is the weight the old variance keeps per
/// `VARIANCE_INTERVAL` of elapsed time, however many pokes that time is split into (see
/// {decayWeight}). With a per-poke decay, anyone could shrink the variance by poking every
/// `minPokeInterval` in a calm market (60 pokes an hour: 0.94^60 ~ 2.4% left instead of 94%).
/// @dev Storage is laid out for the hot path (`getPriceAndVolatility`, once per collateral in every
/// health check): without a secondary feed it reads the sequencer slot plus two asset slots
/// (feed head with the cached volatility, bounds) and makes one external call per feed.
contract BreakwaterOracle is IBreakwaterOracle, AccessManaged {
    uint256 private constant WAD = 1e18;

    /// @notice Period the tracked variance is normalised to [s].
    uint256 public constant VARIANCE_INTERVAL = 1 hours;
    /// @notice Cap on one variance sample [wad]: a 100% move per hour, squared. Keeps one outlier
    /// from dominating for ever and keeps the variance below 2^64.
    uint256 public constant MAX_VARIANCE_SAMPLE = 1e18;
    /// @notice Whole `VARIANCE_INTERVAL`s after which the old variance keeps no weight at all.
    /// Changes no result: even at `MAX_EWMA_LAMBDA`, 0.999^(2^16) < 4e-29 already rounds to 0 in
    /// wad. It only bounds the exponentiation loop in {decayWeight} (at most 16 rounds).
    uint256 public constant MAX_DECAY_INTERVALS = 2 ** 16;
    /// @dev Precision of the decay computation. Products of two values <= 1e36 stay below 2^256,
    /// and the 18 extra digits keep the rounding errors far below the gap between the weights of
    /// neighbouring `dt`s, so the wad result is monotonic in `dt` (in wad precision it is not: the
    /// squarings' rounding errors break monotonicity once lambda^n is down to a few thousand wei).
    uint256 private constant ONE_36 = 1e36;

    uint64 public constant MIN_EWMA_LAMBDA = 0.5e18;
    uint64 public constant MAX_EWMA_LAMBDA = 0.999e18;
    uint32 public constant MIN_POKE_INTERVAL = 1;
    uint32 public constant MAX_POKE_INTERVAL = 1 days;
    uint32 public constant MIN_WINDOW_LENGTH = 1 minutes;
    uint32 public constant MAX_WINDOW_LENGTH = 7 days;
    uint32 public constant MIN_STALENESS = 1;
    uint32 public constant MAX_STALENESS = 7 days;
    uint64 public constant MIN_MAX_DEVIATION = 0.001e18;
    uint64 public constant MAX_MAX_DEVIATION = 0.5e18;
    uint32 public constant MAX_SEQUENCER_GRACE_PERIOD = 1 days;
    uint8 public constant MAX_FEED_DECIMALS = ChainlinkReader.MAX_DECIMALS;
    /// @notice Gas forwarded to each feed call (see {ChainlinkReader}).
    uint256 public constant FEED_CALL_GAS_LIMIT = ChainlinkReader.FEED_CALL_GAS_LIMIT;

    /// @dev Everything the hot path needs about the primary feed, and the tracked volatility, in one
    /// slot (256 bits). The staleness is validated to at most MAX_STALENESS (< 2^24), the decimals to
    /// at most MAX_FEED_DECIMALS (< 2^7), which leaves bit 7 of `primaryDecimals` for the
    /// has-a-secondary flag (`HAS_SECONDARY`), which lets the hot path skip the secondary slot.
    struct FeedHead {
        AggregatorV3Interface primary; // zero = no feed
        uint24 primaryStaleness; // [s]
        uint8 primaryDecimals; // cached from the feed at setFeed, | HAS_SECONDARY
        uint64 volatility; // tracker: sqrt(ewmaVariance) [wad], cached so the hot path pays no sqrt
    }

    struct FeedSecondary {
        AggregatorV3Interface feed;
        uint64 maxDeviation; // [wad]
        uint32 staleness; // [s]
    }

    uint8 private constant HAS_SECONDARY = 0x80;
    uint8 private constant DECIMALS_MASK = 0x7f;

    struct PriceBounds {
        uint128 minPrice; // [wad]
        uint128 maxPrice; // [wad]
    }

    /// @dev Tracker prices, touched by poke only.
    struct TrackerPrices {
        uint128 lastPrice; // [wad]
        uint128 windowHighPrice; // [wad]
    }

    /// @dev Tracker statistics (the volatility lives in the feed head). The variance is <= 1e18 by
    /// construction (capped samples), so 64 bits suffice. The secondary feed's decimals sit here,
    /// read only by assets with a secondary feed.
    struct TrackerStats {
        uint64 ewmaVariance; // [wad]
        uint64 lastUpdate; // [s]
        uint64 windowStart; // [s]
        uint8 secondaryDecimals; // cached from the secondary feed at setFeed
    }

    /// @dev Each nested struct starts its own slot, so every part is one SLOAD.
    struct AssetData {
        FeedHead head;
        FeedSecondary secondary;
        PriceBounds bounds;
        TrackerPrices prices;
        TrackerStats stats;
    }

    struct SequencerConfig {
        AggregatorV3Interface feed; // zero = not on an L2 / disabled
        uint32 gracePeriod; // [s]
    }

    struct TrackerParameters {
        uint64 ewmaLambda; // [wad]
        uint32 minPokeInterval; // [s]
        uint32 windowLength; // [s]
    }

    mapping(address asset => AssetData) private _assets;
    SequencerConfig private _sequencer;
    /// @notice Price-drop breaker tripped by `poke` (address(0) until wired).
    IPriceDropBreaker public priceDropBreaker;
    TrackerParameters private _tracker;

    constructor(address accessManager) AccessManaged(accessManager) {
        _setTrackerParameters(0.94e18, 60, 1 hours);
    }

    // ---------------------------------------------------------------- reads

    /// @inheritdoc IBreakwaterOracle
    function getPrice(address asset) external view returns (uint256 price) {
        OracleFailure failure;
        (price, failure) = _readPrice(_assets[asset]);
        if (failure != OracleFailure.None) revert OracleFailed(asset, failure);
    }

    /// @inheritdoc IBreakwaterOracle
    function getPriceAndVolatility(address asset) external view returns (uint256 price, uint256 volatility_) {
        AssetData storage data = _assets[asset];
        OracleFailure failure;
        (price, failure) = _readPrice(data);
        if (failure != OracleFailure.None) revert OracleFailed(asset, failure);
        volatility_ = data.head.volatility;
    }

    /// @inheritdoc IBreakwaterOracle
    function tryGetPrice(address asset) external view returns (uint256 price, OracleFailure failure) {
        return _readPrice(_assets[asset]);
    }

    /// @inheritdoc IBreakwaterOracle
    function volatility(address asset) external view returns (uint256) {
        return _assets[asset].head.volatility;
    }

    /// @inheritdoc IBreakwaterOracle
    function windowHighPrice(address asset) external view returns (uint256) {
        return _assets[asset].prices.windowHighPrice;
    }

    /// @inheritdoc IBreakwaterOracle
    function feedConfig(address asset) external view returns (FeedConfig memory config) {
        AssetData storage data = _assets[asset];
        config.primary = data.head.primary;
        config.secondary = data.secondary.feed;
        config.primaryStaleness = data.head.primaryStaleness;
        config.secondaryStaleness = data.secondary.staleness;
        config.maxDeviation = data.secondary.maxDeviation;
        config.minPrice = data.bounds.minPrice;
        config.maxPrice = data.bounds.maxPrice;
    }

    /// @inheritdoc IBreakwaterOracle
    function trackerState(address asset) external view returns (TrackerState memory state) {
        AssetData storage data = _assets[asset];
        state.lastPrice = data.prices.lastPrice;
        state.lastUpdate = data.stats.lastUpdate;
        state.ewmaVariance = data.stats.ewmaVariance;
        state.windowStart = data.stats.windowStart;
        state.windowHighPrice = data.prices.windowHighPrice;
    }

    /// @notice Cached decimals of the primary and secondary feeds of `asset`.
    function feedDecimals(address asset) external view returns (uint8 primaryDecimals, uint8 secondaryDecimals) {
        AssetData storage data = _assets[asset];
        return (data.head.primaryDecimals & DECIMALS_MASK, data.stats.secondaryDecimals);
    }

    /// @notice L2 sequencer uptime feed (zero if disabled) and its grace period [s].
    function sequencerFeed() external view returns (AggregatorV3Interface feed, uint32 gracePeriod) {
        SequencerConfig memory seq = _sequencer;
        return (seq.feed, seq.gracePeriod);
    }

    /// @notice Current tracker parameters: lambda [wad], min poke interval [s], window length [s].
    function trackerParameters()
        external
        view
        returns (uint64 ewmaLambda, uint32 minPokeInterval, uint32 windowLength)
    {
        TrackerParameters memory p = _tracker;
        return (p.ewmaLambda, p.minPokeInterval, p.windowLength);
    }

    // ---------------------------------------------------------------- tracker

    /// @inheritdoc IBreakwaterOracle
    function poke(address asset) external returns (uint256 price) {
        AssetData storage data = _assets[asset];
        OracleFailure failure;
        (price, failure) = _readPrice(data);
        if (failure != OracleFailure.None) revert OracleFailed(asset, failure);

        TrackerPrices memory prices = data.prices;
        TrackerStats memory stats = data.stats;
        uint64 oldVolatility = data.head.volatility;
        uint64 newVolatility = oldVolatility;
        TrackerParameters memory params = _tracker;
        // Safe casts: price <= maxPrice <= type(uint128).max, timestamps fit 64 bits for aeons.
        uint128 price128 = uint128(price);
        uint64 nowTs = uint64(block.timestamp);

        if (stats.lastUpdate == 0) {
            // First poke: nothing to measure a return against yet.
            prices.lastPrice = price128;
            stats.lastUpdate = nowTs;
            stats.windowStart = nowTs;
            prices.windowHighPrice = price128;
        } else {
            uint256 dt = nowTs - stats.lastUpdate;
            if (dt >= params.minPokeInterval) {
                uint256 sample = varianceSample(prices.lastPrice, price, dt);
                // w = lambda^(dt / VARIANCE_INTERVAL): the decay depends on elapsed time, not on the
                // number of pokes. w * old + (1 - w) * sample is a convex mix of values
                // <= MAX_VARIANCE_SAMPLE, so it fits 64 bits.
                uint256 w = decayWeight(params.ewmaLambda, dt);
                uint256 variance = (w * stats.ewmaVariance + (WAD - w) * sample) / WAD;
                stats.ewmaVariance = uint64(variance);
                newVolatility = uint64(Math.sqrt(variance * WAD));
                prices.lastPrice = price128;
                stats.lastUpdate = nowTs;
            }
            if (nowTs >= uint256(stats.windowStart) + params.windowLength) {
                stats.windowStart = nowTs;
                prices.windowHighPrice = price128;
            } else if (price128 > prices.windowHighPrice) {
                prices.windowHighPrice = price128;
            }
        }

        data.prices = prices;
        data.stats = stats;
        if (newVolatility != oldVolatility) data.head.volatility = newVolatility;
        emit Poked(asset, price, stats.ewmaVariance, newVolatility);
        _tryTrip(asset);
    }

    /// @dev A poke reads the price and never reverts on a drop, so it is where the price-drop breaker
    /// trips itself: a trip made here sticks. No drop, or already tripped: the breaker reverts and the
    /// poke goes on.
    function _tryTrip(address asset) private {
        IPriceDropBreaker breaker = priceDropBreaker;
        if (address(breaker) != address(0)) {
            try breaker.trip(asset) {} catch {}
        }
    }

    /// @inheritdoc IBreakwaterOracle
    function setPriceDropBreaker(address breaker) external restricted {
        if (breaker == address(0)) revert InvalidFeedConfig(address(0), "priceDropBreaker");
        if (address(priceDropBreaker) != address(0)) revert PriceDropBreakerAlreadySet(address(priceDropBreaker));
        priceDropBreaker = IPriceDropBreaker(breaker);
        emit PriceDropBreakerSet(breaker);
    }

    /// @notice One variance sample: the squared return from `lastPrice` to `price`, scaled from `dt`
    /// to `VARIANCE_INTERVAL` and capped at `MAX_VARIANCE_SAMPLE`.
    /// @param lastPrice [wad], non-zero
    /// @param price [wad]
    /// @param dt Time between the two prices [s], non-zero
    /// @return sample [wad]
    function varianceSample(uint256 lastPrice, uint256 price, uint256 dt) public pure returns (uint256 sample) {
        if (lastPrice == 0 || dt == 0) revert VarianceSampleUndefined(lastPrice, dt);
        uint256 diff = price > lastPrice ? price - lastPrice : lastPrice - price;
        // Beyond a 1e18x move the sample is capped anyway (and the scaled return below could overflow).
        if (diff / lastPrice >= WAD) return MAX_VARIANCE_SAMPLE;
        // diff < 1e18 * lastPrice, so r < 1e36 and r^2 * 3600 < 2^256.
        uint256 r = Math.mulDiv(diff, WAD, lastPrice); // |return| [wad]
        // Dividing twice equals dividing by WAD * dt (floor of a floor), and cannot overflow for any dt.
        sample = (r * r * VARIANCE_INTERVAL) / WAD / dt;
        if (sample > MAX_VARIANCE_SAMPLE) sample = MAX_VARIANCE_SAMPLE;
    }

    /// @notice Weight the old variance keeps after `dt` seconds: lambda^(dt / VARIANCE_INTERVAL).
    /// @dev With n = dt / VARIANCE_INTERVAL and x = (dt % VARIANCE_INTERVAL) / VARIANCE_INTERVAL,
    /// w = lambda^n * (1 - (1 - lambda) * x): lambda^n exactly (up to rounding) by squaring, the
    /// fraction to first order. That chord lies above the curve: lambda^x is convex in x and
    /// equal to it at x = 0 and x = 1, so 1 - (1 - lambda) * x >= lambda^x on [0, 1]. The weight is
    /// therefore never below the exact lambda^(dt / VARIANCE_INTERVAL) (but for the final 1-wei
    /// rounding) and equal to it for whole intervals; it over-weights the old value by at most
    /// ~0.05% at lambda 0.94 (~6% at the minimum lambda 0.5), near half an interval.
    /// Consequences:
    /// - in a calm market (sample below the old variance) the variance decays no faster than
    ///   lambda per VARIANCE_INTERVAL, whatever the poking schedule, which errs on the side of
    ///   wider haircuts: since (1 - kx)(1 - ky) >= 1 - k(x + y) and
    ///   (1 - kx)(1 - ky) >= lambda * (1 - k(x + y - 1)) for k = 1 - lambda, splitting a gap into
    ///   several pokes only ever keeps more weight (up to rounding);
    /// - a sample over a gap of x <= 1 interval gets weight (1 - lambda) * x and is scaled by 1 / x,
    ///   so a move contributes (1 - lambda) * r^2 whether it is seen over a minute or an hour
    ///   (unless the sample cap binds: r^2 / x > 1);
    /// - the one direction in which the over-weight errs low: the rise towards a sample above the
    ///   old variance over a fractional gap is damped by the same small amount.
    /// Computed with 36 decimals (see ONE_36), rounded down to wad. Monotonically non-increasing
    /// in `dt`; 1 for dt = 0, exactly `lambda` for dt = VARIANCE_INTERVAL, 0 from
    /// MAX_DECAY_INTERVALS intervals on.
    /// @param lambda Weight kept per VARIANCE_INTERVAL [wad], at most 1e18.
    /// @param dt Elapsed time [s].
    /// @return w [wad]
    function decayWeight(uint256 lambda, uint256 dt) public pure returns (uint256 w) {
        if (lambda > WAD) revert DecayLambdaAboveOne(lambda);
        uint256 n = dt / VARIANCE_INTERVAL;
        if (n >= MAX_DECAY_INTERVALS) return 0;
        uint256 lambda36 = lambda * (ONE_36 / WAD);
        uint256 decay36 = ONE_36 - lambda36; // lambda <= 1, checked above
        uint256 f = dt % VARIANCE_INTERVAL;
        // Unchecked: every factor is <= 1e36, so every product is < 2^256 and nothing underflows.
        unchecked {
            uint256 w36 = ONE_36;
            // Exponentiation by squaring: w36 = lambda^n.
            for (uint256 base = lambda36; n != 0;) {
                if (n & 1 != 0) w36 = (w36 * base) / ONE_36;
                n >>= 1;
                if (n != 0) base = (base * base) / ONE_36;
            }
            // First order in the fraction of an interval; see above for why it may only err upwards.
            if (f != 0) w36 = (w36 * (ONE_36 - (decay36 * f) / VARIANCE_INTERVAL)) / ONE_36;
            return w36 / (ONE_36 / WAD);
        }
    }

    // ---------------------------------------------------------------- governance

    /// @inheritdoc IBreakwaterOracle
    function setFeed(address asset, FeedConfig calldata config) external restricted {
        if (asset == address(0)) revert InvalidFeedConfig(asset, "asset");
        uint8 primaryDecimals = _feedDecimals(asset, config.primary, "primary", "primaryDecimals");
        _checkStaleness(asset, config.primaryStaleness, "primaryStaleness");
        if (config.minPrice == 0) revert InvalidFeedConfig(asset, "minPrice");
        if (config.maxPrice <= config.minPrice) revert InvalidFeedConfig(asset, "maxPrice");

        bool hasSecondary = address(config.secondary) != address(0);
        uint8 secondaryDecimals;
        if (hasSecondary) {
            // The same feed twice would make the deviation check a no-op.
            if (config.secondary == config.primary) revert InvalidFeedConfig(asset, "secondary");
            secondaryDecimals = _feedDecimals(asset, config.secondary, "secondary", "secondaryDecimals");
            _checkStaleness(asset, config.secondaryStaleness, "secondaryStaleness");
            if (config.maxDeviation < MIN_MAX_DEVIATION || config.maxDeviation > MAX_MAX_DEVIATION) {
                revert InvalidFeedConfig(asset, "maxDeviation");
            }
        }

        AssetData storage data = _assets[asset];
        data.head = FeedHead({
            primary: config.primary,
            primaryStaleness: uint24(config.primaryStaleness), // <= MAX_STALENESS, checked above
            primaryDecimals: primaryDecimals | (hasSecondary ? HAS_SECONDARY : 0),
            volatility: data.head.volatility
        });
        data.secondary = FeedSecondary({
            feed: config.secondary,
            maxDeviation: config.maxDeviation,
            staleness: config.secondaryStaleness
        });
        data.bounds = PriceBounds({minPrice: config.minPrice, maxPrice: config.maxPrice});
        data.stats.secondaryDecimals = secondaryDecimals;
        // The tracker survives a reconfiguration: prices stay USD per token whatever the feed.
        emit FeedConfigured(asset, address(config.primary), address(config.secondary), config);
    }

    /// @inheritdoc IBreakwaterOracle
    /// @dev Also clears the tracker, so a later re-listing does not measure a return against a
    /// price that may be months old.
    function removeFeed(address asset) external restricted {
        AssetData storage data = _assets[asset];
        if (address(data.head.primary) == address(0)) revert InvalidFeedConfig(asset, "asset");
        delete data.head;
        delete data.secondary;
        delete data.bounds;
        delete data.prices;
        delete data.stats;
        emit FeedRemoved(asset);
    }

    /// @inheritdoc IBreakwaterOracle
    function setSequencerFeed(AggregatorV3Interface feed, uint32 gracePeriod) external restricted {
        if (address(feed) != address(0) && address(feed).code.length == 0) {
            revert InvalidFeedConfig(address(0), "sequencerFeed");
        }
        if (gracePeriod > MAX_SEQUENCER_GRACE_PERIOD) revert InvalidFeedConfig(address(0), "sequencerGracePeriod");
        _sequencer = SequencerConfig({feed: feed, gracePeriod: gracePeriod});
        emit SequencerFeedSet(address(feed), gracePeriod);
    }

    /// @inheritdoc IBreakwaterOracle
    /// @dev `ewmaLambda` is the weight the old variance keeps per VARIANCE_INTERVAL of elapsed time
    /// (see {decayWeight}), not per update: an update after one interval applies it exactly once.
    function setTrackerParameters(uint64 ewmaLambda, uint32 minPokeInterval, uint32 windowLength) external restricted {
        _setTrackerParameters(ewmaLambda, minPokeInterval, windowLength);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The whole validation pipeline; never reverts except `InsufficientGasForOracle`.
    function _readPrice(AssetData storage data) private view returns (uint256 price, OracleFailure failure) {
        FeedHead memory head = data.head;
        if (address(head.primary) == address(0)) return (0, OracleFailure.NoFeed);

        failure = _checkSequencer();
        if (failure != OracleFailure.None) return (0, failure);

        (price, failure) = ChainlinkReader.readPrice(
            head.primary,
            head.primaryDecimals & DECIMALS_MASK,
            head.primaryStaleness
        );
        if (failure != OracleFailure.None) return (0, failure);
        PriceBounds memory bounds = data.bounds;
        if (price < bounds.minPrice || price > bounds.maxPrice) return (0, OracleFailure.OutOfBounds);

        if (head.primaryDecimals & HAS_SECONDARY != 0) {
            FeedSecondary memory secondary = data.secondary;
            (uint256 check, OracleFailure secondaryFailure) = ChainlinkReader.readPrice(
                secondary.feed,
                data.stats.secondaryDecimals,
                secondary.staleness
            );
            if (secondaryFailure != OracleFailure.None) return (0, secondaryFailure);
            // Bounds first: they also keep the product below from overflowing.
            if (check < bounds.minPrice || check > bounds.maxPrice) return (0, OracleFailure.OutOfBounds);
            uint256 diff = check > price ? check - price : price - check;
            if ((diff * WAD) / price > secondary.maxDeviation) return (0, OracleFailure.Deviation);
        }
    }

    /// @dev Fails closed: a broken or never-initialised uptime feed counts as down.
    function _checkSequencer() private view returns (OracleFailure) {
        SequencerConfig memory seq = _sequencer;
        if (address(seq.feed) == address(0)) return OracleFailure.None;
        (bool ok, int256 answer, uint256 startedAt, ) = ChainlinkReader.latestRoundData(seq.feed);
        // answer: 0 = up, anything else (1) = down; startedAt = when the status last changed.
        if (!ok || answer != 0 || startedAt == 0) return OracleFailure.SequencerDown;
        if (startedAt > block.timestamp || block.timestamp - startedAt <= seq.gracePeriod) {
            return OracleFailure.SequencerGracePeriod;
        }
        return OracleFailure.None;
    }

    /// @dev Reads `decimals()` without trusting the feed; governance-only path, so plain reverts.
    function _feedDecimals(
        address asset,
        AggregatorV3Interface feed,
        string memory field,
        string memory decimalsField
    ) private view returns (uint8) {
        if (address(feed).code.length == 0) revert InvalidFeedConfig(asset, field);
        (bool success, bytes memory ret) = address(feed).staticcall(abi.encodeCall(AggregatorV3Interface.decimals, ()));
        if (!success || ret.length < 32) revert InvalidFeedConfig(asset, field);
        uint256 decimals = abi.decode(ret, (uint256));
        if (decimals > MAX_FEED_DECIMALS) revert InvalidFeedConfig(asset, decimalsField);
        return uint8(decimals);
    }

    function _checkStaleness(address asset, uint32 staleness, string memory field) private pure {
        if (staleness < MIN_STALENESS || staleness > MAX_STALENESS) revert InvalidFeedConfig(asset, field);
    }

    function _setTrackerParameters(uint64 ewmaLambda, uint32 minPokeInterval, uint32 windowLength) private {
        if (ewmaLambda < MIN_EWMA_LAMBDA || ewmaLambda > MAX_EWMA_LAMBDA) {
            revert TrackerParameterOutOfBounds("ewmaLambda", ewmaLambda);
        }
        if (minPokeInterval < MIN_POKE_INTERVAL || minPokeInterval > MAX_POKE_INTERVAL) {
            revert TrackerParameterOutOfBounds("minPokeInterval", minPokeInterval);
        }
        if (windowLength < MIN_WINDOW_LENGTH || windowLength > MAX_WINDOW_LENGTH) {
            revert TrackerParameterOutOfBounds("windowLength", windowLength);
        }
        _tracker = TrackerParameters({
            ewmaLambda: ewmaLambda,
            minPokeInterval: minPokeInterval,
            windowLength: windowLength
        });
        emit TrackerParametersSet(ewmaLambda, minPokeInterval, windowLength);
    }
}

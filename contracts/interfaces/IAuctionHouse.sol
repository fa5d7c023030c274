// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultId} from "../libraries/Types.sol";
import {IPriceCurve} from "./IPriceCurve.sol";
import {IVaultEngine} from "./IVaultEngine.sol";
import {ICircuitBreaker} from "./ICircuitBreaker.sol";

/// @notice Implemented by a buyer that wants the collateral before paying (flash take): it can sell
/// the collateral into a market inside this callback and pay from the proceeds.
interface IAuctionTakeCallback {
    /// @param taker Who called `take` (and will be charged `owe`).
    /// @param auctionId The auction.
    /// @param collateral Collateral already sent to the receiver [token units].
    /// @param owe Base asset that `take` pulls from `taker` after this returns [base units].
    /// @param data Passed through from `take`.
    function onAuctionTake(
        address taker,
        uint256 auctionId,
        uint256 collateral,
        uint256 owe,
        bytes calldata data
    ) external;
}

/// @title Breakwater auction house: Dutch auctions that liquidate one collateral of one vault
/// @notice Lifecycle:
/// 1. `kick` (permissionless) on a vault in margin shortfall whose cure window has passed (or whose
///    HF is below the hard floor): sizes the debt to cover so the vault returns to the target HF,
///    adds the liquidation penalty (the "tab"), and moves a lot of collateral plus that debt out of
///    the vault. The debt part stays scaled, so it keeps accruing interest while the auction runs.
/// 2. The price starts at oracle price x start buffer and falls along the asset's curve.
/// 3. `take` buys at the current price, with a max-price guard and an optional flash callback.
///    Payments cover the debt first, then the penalty (which goes to the insurance fund).
/// 4. When the tab is covered, unsold collateral returns to the vault; when the lot is gone first,
///    the uncovered debt returns to the vault (bad debt is realised on the engine once a vault has
///    debt and no collateral).
/// 5. `reset` (permissionless) restarts an auction that ran too long or whose price fell too far.
/// Keepers who kick or reset are paid a flat tip plus a share of the tab by the insurance fund;
/// bounds keep that incentive below the penalty of a dust-sized auction, no incentive is paid below dust,
/// and an auction's kick and resets together never pay more than its penalty, so self-liquidation and
/// reset farming never pay.
/// Prices in this contract are in base-asset whole units per whole collateral token [wad].
interface IAuctionHouse {
    /// @notice Auction settings of one collateral.
    /// @param curve Price decrease over time.
    /// @param penalty Charged on top of the debt covered [wad], e.g. 0.08e18.
    /// @param startBuffer Start price = oracle price x startBuffer [wad], >= 1.
    /// @param resetPriceRatio Reset allowed once price < start price x ratio [wad].
    /// @param maxDuration Reset allowed once the auction is older than this [s].
    struct CollateralAuctionConfig {
        IPriceCurve curve;
        uint64 penalty;
        uint64 startBuffer;
        uint64 resetPriceRatio;
        uint32 maxDuration;
    }

    /// @notice Global liquidation settings.
    /// @param targetHealthFactor HF a partial liquidation aims to restore [wad], > 1.
    /// @param hardFloor Below this HF a vault is liquidatable at once, without a cure window [wad].
    /// @param lotBuffer Collateral moved into an auction = tab / oracle price x lotBuffer [wad], >= 1,
    ///        so the tab is still covered if the price falls below the oracle's.
    /// @param cureWindow Time a flagged owner has to cure before liquidation [s]; 0 disables flagging.
    /// @param keeperChip Share of the tab paid to the keeper who kicks or resets [wad].
    /// @param keeperTip Flat amount paid to that keeper [base units].
    /// @param dust Smallest tab an auction may start with or keep [base units].
    struct AuctionParameters {
        uint64 targetHealthFactor;
        uint64 hardFloor;
        uint64 lotBuffer;
        uint32 cureWindow;
        uint64 keeperChip;
        uint128 keeperTip;
        uint128 dust;
    }

    /// @notice State of one auction. `lot == 0` means it is closed.
    struct Auction {
        VaultId vault;
        address asset;
        uint64 startedAt; // [s]
        uint128 lot; // collateral left to sell [token units]
        uint128 scaledDebt; // debt part still to cover [scaled base units]
        uint128 penalty; // penalty still to collect [base units]
        uint128 top; // start price [wad base per token]
    }

    /// @notice Everything a keeper needs to decide on a take.
    struct AuctionStatus {
        bool active;
        VaultId vault;
        address asset;
        uint256 lot; // [token units]
        uint256 debt; // debt part with interest [base units, up]
        uint256 penalty; // [base units]
        uint256 tab; // debt + penalty [base units]
        uint256 price; // current price [wad base per token]
        uint256 top; // [wad]
        uint256 startedAt; // [s]
        bool needsReset;
    }

    // ------------------------------------------------------------------ errors
    error ZeroAddress();
    error AuctionNotConfigured(address asset);
    error AuctionAlreadyActive(VaultId vault, address asset, uint256 auctionId);
    error AuctionNotActive(uint256 auctionId);
    /// @notice The vault already has an auction (with a tab of at least dust) running: one at a time.
    error VaultHasOpenAuction(VaultId vault, uint256 auctionId);
    error AssetNotInVault(VaultId vault, address asset);
    error VaultNotLiquidatable(VaultId vault, uint256 healthFactor);
    /// @notice The vault must be flagged first (margin call) and its cure window must have passed.
    error MarginCallRequired(VaultId vault);
    error CureWindowActive(VaultId vault, uint256 liquidatableAt);
    error NothingToLiquidate(VaultId vault, address asset);
    error AuctionNeedsReset(uint256 auctionId);
    error AuctionDoesNotNeedReset(uint256 auctionId, uint256 price, uint256 age);
    error TakePriceTooHigh(uint256 auctionId, uint256 price, uint256 maxPrice);
    error ZeroTake(uint256 auctionId);
    /// @notice A partial take would leave less than `dust` of tab (take all or leave at least dust).
    error TakeWouldLeaveDustTab(uint256 auctionId, uint256 tabLeft, uint256 dust);
    /// @notice A partial take would leave a lot worth less than `dust` (take the whole lot).
    error TakeWouldLeaveDustLot(uint256 auctionId, uint256 lotLeft, uint256 dust);
    error InvalidCallbackReceiver(address receiver);
    /// @notice The liquidation throttle leaves too little room for an auction of at least dust:
    /// `debtRoom` [base units] under the debt caps, `valueRoom` [wad usd] in the asset's bucket.
    error AuctionThrottled(address asset, uint256 debtRoom, uint256 valueRoom);
    error CircuitBreakerAlreadySet(address circuitBreaker);
    /// @notice Every one of the `maxSlabs` auction storage slabs holds an open auction.
    error TooManyOpenAuctions(uint256 maxSlabs);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 bound);
    /// @notice Keeper incentive on a dust-sized auction would reach the penalty it is paid from.
    error IncentiveAbovePenalty(address asset, uint256 incentive, uint256 penalty);
    /// @notice `quoteTake` was given a market price above the largest price the house handles [wad].
    error MarketPriceOutOfRange(uint256 marketPrice, uint256 maxPrice);

    // ------------------------------------------------------------------ events
    event AuctionStarted(
        uint256 indexed auctionId,
        VaultId indexed vault,
        address indexed asset,
        address keeper,
        uint256 lot,
        uint256 debt,
        uint256 penalty,
        uint256 top,
        uint256 keeperReward
    );
    event AuctionTaken(
        uint256 indexed auctionId,
        VaultId indexed vault,
        address indexed taker,
        address receiver,
        uint256 collateral,
        uint256 paid,
        uint256 price,
        uint256 lotLeft,
        uint256 tabLeft
    );
    event AuctionReset(uint256 indexed auctionId, address indexed keeper, uint256 top, uint256 keeperReward);
    /// @notice The auction closed: `collateralReturned` and `scaledDebtReturned` went back to the vault.
    event AuctionSettled(
        uint256 indexed auctionId,
        VaultId indexed vault,
        uint256 collateralReturned,
        uint256 scaledDebtReturned,
        uint256 penaltyForgone
    );
    event CollateralAuctionConfigSet(address indexed asset, CollateralAuctionConfig config);
    event AuctionParametersSet(AuctionParameters params);
    event CircuitBreakerSet(address indexed circuitBreaker);
    /// @notice The kick tripped the asset's price-drop breaker itself and stopped there (the vault is above
    /// the hard floor, so its liquidation waits out the cooldown and grace period).
    event KickDeferred(VaultId indexed vault, address indexed asset, address indexed keeper, uint256 healthFactor);

    // ------------------------------------------------------------------ actions
    /// @notice Starts an auction of `asset` in vault `vault`; pays the keeper incentive to `keeper`.
    /// @return auctionId The new auction, or 0 when this kick tripped the asset's price-drop breaker and
    /// deferred (KickDeferred) because the vault is above the hard floor.
    function kick(VaultId vault, address asset, address keeper) external returns (uint256 auctionId);

    /// @notice Buys up to `maxCollateral` at the current price if it is at most `maxPrice`, sending the
    /// collateral to `receiver`. With non-empty `data`, `receiver` gets `onAuctionTake` before payment
    /// is pulled from the caller; the protocol cannot be re-entered from that callback.
    /// @return collateral Bought [token units].
    /// @return paid Base asset paid [base units].
    function take(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address receiver,
        bytes calldata data
    ) external returns (uint256 collateral, uint256 paid);

    /// @notice Restarts a stale auction at a fresh start price; pays the keeper incentive to `keeper`.
    function reset(uint256 auctionId, address keeper) external;

    // ------------------------------------------------------------------ views
    function engine() external view returns (IVaultEngine);
    /// @notice Auctions started so far; auction ids run from 1 to this and are never reused.
    function auctionCount() external view returns (uint256);
    function auction(uint256 auctionId) external view returns (Auction memory);
    function auctionStatus(uint256 auctionId) external view returns (AuctionStatus memory);
    /// @notice Open auction of `asset` in `vault`, 0 if none.
    function activeAuctionOf(VaultId vault, address asset) external view returns (uint256);
    /// @notice The vault's open auction that blocks further kicks of it (tab >= dust), 0 if none.
    function blockingAuctionOf(VaultId vault) external view returns (uint256);
    /// @notice Debt auction `auctionId` holds against the circuit breaker's throttle caps [base units].
    function throttledDebtOf(uint256 auctionId) external view returns (uint256);
    /// @notice Keeper incentive auction `auctionId` may still pay on resets [base units].
    function incentiveLeft(uint256 auctionId) external view returns (uint256);
    /// @notice Can `asset` of `vault` be kicked now? When not, `reason` is the error selector a kick would hit.
    function canKick(VaultId vault, address asset) external view returns (bool ok, bytes4 reason);
    /// @notice What buying up to `maxCollateral` now costs, and the profit of selling it at `marketPrice`
    /// [wad base per token]; negative when unprofitable.
    function quoteTake(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 marketPrice
    ) external view returns (uint256 collateral, uint256 owe, int256 profit);
    function collateralAuctionConfig(address asset) external view returns (CollateralAuctionConfig memory);
    function auctionParameters() external view returns (AuctionParameters memory);

    // ------------------------------------------------------------------ governance
    function setCollateralAuctionConfig(address asset, CollateralAuctionConfig calldata config) external;
    function setAuctionParameters(AuctionParameters calldata params) external;
    /// @notice Admin: wires the circuit breaker (pauses, price/oracle breakers, throttle), once.
    function setCircuitBreaker(ICircuitBreaker breaker) external;
    function circuitBreaker() external view returns (ICircuitBreaker);
}

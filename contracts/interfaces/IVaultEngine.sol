// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultId} from "../libraries/Types.sol";
import {IBreakwaterOracle} from "./IBreakwaterOracle.sol";
import {ILendingPool} from "./ILendingPool.sol";
import {ICircuitBreaker} from "./ICircuitBreaker.sol";

/// @title Breakwater vault engine
/// @notice Vaults hold several collateral assets (cross-margined inside the vault, isolated from
/// other vaults) and one debt in the pool's base asset.
///
/// Haircuts [wad]: for every collateral, `haircut = base + volatilityAddOn + sizeAddOn`, where
/// - base is `initialHaircut` (borrowing power) or `maintenanceHaircut` (liquidation threshold);
/// - volatilityAddOn = min(volatilityCap, volatilityMultiplier * trackedVolatility);
/// - sizeAddOn = min(sizeCap, sizeMultiplier * positionValue / marketDepth).
/// Effective value = amount * price * (1 - haircut).
///
/// Health factor [wad] = sum(effective values under maintenance haircuts) / debt value.
/// Borrowing and withdrawing require the same ratio under initial haircuts to stay >= 1.
/// Debt rounds up and collateral value rounds down.
/// @dev Warning: parameters are bounded so that `initialHaircut + volatilityCap + 2 * sizeCap
/// <= MAX_TOTAL_HAIRCUT`, which keeps effective value non-decreasing in the amount held (more
/// collateral never lowers the health factor, even though the size add-on grows with it).
interface IVaultEngine {
    /// @notice Risk configuration of one collateral asset. All haircut fields [wad].
    /// @param enabled New deposits and borrowing power allowed (disabled assets still count
    ///        at zero value for borrowing but keep their maintenance value).
    /// @param decimals Token decimals, read once at listing.
    /// @param initialHaircut Haircut that sets the borrowing power (LTV = 1 - initialHaircut).
    /// @param maintenanceHaircut Smaller haircut that sets the liquidation threshold. It must be at
    ///        least MIN_HAIRCUT_GAP below the initial haircut: a vault borrowed to the limit must not
    ///        already be liquidatable (initial margin > maintenance margin, as in every margin system).
    /// @param volatilityMultiplier Add-on per unit of tracked volatility [wad].
    /// @param volatilityCap Cap on the volatility add-on [wad].
    /// @param sizeMultiplier Add-on per unit of position value / market depth [wad].
    /// @param sizeCap Cap on the size add-on [wad].
    /// @param marketDepth Value that can be sold with acceptable slippage [wad USD].
    /// @param debtCeiling Max debt attributed to this collateral [base units].
    struct CollateralConfig {
        bool enabled;
        uint8 decimals;
        uint64 initialHaircut;
        uint64 maintenanceHaircut;
        uint64 volatilityMultiplier;
        uint64 volatilityCap;
        uint64 sizeMultiplier;
        uint64 sizeCap;
        uint128 marketDepth;
        uint128 debtCeiling;
    }

    /// @notice Per-collateral figures of one health computation.
    struct AssetHealth {
        address asset;
        uint256 amount; // [token units]
        uint256 price; // [wad usd per whole token]
        uint256 value; // [usd, down]
        uint256 initialHaircut; // effective, with add-ons [wad]
        uint256 maintenanceHaircut; // effective, with add-ons [wad]
        uint256 volatilityAddOn; // [wad]
        uint256 initialValue; // [usd, down]; 0 for a disabled asset
        uint256 maintenanceValue; // [usd, down]
    }

    /// @notice A vault's health, itemised: the single source the engine's checks and all views use.
    struct HealthBreakdown {
        uint256 debt; // [base units, up]
        uint256 basePrice; // [wad]; 0 when the vault has no debt (not read)
        uint256 debtValue; // [usd, up]
        uint256 initialValue; // [usd, down]
        uint256 maintenanceValue; // [usd, down]
        AssetHealth[] assets;
    }

    // ------------------------------------------------------------------ errors
    error ZeroAddress();
    error ZeroAmount();
    error UnknownVault(VaultId id);
    error NotOwnerOrManager(VaultId id, address caller);
    error NotOwner(VaultId id, address caller);
    error CollateralNotEnabled(address asset);
    error CollateralAlreadyListed(address asset);
    error CollateralNotListed(address asset);
    error TooManyCollaterals(VaultId id, uint256 max);
    error InsufficientCollateral(VaultId id, address asset, uint256 requested, uint256 available);
    /// @notice The action would leave the vault below HF 1 under initial haircuts.
    /// @param healthFactor The vault's HF under initial haircuts after the action [wad].
    error Undercollateralised(VaultId id, uint256 healthFactor);
    /// @notice Remaining debt would be non-zero but below the minimum (dust).
    error DebtBelowMinimum(VaultId id, uint256 debt, uint256 minDebt);
    error DebtCeilingExceeded(address asset, uint256 debtAfter, uint256 ceiling);
    error NoDebt(VaultId id);
    /// @notice The token moved a different amount than requested (fee-on-transfer or rebasing).
    error TransferAmountMismatch(address asset, uint256 expected, uint256 received);
    error ParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 bound);
    error InvalidHaircuts(address asset, uint256 initialHaircut, uint256 maintenanceHaircut);
    error BaseAssetAsCollateral(address asset);
    /// @notice The vault is not in margin shortfall (HF >= 1), so it cannot be flagged.
    error VaultHealthy(VaultId id, uint256 healthFactor);
    /// @notice The vault is still in margin shortfall, so its margin call cannot be cleared.
    error VaultUnhealthy(VaultId id, uint256 healthFactor);
    error AlreadyFlagged(VaultId id, uint256 flaggedAt);
    error NotFlagged(VaultId id);
    error OnlyAuctionHouse(address caller);
    error AuctionHouseAlreadySet(address auctionHouse);
    error CircuitBreakerAlreadySet(address circuitBreaker);
    /// @notice Bad debt can only be realised on a vault with debt, no collateral and no open auction.
    error NotBadDebt(VaultId id, uint256 collaterals, uint256 openAuctions, uint256 scaledDebt);
    /// @notice An external call (a flash-take callback) is in progress: the protocol cannot be re-entered.
    error CallbackInProgress();
    /// @notice `returnFromAuction` for a vault with no open auction.
    error NoOpenAuction(VaultId id);
    /// @notice `seizeForAuction` of more scaled debt than the vault owes.
    error SeizeExceedsDebt(VaultId id, uint256 scaledDebt, uint256 vaultScaledDebt);

    // ------------------------------------------------------------------ events
    event VaultOpened(VaultId indexed id, address indexed owner);
    event ManagerSet(VaultId indexed id, address indexed manager, bool allowed);
    event VaultTransferred(VaultId indexed id, address indexed from, address indexed to);
    event CollateralDeposited(VaultId indexed id, address indexed asset, address indexed from, uint256 amount);
    event CollateralWithdrawn(VaultId indexed id, address indexed asset, address indexed to, uint256 amount);
    event Borrowed(VaultId indexed id, address indexed receiver, uint256 amount, uint256 scaledDebt);
    event Repaid(VaultId indexed id, address indexed payer, uint256 amount, uint256 scaledDebt);
    event CollateralListed(address indexed asset, CollateralConfig config);
    event CollateralConfigSet(address indexed asset, CollateralConfig config);
    event MinDebtSet(uint256 minDebt);
    event MaxCollateralsPerVaultSet(uint256 maxCollaterals);
    event OracleSet(address indexed oracle);
    event AuctionHouseSet(address indexed auctionHouse);
    event CircuitBreakerSet(address indexed circuitBreaker);
    /// @param healthFactor HF when flagged [wad].
    event MarginCallFlagged(VaultId indexed id, address indexed flagger, uint256 healthFactor);
    event MarginCallCleared(VaultId indexed id, uint256 healthFactor);
    /// @notice Collateral and scaled debt moved from the vault into a liquidation auction.
    event SeizedForAuction(VaultId indexed id, address indexed asset, uint256 collateral, uint256 scaledDebt);
    /// @notice Unsold collateral and/or uncovered scaled debt moved back from an auction to the vault.
    event ReturnedFromAuction(VaultId indexed id, address indexed asset, uint256 collateral, uint256 scaledDebt);
    /// @notice Bad debt of a vault without collateral: `covered` borne by the insurance fund (cash paid
    /// in, plus pool shares burnt), `socialised` borne by lenders [base units].
    event BadDebtRealised(VaultId indexed id, address indexed caller, uint256 covered, uint256 socialised);

    // ------------------------------------------------------------------ vault actions
    /// @notice Opens an empty vault owned by `owner`.
    function openVault(address owner) external returns (VaultId id);

    /// @notice Owner only: lets `manager` act on the vault as the owner does (except managing managers).
    function setManager(VaultId id, address manager, bool allowed) external;

    /// @notice Owner only: transfers ownership; managers are kept (the new owner can revoke them).
    function transferVault(VaultId id, address newOwner) external;

    /// @notice Owner or manager: moves `amount` of `asset` from the caller into the vault.
    /// Fee-on-transfer tokens are rejected (balance-delta check).
    function deposit(VaultId id, address asset, uint256 amount) external;

    /// @notice Owner or manager: withdraws collateral to `receiver`; HF under initial haircuts must stay >= 1.
    function withdraw(VaultId id, address asset, uint256 amount, address receiver) external;

    /// @notice Owner or manager: borrows `amount` of base asset to `receiver`.
    function borrow(VaultId id, uint256 amount, address receiver) external;

    /// @notice Anyone: repays up to `amount` of the vault's debt from the caller
    /// (type(uint256).max repays everything). Never blocked by pauses or breakers.
    /// @return repaid Base asset taken from the caller.
    function repay(VaultId id, uint256 amount) external returns (uint256 repaid);

    // ------------------------------------------------------------------ margin calls and bad debt
    /// @notice Anyone: flags a vault in margin shortfall (HF < 1), starting its cure window.
    function flagMarginCall(VaultId id) external;

    /// @notice Anyone: clears the margin call of a vault that is healthy again (e.g. after the price
    /// recovered). Deposits and repayments that restore HF >= 1 clear it on their own.
    function clearMarginCall(VaultId id) external;

    /// @notice Anyone: realises the bad debt of a vault that has debt but no collateral and no open
    /// auction. The insurance fund covers what it can (cash, then its pool shares are burnt); only the
    /// rest lowers the lenders' share price.
    /// @return covered Borne by the insurance fund [base units].
    /// @return socialised Borne by lenders [base units].
    function realiseBadDebt(VaultId id) external returns (uint256 covered, uint256 socialised);

    // ------------------------------------------------------------------ auction house hooks
    /// @notice Auction house only: moves `collateral` of `asset` and `scaledDebt` out of the vault into
    /// an auction. The collateral stays in this contract's custody until sold or returned.
    function seizeForAuction(VaultId id, address asset, uint256 collateral, uint256 scaledDebt) external;

    /// @notice Auction house only: returns unsold collateral and/or uncovered scaled debt to the vault.
    function returnFromAuction(VaultId id, address asset, uint256 collateral, uint256 scaledDebt) external;

    /// @notice Auction house only: sends sold collateral to the buyer.
    function payOutCollateral(address asset, address to, uint256 amount) external;

    /// @notice Auction house only: records that `assets` of base asset paid into the pool by `payer`
    /// repay `scaledDebt` of auction debt.
    function repayAuctionDebt(uint256 assets, uint256 scaledDebt, address payer) external;

    /// @notice Auction house only: locks (true) or unlocks (false) every state-changing entry point of
    /// the engine while an untrusted flash-take callback runs.
    function setCallbackLock(bool locked) external;

    // ------------------------------------------------------------------ views
    /// @notice When the vault's margin call was flagged [s]; 0 when not flagged.
    function marginCallOf(VaultId id) external view returns (uint256);
    /// @notice Auctions currently open for the vault.
    function openAuctionsOf(VaultId id) external view returns (uint256);
    function auctionHouse() external view returns (address);
    /// @notice The vault's health as of now, itemised per collateral. Reverts on oracle failure.
    function healthBreakdown(VaultId id) external view returns (HealthBreakdown memory);

    function ownerOf(VaultId id) external view returns (address);
    function isManager(VaultId id, address account) external view returns (bool);
    function vaultCount() external view returns (uint256);
    function collateralsOf(VaultId id) external view returns (address[] memory);
    function collateralAmount(VaultId id, address asset) external view returns (uint256);
    function scaledDebtOf(VaultId id) external view returns (uint256);
    /// @notice Debt including interest up to now, rounded up [base units].
    function debtOf(VaultId id) external view returns (uint256);
    /// @notice HF under maintenance haircuts [wad]; type(uint256).max with no debt. Reverts on oracle failure.
    function healthFactor(VaultId id) external view returns (uint256);
    /// @notice HF under initial haircuts [wad] (the borrow / withdraw check, breaker blocks applied).
    function initialHealthFactor(VaultId id) external view returns (uint256);
    /// @notice Additional base asset the vault may borrow now [base units], ignoring pool cash and ceilings.
    function maxBorrow(VaultId id) external view returns (uint256);

    function collateralConfig(address asset) external view returns (CollateralConfig memory);
    function listedCollaterals() external view returns (address[] memory);
    /// @notice Scaled debt attributed to `asset` across all vaults (what its debt ceiling bounds, after
    /// the borrow index) [scaled base units].
    function scaledDebtBackedBy(address asset) external view returns (uint256);
    function minDebt() external view returns (uint256);
    function maxCollateralsPerVault() external view returns (uint256);
    function pool() external view returns (ILendingPool);
    function oracle() external view returns (IBreakwaterOracle);
    function baseAsset() external view returns (address);

    // ------------------------------------------------------------------ governance
    /// @notice Lists a new collateral asset (bounded config). Restricted.
    function listCollateral(address asset, CollateralConfig calldata config) external;
    /// @notice Updates an asset's risk config (bounded; decimals are kept). Restricted.
    function setCollateralConfig(address asset, CollateralConfig calldata config) external;
    function setMinDebt(uint256 minDebt_) external;
    function setMaxCollateralsPerVault(uint256 max) external;
    function setOracle(IBreakwaterOracle oracle_) external;
    /// @notice Admin: sets the liquidation module, once.
    function setAuctionHouse(address auctionHouse_) external;
    /// @notice Admin: wires the circuit-breaker module, once. Repay never consults it; deposits into a
    /// vault with debt never do either.
    function setCircuitBreaker(ICircuitBreaker breaker) external;
    function circuitBreaker() external view returns (ICircuitBreaker);
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IAuctionHouse, IAuctionTakeCallback} from "../interfaces/IAuctionHouse.sol";
import {IPriceCurve} from "../interfaces/IPriceCurve.sol";
import {IBreakwaterOracle} from "../interfaces/IBreakwaterOracle.sol";
import {IVaultEngine} from "../interfaces/IVaultEngine.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";
import {IInsuranceFund} from "../interfaces/IInsuranceFund.sol";
import {ICircuitBreaker, Action} from "../interfaces/ICircuitBreaker.sol";
import {VaultId} from "../libraries/Types.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title Breakwater auction house
/// @notice Partial Dutch-auction liquidations, one collateral of one vault per auction.
contract AuctionHouse is IAuctionHouse, AccessManaged, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint256 internal constant WAD = 1e18;

    // ------------------------------------------------------------------ bounds (hard, in code)
    uint256 public constant MIN_PENALTY = 0.01e18;
    uint256 public constant MAX_PENALTY = 0.25e18;
    uint256 public constant MAX_START_BUFFER = 2e18;
    uint256 public constant MIN_RESET_PRICE_RATIO = 0.1e18;
    uint256 public constant MAX_RESET_PRICE_RATIO = 0.95e18;
    uint256 public constant MIN_AUCTION_DURATION = 5 minutes;
    uint256 public constant MAX_AUCTION_DURATION = 7 days;
    uint256 public constant MIN_TARGET_HEALTH_FACTOR = 1.01e18;
    uint256 public constant MAX_TARGET_HEALTH_FACTOR = 2e18;
    uint256 public constant MIN_HARD_FLOOR = 0.5e18;
    uint256 public constant MAX_LOT_BUFFER = 3e18;
    uint256 public constant MAX_CURE_WINDOW = 1 days;
    uint256 public constant MAX_KEEPER_CHIP = 0.05e18;

    IVaultEngine public immutable engine;
    ILendingPool internal immutable pool;
    IERC20 internal immutable baseAsset;
    uint256 internal immutable BASE_UNIT;
    /// @notice Largest dust setting: 1,000,000 whole base tokens [base units].
    uint256 public immutable MAX_DUST;

    /// @dev A collateral's `CollateralAuctionConfig` as stored, with the token's decimals in the curve's
    /// slot (the engine never changes an asset's decimals), so kicks and takes need no call or slot for it.
    struct StoredConfig {
        IPriceCurve curve;
        uint64 penalty;
        uint8 decimals;
        uint64 startBuffer;
        uint64 resetPriceRatio;
        uint32 maxDuration;
    }

    /// @dev The slot every kick and take reads first: the breaker, the auction id counter and the pool
    /// of storage slabs.
    struct Header {
        ICircuitBreaker circuitBreaker; // address(0) until wired (then no checks)
        uint48 auctionCount;
        uint24 freeSlab; // head of the list of free slabs, 0 = empty
        uint24 slabCount; // slabs ever allocated (slab ids 1..slabCount)
    }

    /// @dev Storage form of an auction, in a slab of four slots. A settled auction's slab goes on a free
    /// list and the next kick reuses it, rewriting four non-zero slots (~5k gas each) instead of filling
    /// four fresh ones (~22k each): a slab is never cleared, so none of its slots returns to zero (slot 0
    /// keeps the asset, slot 1 the free-list link below, slot 2 the start price).
    /// `generation` counts the slab's auctions; an auction id's directory entry records the slab and
    /// generation, so an id whose slab moved on to a later auction is recognised as closed. A slab whose
    /// generation reaches its maximum is retired instead of freed.
    /// While free, `lot` is 0 and `scaledDebt` holds FREE_TAG | the next free slab.
    /// `incentiveLeft` is the keeper incentive the auction may still pay (kick and resets together never
    /// exceed its penalty); `throttledDebt` is the debt it holds against the throttle's caps, released
    /// when it settles [base units].
    struct StoredAuction {
        address asset;
        uint40 startedAt; // [s]
        uint40 vault;
        uint16 generation;
        uint128 lot;
        uint128 scaledDebt;
        uint128 penalty;
        uint128 top;
        uint128 incentiveLeft;
        uint120 throttledDebt;
        bool dust; // tab below dust at the kick: recorded in `_active`, does not block the vault
    }

    AuctionParameters internal _params;
    mapping(address asset => StoredConfig) internal _configs;
    address[] internal _configuredAssets;
    Header internal _header;
    mapping(uint256 slab => StoredAuction) internal _slabs;
    /// @dev Auction id -> slab (24 bits) and generation (16 bits above it), six 40-bit entries per word,
    /// so five kicks in six write a word that is already non-zero. Entries are never cleared.
    mapping(uint256 word => uint256 entries) internal _directory;
    /// @dev Vault -> its latest auction with a tab of at least dust (48 bits; it blocks further kicks of
    /// the vault while open) plus, in bit 48, "has had a dust-sized auction" (then `_active` is worth
    /// reading); five 51-bit entries per word. Never cleared: a settled id reads as closed.
    mapping(uint256 word => uint256 entries) internal _vaultAuctions;
    /// @dev Open dust-sized (non-blocking) auction of a vault's asset.
    mapping(VaultId vault => mapping(address asset => uint256 auctionId)) internal _active;

    uint256 internal constant FREE_TAG = 1 << 127;
    uint256 internal constant ENTRIES_PER_DIRECTORY_WORD = 6;
    uint256 internal constant ENTRIES_PER_VAULT_WORD = 5;
    uint256 internal constant VAULT_ENTRY_BITS = 51;
    uint256 internal constant DUST_FLAG = 1 << 48;
    uint256 internal constant MAX_SLABS = type(uint24).max;

    /// @dev Sizing of a new auction.
    struct Kick {
        uint256 lot; // [token units]
        uint256 debt; // [base units]
        uint256 scaledDebt; // [scaled]
        uint256 penalty; // [base units]
        uint256 top; // [wad base per token]
        uint256 value; // lot value at the oracle price [wad usd]
        uint256 priceUsd; // oracle price of the collateral [wad usd per token]
        uint256 healthFactor; // the vault's HF before the auction [wad]
    }

    constructor(
        address accessManager,
        IVaultEngine engine_,
        AuctionParameters memory params
    ) AccessManaged(accessManager) {
        if (address(engine_) == address(0)) revert ZeroAddress();
        engine = engine_;
        pool = engine_.pool();
        baseAsset = IERC20(engine_.baseAsset());
        BASE_UNIT = 10 ** IERC20Metadata(engine_.baseAsset()).decimals();
        MAX_DUST = 1_000_000 * BASE_UNIT;
        _setAuctionParameters(params);
    }

    // ------------------------------------------------------------------ kick

    /// @inheritdoc IAuctionHouse
    function kick(VaultId vault, address asset, address keeper) external nonReentrant returns (uint256 auctionId) {
        if (keeper == address(0)) revert ZeroAddress();
        uint256 index = pool.accrueInterest();
        (Kick memory k, bool trippable) = _sizeKick(vault, asset, index);
        ICircuitBreaker breaker = _header.circuitBreaker;
        // A kick reads the price: it trips the price-drop breaker itself when the drop is there (the
        // breaker's kick check says so, so the common no-drop kick pays no failed trip). The kick then
        // defers (returns 0, with an event) instead of reverting, so the trip sticks; vaults below the
        // hard floor are liquidated anyway.
        if (trippable) {
            breaker.trip(asset);
            if (k.healthFactor >= _params.hardFloor) {
                emit KickDeferred(vault, asset, keeper, k.healthFactor);
                return 0;
            }
        }

        engine.seizeForAuction(vault, asset, k.lot, k.scaledDebt);
        // The throttle records the debt below (or the kick reverts), so the ledger is known up front.
        uint256 throttled = address(breaker) != address(0) ? k.debt : 0;
        StoredAuction storage stored;
        (auctionId, stored) = _store(vault, asset, k, throttled);
        if (address(breaker) != address(0)) breaker.onAuctionStart(asset, k.debt, k.value);

        uint256 reward = _payKeeper(stored, keeper, k.debt + k.penalty);
        emit AuctionStarted(auctionId, vault, asset, keeper, k.lot, k.debt, k.penalty, k.top, reward);
    }

    /// @dev Writes a new auction into a free slab (or a new one) under the next id, and records it as
    /// the vault's blocking auction, or for a dust-sized one as the open auction of the vault's asset.
    function _store(
        VaultId vault,
        address asset,
        Kick memory k,
        uint256 throttled
    ) internal returns (uint256 id, StoredAuction storage a) {
        Header memory h = _header;
        id = uint256(h.auctionCount) + 1;
        bool dust = k.debt + k.penalty < _params.dust;
        uint256 slab = h.freeSlab;
        uint256 generation;
        if (slab != 0) {
            StoredAuction storage free = _slabs[slab];
            h.freeSlab = uint24(free.scaledDebt); // the link below FREE_TAG
            generation = uint256(free.generation) + 1; // a slab at the maximum generation is never freed
        } else {
            if (h.slabCount == MAX_SLABS) revert TooManyOpenAuctions(MAX_SLABS);
            slab = ++h.slabCount;
        }
        h.auctionCount = SafeCast.toUint48(id);
        _header = h;
        a = _slabs[slab];
        _slabs[slab] = StoredAuction({
            asset: asset,
            startedAt: uint40(block.timestamp),
            vault: SafeCast.toUint40(VaultId.unwrap(vault)),
            generation: uint16(generation),
            lot: uint128(k.lot),
            scaledDebt: uint128(k.scaledDebt),
            penalty: uint128(k.penalty),
            top: uint128(k.top),
            incentiveLeft: SafeCast.toUint128(k.penalty),
            throttledDebt: SafeCast.toUint120(throttled),
            dust: dust
        });
        uint256 entry = slab | (generation << 24);
        _directory[id / ENTRIES_PER_DIRECTORY_WORD] |= entry << ((id % ENTRIES_PER_DIRECTORY_WORD) * 40);
        _recordVaultAuction(vault, asset, id, dust);
    }

    /// @dev A blocking auction becomes the vault's entry; a dust-sized one goes to `_active` and flags the
    /// vault's entry (so later kicks know `_active` is worth reading).
    function _recordVaultAuction(VaultId vault, address asset, uint256 id, bool dust) internal {
        (uint256 word, uint256 shift) = _vaultSlot(vault);
        uint256 entries = _vaultAuctions[word];
        uint256 mask = ((1 << VAULT_ENTRY_BITS) - 1) << shift;
        uint256 entry = (entries & mask) >> shift;
        if (dust) {
            _active[vault][asset] = id;
            entry |= DUST_FLAG;
        } else {
            entry = (entry & DUST_FLAG) | id;
        }
        _vaultAuctions[word] = (entries & ~mask) | (entry << shift);
    }

    /// @notice What `kick` would do now (reverts with the reason a kick would revert with).
    function previewKick(VaultId vault, address asset) external view returns (Kick memory k) {
        (k, ) = _sizeKick(vault, asset, pool.currentBorrowIndex());
    }

    /// @dev Checks that `asset` of `vault` may be liquidated now and sizes the auction so that the
    /// vault returns to the target HF: with M = maintenance value, D = debt value, T = target HF,
    /// p = penalty and h = the asset's effective maintenance haircut, selling r (1 + p) of collateral
    /// to cover r of debt gives (M - r (1 + p)(1 - h)) / (D - r) = T, so r = (T D - M) / (T - (1 + p)(1 - h)).
    /// `trippable`: the breaker's price-drop trip would accept the asset's price now.
    function _sizeKick(
        VaultId vault,
        address asset,
        uint256 index
    ) internal view returns (Kick memory k, bool trippable) {
        StoredConfig memory cfg = _configs[asset];
        if (address(cfg.curve) == address(0)) revert AuctionNotConfigured(asset);
        uint256 blocking = _blockingAuction(vault);
        uint256 existing = _activeAuction(vault, asset, blocking);
        if (existing != 0) revert AuctionAlreadyActive(vault, asset, existing);
        // While an auction runs, the vault's HF leaves out its lot (which exceeds the debt it covers),
        // so sizing a second auction then would over-liquidate: one auction per vault at a time. Dust-sized
        // auctions do not block, so nobody can stall a vault's liquidation by kicking a tiny position.
        if (blocking != 0) revert VaultHasOpenAuction(vault, blocking);

        IVaultEngine.HealthBreakdown memory health = engine.healthBreakdown(vault);
        uint256 hf = RiskMath.healthFactorDown(health.maintenanceValue, health.debtValue);
        if (hf >= WAD) revert VaultNotLiquidatable(vault, hf);
        AuctionParameters memory p = _params;
        _checkMarginCall(vault, hf, p);

        IVaultEngine.AssetHealth memory a;
        for (uint256 i; i < health.assets.length; ++i) {
            if (health.assets[i].asset == asset) a = health.assets[i];
        }
        KickInputs memory x;
        x.debtRoom = type(uint256).max;
        x.valueRoom = type(uint256).max;
        ICircuitBreaker breaker = _header.circuitBreaker;
        // One breaker call: pauses, trips and grace periods (reverting as checkLiquidation), the
        // throttle's room and whether the price-drop breaker would trip at this price.
        if (address(breaker) != address(0)) {
            (x.debtRoom, x.valueRoom, trippable) = breaker.checkKick(asset, hf < p.hardFloor, a.price);
        }
        if (a.amount == 0) revert AssetNotInVault(vault, asset);

        x.price = Math.mulDiv(a.price, WAD, health.basePrice);
        x.priceUsd = a.price;
        x.baseUnit = BASE_UNIT;
        x.asset = asset;
        x.unit = 10 ** cfg.decimals;
        x.amount = a.amount;
        x.debt = health.debt;
        x.toCover = _debtToCover(health, a.maintenanceHaircut, cfg.penalty, p.targetHealthFactor, health.debt);
        x.scaledVault = engine.scaledDebtOf(vault);
        x.index = index;
        x.onlyCollateral = health.assets.length == 1;
        k = _sizeAuction(x, cfg, p);
        if (k.debt == 0) revert NothingToLiquidate(vault, asset);
        k.priceUsd = a.price;
        k.healthFactor = hf;
    }

    /// @dev Figures gathered for sizing one auction.
    struct KickInputs {
        uint256 price; // [wad base per token]
        uint256 unit; // 10 ** collateral decimals
        uint256 amount; // collateral held [token units]
        uint256 debt; // vault debt [base units]
        uint256 toCover; // debt that restores the target HF [base units]
        uint256 scaledVault; // vault scaled debt
        uint256 index; // borrow index [ray]
        uint256 maxPartialDebt; // the most a partial auction may take, leaving minDebt [base units]
        bool onlyCollateral; // the vault holds no other collateral
        uint256 priceUsd; // [wad usd per token]
        uint256 baseUnit; // 10 ** base decimals
        address asset;
        uint256 debtRoom; // the throttle's room under the debt caps [base units]; max = none
        uint256 valueRoom; // the throttle's room in the asset's bucket [wad usd]; max = none
    }

    /// @dev The most debt a partial auction may take [base units]: the vault's scaled debt after the cut
    /// (rounded up in `_fillKick`) must still be worth minDebt, to the unit.
    function _maxPartialDebt(uint256 scaledVault, uint256 index) internal view returns (uint256) {
        uint256 keep = RiskMath.toScaledUp(engine.minDebt(), index);
        return scaledVault > keep ? RiskMath.mulDivDown(scaledVault - keep, index, RiskMath.RAY) : 0;
    }

    /// @dev Applies the capacity and dust limits to the debt to cover, then sizes penalty, lot and top.
    function _sizeAuction(
        KickInputs memory x,
        StoredConfig memory cfg,
        AuctionParameters memory p
    ) internal view returns (Kick memory k) {
        uint256 r = x.toCover;
        x.maxPartialDebt = _maxPartialDebt(x.scaledVault, x.index);
        // Never start below dust (unless that is all there is), never leave dusty debt behind.
        uint256 dustDebt = Math.mulDiv(p.dust, WAD, WAD + cfg.penalty, Math.Rounding.Ceil);
        if (r < dustDebt) r = dustDebt;
        if (r > x.maxPartialDebt) r = x.debt;
        // This collateral alone covers at most its value / (1 + penalty).
        uint256 capacity = Math.mulDiv(_toBaseDown(x.amount, x.price, x.unit), WAD, WAD + cfg.penalty);
        // A vault's last position is seized even when worth less than one base unit (for one unit of
        // debt, no keeper incentive): dust collateral must never keep bad debt from being realised.
        if (r > capacity) r = capacity == 0 && x.onlyCollateral ? 1 : capacity;
        k = _fillKick(r, x, cfg, p, x.amount);

        // Liquidation throttle: when a cap or the asset's bucket binds, start a smaller auction that
        // fits; if even that would be below dust, say how much room is left.
        (uint256 debtRoom, uint256 valueRoom) = (x.debtRoom, x.valueRoom);
        if (k.debt > debtRoom || k.value > valueRoom) {
            k = _throttle(k, x, cfg, p, debtRoom, valueRoom);
            if (k.debt + k.penalty < p.dust || k.debt > debtRoom || k.value > valueRoom) {
                revert AuctionThrottled(x.asset, debtRoom, valueRoom);
            }
        }
    }

    /// @dev Scales an auction down to fit the throttle's room, keeping the dust rules of a full auction:
    /// at least minDebt of debt and at least dust worth of collateral stay behind in the vault.
    function _throttle(
        Kick memory k,
        KickInputs memory x,
        StoredConfig memory cfg,
        AuctionParameters memory p,
        uint256 debtRoom,
        uint256 valueRoom
    ) internal view returns (Kick memory) {
        uint256 scale = WAD;
        if (k.debt > debtRoom) scale = Math.mulDiv(debtRoom, WAD, k.debt);
        if (k.value > valueRoom) scale = Math.min(scale, Math.mulDiv(valueRoom, WAD, k.value));
        uint256 debtCut = Math.mulDiv(k.debt, scale, WAD);
        uint256 lotCut = Math.mulDiv(k.lot, scale, WAD);
        if (debtCut > x.maxPartialDebt) debtCut = x.maxPartialDebt;
        uint256 dustLot = _toCollateralUp(p.dust, x.price, x.unit);
        if (x.amount - lotCut < dustLot) lotCut = x.amount > dustLot ? x.amount - dustLot : 0;
        return _fillKick(debtCut, x, cfg, p, lotCut);
    }

    /// @dev Penalty, scaled debt, lot (at most `maxLot`), lot value and start price for covering `r`.
    function _fillKick(
        uint256 r,
        KickInputs memory x,
        StoredConfig memory cfg,
        AuctionParameters memory p,
        uint256 maxLot
    ) internal pure returns (Kick memory k) {
        k.debt = r;
        k.penalty = Math.mulDiv(r, cfg.penalty, WAD, Math.Rounding.Ceil);
        k.scaledDebt = r == x.debt ? x.scaledVault : Math.min(x.scaledVault, RiskMath.toScaledUp(r, x.index));
        // Lot: enough collateral to cover the tab even if the market sits below the oracle.
        uint256 lotBase = Math.mulDiv(k.debt + k.penalty, p.lotBuffer, WAD, Math.Rounding.Ceil);
        k.lot = Math.mulDiv(lotBase, x.unit * WAD, x.price * x.baseUnit, Math.Rounding.Ceil);
        if (k.lot >= x.amount || Math.mulDiv(x.amount - k.lot, x.price * x.baseUnit, x.unit * WAD) < p.dust) {
            k.lot = x.amount;
        }
        if (k.lot > maxLot) k.lot = maxLot;
        k.value = Math.mulDiv(k.lot, x.priceUsd, x.unit);
        k.top = Math.mulDiv(x.price, cfg.startBuffer, WAD);
    }

    /// @dev r = (T D - M) / (T - (1 + p)(1 - h)) in base units, rounded up; the whole debt when no
    /// partial sale of this collateral can restore the target (T <= (1 + p)(1 - h)).
    function _debtToCover(
        IVaultEngine.HealthBreakdown memory health,
        uint256 haircut,
        uint256 penalty,
        uint256 target,
        uint256 debt
    ) internal view returns (uint256) {
        uint256 kept = Math.mulDiv(WAD + penalty, WAD - haircut, WAD);
        if (target <= kept) return debt;
        uint256 shortfall = Math.mulDiv(target, health.debtValue, WAD, Math.Rounding.Ceil) - health.maintenanceValue;
        uint256 rValue = Math.mulDiv(shortfall, WAD, target - kept, Math.Rounding.Ceil);
        return Math.mulDiv(rValue, BASE_UNIT, health.basePrice, Math.Rounding.Ceil);
    }

    function _checkMarginCall(VaultId vault, uint256 hf, AuctionParameters memory p) internal view {
        if (p.cureWindow == 0 || hf < p.hardFloor) return;
        uint256 flaggedAt = engine.marginCallOf(vault);
        if (flaggedAt == 0) revert MarginCallRequired(vault);
        if (block.timestamp < flaggedAt + p.cureWindow) revert CureWindowActive(vault, flaggedAt + p.cureWindow);
    }

    // ------------------------------------------------------------------ take

    /// @dev Outcome of a take, computed and applied to storage before any external call.
    struct Settlement {
        uint256 collateral; // [token units]
        uint256 paid; // [base units]
        uint256 price; // [wad]
        uint256 debtPaid; // [base units]
        uint256 scaledPaid; // [scaled]
        uint256 penaltyPaid; // [base units]
        uint256 tabLeft; // [base units]
        bool done;
        Auction left; // the auction after the take
    }

    /// @inheritdoc IAuctionHouse
    function take(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        address receiver,
        bytes calldata data
    ) external nonReentrant returns (uint256 collateral, uint256 paid) {
        if (receiver == address(0)) revert ZeroAddress();
        Settlement memory t = _settle(auctionId, maxCollateral, maxPrice);
        Auction memory left = t.left;

        // Interactions: collateral out, optional flash callback, then payment in.
        engine.payOutCollateral(left.asset, receiver, t.collateral);
        if (data.length != 0) {
            _checkCallbackReceiver(receiver, left.asset);
            engine.setCallbackLock(true);
            IAuctionTakeCallback(receiver).onAuctionTake(msg.sender, auctionId, t.collateral, t.paid, data);
            engine.setCallbackLock(false);
        }
        if (t.debtPaid != 0) {
            baseAsset.safeTransferFrom(msg.sender, address(pool), t.debtPaid);
            engine.repayAuctionDebt(t.debtPaid, t.scaledPaid, msg.sender);
        }
        if (t.penaltyPaid != 0) baseAsset.safeTransferFrom(msg.sender, _fund(), t.penaltyPaid);

        emit AuctionTaken(
            auctionId,
            left.vault,
            msg.sender,
            receiver,
            t.collateral,
            t.paid,
            t.price,
            left.lot,
            t.tabLeft
        );
        if (t.done) {
            engine.returnFromAuction(left.vault, left.asset, left.lot, left.scaledDebt);
            emit AuctionSettled(auctionId, left.vault, left.lot, left.scaledDebt, left.penalty);
        }
        return (t.collateral, t.paid);
    }

    /// @dev Checks, prices and applies a take to storage. Payments cover the debt first, then the penalty.
    function _settle(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice
    ) internal returns (Settlement memory t) {
        ICircuitBreaker breaker = _header.circuitBreaker;
        if (address(breaker) != address(0)) breaker.checkAction(Action.Take);
        (uint256 slab, StoredAuction storage a) = _openAuction(auctionId);
        uint256 lot = a.lot;
        t.price = _currentPrice(auctionId, a.asset, a.startedAt, a.top);
        if (t.price > maxPrice) revert TakePriceTooHigh(auctionId, t.price, maxPrice);

        uint256 index = pool.accrueInterest();
        uint256 debtNow = RiskMath.toDebtUp(a.scaledDebt, index);
        (t.collateral, t.paid) = _quote(auctionId, a.asset, lot, debtNow + a.penalty, maxCollateral, t.price);
        t.debtPaid = Math.min(t.paid, debtNow);
        t.penaltyPaid = t.paid - t.debtPaid;
        t.scaledPaid = t.debtPaid == debtNow ? a.scaledDebt : RiskMath.toScaledDown(t.debtPaid, index);
        t.left = _load(a);
        t.left.lot = uint128(lot - t.collateral);
        t.left.scaledDebt -= uint128(t.scaledPaid);
        t.left.penalty -= uint128(t.penaltyPaid);
        t.done = t.left.lot == 0 || (t.left.scaledDebt == 0 && t.left.penalty == 0);
        if (t.done) {
            (uint256 throttled, bool dust) = (a.throttledDebt, a.dust);
            _free(slab, a);
            if (throttled != 0) breaker.onAuctionEnd(t.left.asset, throttled);
            if (dust) _active[t.left.vault][t.left.asset] = 0;
        } else {
            a.lot = t.left.lot;
            a.scaledDebt = t.left.scaledDebt;
            a.penalty = t.left.penalty;
            t.tabLeft = RiskMath.toDebtUp(t.left.scaledDebt, index) + t.left.penalty;
        }
    }

    /// @dev Closes the auction in `slab`: lot 0 and the free-list link in its debt field (so the slot
    /// stays non-zero; the other slots keep their values), then the slab heads the free list, unless its
    /// generation is exhausted (then it is retired). The vault's entry is left as is: its id reads closed.
    function _free(uint256 slab, StoredAuction storage a) internal {
        a.lot = 0;
        if (a.generation == type(uint16).max) {
            a.scaledDebt = uint128(FREE_TAG);
        } else {
            a.scaledDebt = uint128(FREE_TAG | _header.freeSlab);
            _header.freeSlab = uint24(slab);
        }
    }

    /// @dev Collateral and payment of a take of up to `maxCollateral` at `price`, applying the dust
    /// rules: a partial take may not leave a tab below dust (it is cut to leave exactly dust, as in
    /// MakerDAO's Clipper), nor a lot worth less than dust (take the whole lot instead).
    function _quote(
        uint256 auctionId,
        address asset,
        uint256 lot,
        uint256 tab,
        uint256 maxCollateral,
        uint256 price
    ) internal view returns (uint256 collateral, uint256 owe) {
        uint256 unit = _unit(asset);
        collateral = Math.min(maxCollateral, lot);
        owe = _toBaseUp(collateral, price, unit);
        if (owe >= tab) {
            // Covers the whole tab: pay the tab, get the collateral it buys (rounded down).
            owe = tab;
            collateral = Math.min(lot, _toCollateralDown(tab, price, unit));
        } else if (collateral < lot) {
            uint256 dust = _params.dust;
            if (tab - owe < dust) {
                if (tab <= dust) revert TakeWouldLeaveDustTab(auctionId, tab - owe, dust);
                owe = tab - dust;
                collateral = _toCollateralDown(owe, price, unit);
            }
            uint256 lotLeft = lot - collateral;
            if (_toBaseDown(lotLeft, price, unit) < dust) revert TakeWouldLeaveDustLot(auctionId, lotLeft, dust);
        }
        if (collateral == 0 || owe == 0) revert ZeroTake(auctionId);
    }

    function _checkCallbackReceiver(address receiver, address asset) internal view {
        if (
            receiver == address(engine) ||
            receiver == address(pool) ||
            receiver == address(this) ||
            receiver == address(baseAsset) ||
            receiver == asset ||
            receiver == _fund()
        ) revert InvalidCallbackReceiver(receiver);
    }

    // ------------------------------------------------------------------ reset

    /// @inheritdoc IAuctionHouse
    function reset(uint256 auctionId, address keeper) external nonReentrant {
        if (keeper == address(0)) revert ZeroAddress();
        (, StoredAuction storage a) = _openAuction(auctionId);
        StoredConfig memory cfg = _configs[a.asset];
        uint256 age = block.timestamp - a.startedAt;
        uint256 price = cfg.curve.price(a.top, age);
        if (!_needsReset(cfg, a.top, age, price)) revert AuctionDoesNotNeedReset(auctionId, price, age);
        // A reset restarts selling: the same pauses, trips and grace periods as a new auction apply.
        ICircuitBreaker breaker = _header.circuitBreaker;
        if (address(breaker) != address(0)) {
            breaker.checkLiquidation(a.asset, engine.healthFactor(VaultId.wrap(a.vault)) < _params.hardFloor);
        }

        uint256 index = pool.accrueInterest();
        uint256 top = Math.mulDiv(_oraclePriceInBase(a.asset), cfg.startBuffer, WAD);
        a.top = uint128(top);
        a.startedAt = uint40(block.timestamp);
        uint256 reward = _payKeeper(a, keeper, RiskMath.toDebtUp(a.scaledDebt, index) + a.penalty);
        emit AuctionReset(auctionId, keeper, top, reward);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IAuctionHouse
    function auction(uint256 auctionId) external view returns (Auction memory a) {
        (, StoredAuction storage s, bool open) = _find(auctionId);
        if (open) a = _load(s);
    }

    /// @inheritdoc IAuctionHouse
    function auctionStatus(uint256 auctionId) external view returns (AuctionStatus memory s) {
        (, StoredAuction storage stored, bool open) = _find(auctionId);
        if (!open) return s;
        Auction memory a = _load(stored);
        StoredConfig memory cfg = _configs[a.asset];
        uint256 age = block.timestamp - a.startedAt;
        s.active = true;
        s.vault = a.vault;
        s.asset = a.asset;
        s.lot = a.lot;
        s.debt = RiskMath.toDebtUp(a.scaledDebt, pool.currentBorrowIndex());
        s.penalty = a.penalty;
        s.tab = s.debt + a.penalty;
        s.price = cfg.curve.price(a.top, age);
        s.top = a.top;
        s.startedAt = a.startedAt;
        s.needsReset = _needsReset(cfg, a.top, age, s.price);
    }

    /// @inheritdoc IAuctionHouse
    function activeAuctionOf(VaultId vault, address asset) external view returns (uint256) {
        return _activeAuction(vault, asset, _blockingAuction(vault));
    }

    /// @inheritdoc IAuctionHouse
    function blockingAuctionOf(VaultId vault) external view returns (uint256) {
        return _blockingAuction(vault);
    }

    /// @inheritdoc IAuctionHouse
    function throttledDebtOf(uint256 auctionId) external view returns (uint256) {
        (, StoredAuction storage a, bool open) = _find(auctionId);
        return open ? a.throttledDebt : 0;
    }

    /// @inheritdoc IAuctionHouse
    function incentiveLeft(uint256 auctionId) external view returns (uint256) {
        (, StoredAuction storage a, bool open) = _find(auctionId);
        return open ? a.incentiveLeft : 0;
    }

    /// @inheritdoc IAuctionHouse
    function auctionCount() external view returns (uint256) {
        return _header.auctionCount;
    }

    /// @inheritdoc IAuctionHouse
    function circuitBreaker() external view returns (ICircuitBreaker) {
        return _header.circuitBreaker;
    }

    /// @inheritdoc IAuctionHouse
    function canKick(VaultId vault, address asset) external view returns (bool ok, bytes4 reason) {
        try this.previewKick(vault, asset) returns (Kick memory) {
            return (true, bytes4(0));
        } catch (bytes memory err) {
            if (err.length >= 4) reason = bytes4(err);
            return (false, reason);
        }
    }

    /// @inheritdoc IAuctionHouse
    function quoteTake(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 marketPrice
    ) external view returns (uint256 collateral, uint256 owe, int256 profit) {
        (, StoredAuction storage stored) = _openAuction(auctionId);
        Auction memory a = _load(stored);
        uint256 price = _currentPrice(auctionId, a.asset, a.startedAt, a.top);
        uint256 tab = RiskMath.toDebtUp(a.scaledDebt, pool.currentBorrowIndex()) + a.penalty;
        (collateral, owe) = _quote(auctionId, a.asset, a.lot, tab, maxCollateral, price);
        // Prices are uint128 wherever the house stores them; a larger one would overflow the conversion.
        if (marketPrice > type(uint128).max) revert MarketPriceOutOfRange(marketPrice, type(uint128).max);
        profit = SafeCast.toInt256(_toBaseDown(collateral, marketPrice, _unit(a.asset))) - int256(owe);
    }

    /// @inheritdoc IAuctionHouse
    function collateralAuctionConfig(address asset) external view returns (CollateralAuctionConfig memory c) {
        StoredConfig memory s = _configs[asset];
        c = CollateralAuctionConfig({
            curve: s.curve,
            penalty: s.penalty,
            startBuffer: s.startBuffer,
            resetPriceRatio: s.resetPriceRatio,
            maxDuration: s.maxDuration
        });
    }

    /// @inheritdoc IAuctionHouse
    function auctionParameters() external view returns (AuctionParameters memory) {
        return _params;
    }

    // ------------------------------------------------------------------ governance

    /// @inheritdoc IAuctionHouse
    function setCollateralAuctionConfig(address asset, CollateralAuctionConfig calldata config) external restricted {
        IVaultEngine.CollateralConfig memory listed = engine.collateralConfig(asset);
        if (listed.marketDepth == 0) revert AuctionNotConfigured(asset); // not listed
        if (address(config.curve) == address(0)) revert ZeroAddress();
        _bound("penalty", config.penalty, MIN_PENALTY, MAX_PENALTY);
        _bound("startBuffer", config.startBuffer, WAD, MAX_START_BUFFER);
        _bound("resetPriceRatio", config.resetPriceRatio, MIN_RESET_PRICE_RATIO, MAX_RESET_PRICE_RATIO);
        _bound("maxDuration", config.maxDuration, MIN_AUCTION_DURATION, MAX_AUCTION_DURATION);
        AuctionParameters memory p = _params;
        _checkIncentive(asset, config.penalty, p.keeperTip, p.keeperChip, p.dust);
        if (address(_configs[asset].curve) == address(0)) _configuredAssets.push(asset);
        _configs[asset] = StoredConfig({
            curve: config.curve,
            penalty: config.penalty,
            decimals: listed.decimals,
            startBuffer: config.startBuffer,
            resetPriceRatio: config.resetPriceRatio,
            maxDuration: config.maxDuration
        });
        emit CollateralAuctionConfigSet(asset, config);
    }

    /// @inheritdoc IAuctionHouse
    function setCircuitBreaker(ICircuitBreaker breaker) external restricted {
        if (address(breaker) == address(0)) revert ZeroAddress();
        ICircuitBreaker wired = _header.circuitBreaker;
        if (address(wired) != address(0)) revert CircuitBreakerAlreadySet(address(wired));
        _header.circuitBreaker = breaker;
        emit CircuitBreakerSet(address(breaker));
    }

    /// @inheritdoc IAuctionHouse
    function setAuctionParameters(AuctionParameters calldata params) external restricted {
        _setAuctionParameters(params);
    }

    function _setAuctionParameters(AuctionParameters memory p) internal {
        _bound("targetHealthFactor", p.targetHealthFactor, MIN_TARGET_HEALTH_FACTOR, MAX_TARGET_HEALTH_FACTOR);
        _bound("hardFloor", p.hardFloor, MIN_HARD_FLOOR, WAD);
        _bound("lotBuffer", p.lotBuffer, WAD, MAX_LOT_BUFFER);
        _bound("cureWindow", p.cureWindow, 0, MAX_CURE_WINDOW);
        _bound("keeperChip", p.keeperChip, 0, MAX_KEEPER_CHIP);
        _bound("dust", p.dust, 1, MAX_DUST);
        for (uint256 i; i < _configuredAssets.length; ++i) {
            address asset = _configuredAssets[i];
            _checkIncentive(asset, _configs[asset].penalty, p.keeperTip, p.keeperChip, p.dust);
        }
        _params = p;
        emit AuctionParametersSet(p);
    }

    /// @dev The keeper incentive must stay below the penalty it is paid from. Incentives are paid only
    /// for tabs of at least dust, where the flat tip weighs most; below it at dust size implies, for
    /// tip >= 0, chip < p / (1 + p), so the share stays below the penalty for any larger tab too.
    function _checkIncentive(
        address asset,
        uint256 penalty,
        uint256 keeperTip,
        uint256 keeperChip,
        uint256 dust
    ) internal pure {
        uint256 penaltyAtDust = Math.mulDiv(dust, penalty, WAD + penalty);
        uint256 incentiveAtDust = keeperTip + Math.mulDiv(dust, keeperChip, WAD, Math.Rounding.Ceil);
        if (incentiveAtDust >= penaltyAtDust) revert IncentiveAbovePenalty(asset, incentiveAtDust, penaltyAtDust);
    }

    function _bound(bytes32 name, uint256 value, uint256 min, uint256 max) internal pure {
        if (value < min) revert ParameterOutOfBounds(name, value, min);
        if (value > max) revert ParameterOutOfBounds(name, value, max);
    }

    // ------------------------------------------------------------------ internal helpers

    function _currentPrice(
        uint256 auctionId,
        address asset,
        uint256 startedAt,
        uint256 top
    ) internal view returns (uint256 price) {
        StoredConfig memory cfg = _configs[asset];
        uint256 age = block.timestamp - startedAt;
        price = cfg.curve.price(top, age);
        if (_needsReset(cfg, top, age, price)) revert AuctionNeedsReset(auctionId);
    }

    /// @dev The open auction of `asset` in `vault` (0 if none): the dust-sized one recorded in `_active`,
    /// else the vault's `blocking` auction if it sells `asset` (one auction per vault and asset).
    function _activeAuction(VaultId vault, address asset, uint256 blocking) internal view returns (uint256 id) {
        (uint256 entries, uint256 shift) = _vaultEntries(vault);
        if ((entries >> shift) & DUST_FLAG != 0) id = _active[vault][asset];
        if (id == 0 && blocking != 0) {
            (, StoredAuction storage a, ) = _find(blocking);
            if (a.asset == asset) id = blocking;
        }
    }

    /// @dev The vault's open auction with a tab of at least dust, 0 if none (its recorded one has settled).
    function _blockingAuction(VaultId vault) internal view returns (uint256 id) {
        (uint256 entries, uint256 shift) = _vaultEntries(vault);
        id = (entries >> shift) & (DUST_FLAG - 1);
        if (id != 0) {
            (, , bool open) = _find(id);
            if (!open) id = 0;
        }
    }

    /// @dev Word and bit offset of the vault's entry in `_vaultAuctions`.
    function _vaultSlot(VaultId vault) internal pure returns (uint256 word, uint256 shift) {
        uint256 v = VaultId.unwrap(vault);
        return (v / ENTRIES_PER_VAULT_WORD, (v % ENTRIES_PER_VAULT_WORD) * VAULT_ENTRY_BITS);
    }

    function _vaultEntries(VaultId vault) internal view returns (uint256 entries, uint256 shift) {
        uint256 word;
        (word, shift) = _vaultSlot(vault);
        entries = _vaultAuctions[word];
    }

    /// @dev Slab of auction `auctionId` and whether the auction is open: the directory's slab still holds
    /// the entry's generation (the slab was not reused since) and has collateral left (not settled).
    /// Ids never issued have no entry (slab 0, never allocated).
    function _find(uint256 auctionId) internal view returns (uint256 slab, StoredAuction storage a, bool open) {
        uint256 entry =
            _directory[auctionId / ENTRIES_PER_DIRECTORY_WORD] >> ((auctionId % ENTRIES_PER_DIRECTORY_WORD) * 40);
        slab = entry & MAX_SLABS;
        a = _slabs[slab];
        open = slab != 0 && a.generation == uint16(entry >> 24) && a.lot != 0;
    }

    /// @dev As {_find}, reverting `AuctionNotActive` unless the auction is open.
    function _openAuction(uint256 auctionId) internal view returns (uint256 slab, StoredAuction storage a) {
        bool open;
        (slab, a, open) = _find(auctionId);
        if (!open) revert AuctionNotActive(auctionId);
    }

    /// @dev The external form of a stored auction.
    function _load(StoredAuction storage s) internal view returns (Auction memory a) {
        a.vault = VaultId.wrap(s.vault);
        a.asset = s.asset;
        a.startedAt = s.startedAt;
        a.lot = s.lot;
        a.scaledDebt = s.scaledDebt;
        a.penalty = s.penalty;
        a.top = s.top;
    }

    function _needsReset(
        StoredConfig memory cfg,
        uint256 top,
        uint256 age,
        uint256 price
    ) internal pure returns (bool) {
        return age > cfg.maxDuration || price < Math.mulDiv(top, cfg.resetPriceRatio, WAD);
    }

    /// @dev No incentive below a dust-sized tab (kicking and resetting tiny positions would pay the flat
    /// tip over and over), and an auction's kick and resets together never pay more than its penalty
    /// (resetting an auction nobody takes cannot farm the insurance fund).
    function _payKeeper(StoredAuction storage ledger, address keeper, uint256 tab) internal returns (uint256 paid) {
        AuctionParameters memory p = _params;
        if (tab < p.dust) return 0;
        uint256 reward = Math.min(p.keeperTip + Math.mulDiv(tab, p.keeperChip, WAD), ledger.incentiveLeft);
        if (reward == 0) return 0;
        paid = IInsuranceFund(_fund()).pay(keeper, reward, "keeper-incentive");
        // paid <= reward <= incentiveLeft.
        ledger.incentiveLeft -= uint128(paid);
    }

    function _oraclePriceInBase(address asset) internal view returns (uint256) {
        IBreakwaterOracle oracle = engine.oracle();
        uint256 assetPrice = oracle.getPrice(asset);
        uint256 basePrice = oracle.getPrice(address(baseAsset));
        return Math.mulDiv(assetPrice, WAD, basePrice);
    }

    function _fund() internal view returns (address fund) {
        fund = pool.insuranceFund();
        if (fund == address(0)) revert ZeroAddress();
    }

    function _unit(address asset) internal view returns (uint256 unit) {
        // Auctions exist only for configured assets, and a configuration is never removed.
        return 10 ** _configs[asset].decimals;
    }

    /// @dev Base units for `collateral` token units at `price` [wad base per token], rounded up.
    function _toBaseUp(uint256 collateral, uint256 price, uint256 unit) internal view returns (uint256) {
        return Math.mulDiv(collateral, price * BASE_UNIT, unit * WAD, Math.Rounding.Ceil);
    }

    function _toBaseDown(uint256 collateral, uint256 price, uint256 unit) internal view returns (uint256) {
        return Math.mulDiv(collateral, price * BASE_UNIT, unit * WAD);
    }

    /// @dev Collateral units bought by `base` base units at `price`, rounded down (buyer gets less).
    function _toCollateralDown(uint256 base, uint256 price, uint256 unit) internal view returns (uint256) {
        return Math.mulDiv(base, unit * WAD, price * BASE_UNIT);
    }

    function _toCollateralUp(uint256 base, uint256 price, uint256 unit) internal view returns (uint256) {
        return Math.mulDiv(base, unit * WAD, price * BASE_UNIT, Math.Rounding.Ceil);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20, ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ILendingPool} from "../interfaces/ILendingPool.sol";
import {IInterestRateModel} from "../interfaces/IInterestRateModel.sol";
import {ICircuitBreaker, Action} from "../interfaces/ICircuitBreaker.sol";
import {RiskMath} from "../libraries/RiskMath.sol";

/// @title Breakwater lending pool
/// @notice ERC-4626 vault of the base asset. The vault engine is the only borrower; the pool keeps the
/// debt ledger (borrow index [ray] and total scaled debt) and gives the reserve factor of accrued
/// interest to the insurance fund as shares (counted at once, minted when the fund's balance moves out).
/// @dev Inflation-attack defence is twofold: a decimals offset (virtual shares) and an internally
/// tracked `cash`, so donations never enter `totalAssets()`. All ERC-4626 views include interest
/// accrued up to now (computed without state change), so previews equal the actual results.
/// Fee-on-transfer and rebasing base assets are not supported.
contract LendingPool is ILendingPool, ERC4626, AccessManaged, ReentrancyGuardTransient {
    using Math for uint256;
    using SafeCast for uint256;
    using SafeERC20 for IERC20;

    uint256 private constant WAD = 1e18;
    uint256 private constant RAY = 1e27;
    uint8 private constant DECIMALS_OFFSET = 6;
    uint256 private constant VIRTUAL_SHARES = 10 ** DECIMALS_OFFSET;

    /// @notice Upper bound of the reserve factor [wad].
    uint256 public constant MAX_RESERVE_FACTOR = 0.5e18;
    /// @notice Safety cap on whatever the rate model returns [wad per second], ~10000% APR: keeps the
    /// growth-factor arithmetic far from overflow even with a faulty model.
    uint256 public constant MAX_BORROW_RATE_PER_SECOND = (100 * WAD) / 365 days;

    /// @dev Both amounts change together on borrow and repay: one storage slot.
    struct Ledger {
        uint128 cash; // [base units]
        uint128 totalScaledDebt; // [scaled base units]
    }

    /// @dev Written together on every accrual: one storage slot.
    struct IndexState {
        uint216 borrowIndex; // [ray]
        uint40 lastAccrual; // [unix seconds]
    }

    /// @dev Read together by every accrual (one SLOAD); same layout as the two former separate variables.
    struct RateConfig {
        IInterestRateModel model;
        uint64 reserveFactor; // [wad]
    }

    /// @dev Result of accruing interest from the last accrual up to `block.timestamp`, with the ledger and
    /// reserve values it loaded, so that callers do not read those slots again.
    struct Accrual {
        uint256 index; // [ray]
        uint256 cash; // ledger cash [base units]
        uint256 scaledDebt; // ledger total scaled debt [scaled base units]
        uint256 debt; // total debt at `index`, rounded down [base units]
        uint256 interest; // debt growth since the last accrual [base units]
        uint256 reserveShares; // shares to mint to the insurance fund
        // Loaded only when `reserveShares` is non-zero:
        uint256 supply; // {totalSupply} before the reserve shares
        address fund; // the insurance fund
        uint256 pendingShares; // its reserve shares already pending
        bool accrued; // time passed with debt outstanding: the ledger moves and an event is due
    }

    Ledger private _ledger;
    IndexState private _indexState;
    RateConfig private _rateConfig;
    address private _engine;
    /// @dev The insurance fund and the reserve shares accrued to it but not minted yet, in one slot that
    /// every accrual reads anyway. Minting them at each accrual would cost a cold balance read, two writes
    /// and an event per operation; instead they count in {totalSupply} and the fund's {balanceOf} at once
    /// and are minted (with their Transfer event) when the fund's balance next moves out, when the fund
    /// is replaced, or when the field would overflow.
    struct Reserve {
        address fund;
        uint96 pendingShares;
    }

    Reserve private _reserve;
    ICircuitBreaker private _circuitBreaker;

    modifier onlyEngine() {
        if (msg.sender != _engine) revert OnlyEngine(msg.sender);
        _;
    }

    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        address accessManager,
        IInterestRateModel model,
        uint256 reserveFactor_
    ) ERC4626(asset_) ERC20(name_, symbol_) AccessManaged(accessManager) {
        if (address(asset_) == address(0) || address(model) == address(0)) revert ZeroAddress();
        if (reserveFactor_ > MAX_RESERVE_FACTOR) {
            revert ReserveFactorOutOfBounds(reserveFactor_, MAX_RESERVE_FACTOR);
        }
        _rateConfig = RateConfig(model, uint64(reserveFactor_));
        _indexState = IndexState(uint216(RAY), uint40(block.timestamp));
        emit RateModelSet(address(model));
        emit ReserveFactorSet(reserveFactor_);
    }

    // ---------------------------------------------------------------------------------------------
    // Engine
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILendingPool
    function accrueInterest() external nonReentrant returns (uint256 index) {
        return _accrue();
    }

    /// @inheritdoc ILendingPool
    function borrow(uint256 assets, address receiver) external onlyEngine nonReentrant returns (uint256 scaledDebt) {
        uint256 index = _accrue();
        Ledger memory ledger = _ledger;
        if (assets > ledger.cash) revert InsufficientCash(assets, ledger.cash);
        // Rounded up: the borrower never owes less than it took.
        scaledDebt = RiskMath.mulDivUp(assets, RAY, index);
        _ledger = Ledger(uint128(ledger.cash - assets), (ledger.totalScaledDebt + scaledDebt).toUint128());
        IERC20(asset()).safeTransfer(receiver, assets);
        emit Borrowed(receiver, assets, scaledDebt);
    }

    /// @inheritdoc ILendingPool
    function repay(uint256 assets, uint256 scaledDebt, address payer) external onlyEngine nonReentrant {
        _accrue();
        Ledger memory ledger = _ledger;
        if (scaledDebt > ledger.totalScaledDebt) revert RepayExceedsDebt(scaledDebt, ledger.totalScaledDebt);
        // The engine already moved `assets` in: they become lendable cash.
        // Cast first: `cash + assets` must not overflow before the 128-bit check.
        _ledger = Ledger(
            (uint256(ledger.cash) + assets.toUint128()).toUint128(),
            uint128(ledger.totalScaledDebt - scaledDebt)
        );
        emit Repaid(payer, assets, scaledDebt);
    }

    /// @inheritdoc ILendingPool
    function socialiseBadDebt(
        uint256 scaledDebt
    ) external onlyEngine nonReentrant returns (uint256 assets, uint256 absorbedByFund) {
        uint256 index = _accrue();
        uint256 totalScaled = _ledger.totalScaledDebt;
        if (scaledDebt > totalScaled) revert WriteOffExceedsDebt(scaledDebt, totalScaled);
        // Exactly what leaves totalAssets(): the ledger's rounded-down total before minus after.
        assets = _toAssetsDown(totalScaled, index) - _toAssetsDown(totalScaled - scaledDebt, index);
        // First loss with or without cash: burn the insurance fund's shares worth the write-off at the
        // price before it (rounded up), so lenders bear only what those shares cannot absorb.
        address fund = _reserve.fund;
        if (fund != address(0) && assets != 0) {
            uint256 burnt = Math.min(balanceOf(fund), _convertToShares(assets, Math.Rounding.Ceil));
            if (burnt != 0) {
                absorbedByFund = Math.min(assets, _convertToAssets(burnt, Math.Rounding.Floor));
                _burn(fund, burnt);
                emit InsuranceSharesBurnt(fund, burnt, absorbedByFund);
            }
        }
        _ledger.totalScaledDebt = uint128(totalScaled - scaledDebt);
        emit BadDebtSocialised(assets, scaledDebt);
    }

    // ---------------------------------------------------------------------------------------------
    // Governance
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILendingPool
    function setEngine(address engine_) external restricted {
        if (engine_ == address(0)) revert ZeroAddress();
        if (_engine != address(0)) revert EngineAlreadySet(_engine);
        _engine = engine_;
        emit EngineSet(engine_);
    }

    /// @inheritdoc ILendingPool
    function setRateModel(IInterestRateModel model) external restricted nonReentrant {
        if (address(model) == address(0)) revert ZeroAddress();
        // Interest up to now is owed at the old model's rate.
        _accrue();
        _rateConfig.model = model;
        emit RateModelSet(address(model));
    }

    /// @inheritdoc ILendingPool
    function setReserveFactor(uint256 reserveFactor_) external restricted nonReentrant {
        if (reserveFactor_ > MAX_RESERVE_FACTOR) {
            revert ReserveFactorOutOfBounds(reserveFactor_, MAX_RESERVE_FACTOR);
        }
        _accrue();
        _rateConfig.reserveFactor = uint64(reserveFactor_);
        emit ReserveFactorSet(reserveFactor_);
    }

    /// @inheritdoc ILendingPool
    /// @dev Accrues first, so the new fund only receives fees on interest accrued after it was set.
    function setInsuranceFund(address fund) external restricted nonReentrant {
        if (fund == address(0)) revert ZeroAddress();
        _accrue();
        // The old fund keeps what accrued to it.
        Reserve memory r = _reserve;
        if (r.pendingShares != 0) super._update(address(0), r.fund, r.pendingShares);
        _reserve = Reserve(fund, 0);
        emit InsuranceFundSet(fund);
    }

    /// @inheritdoc ILendingPool
    /// @dev Admin only (behind the timelock): between a payer's transfer to the pool and the engine's
    /// `repay` the balance is briefly above `cash` within one transaction; nobody else can skim then.
    function skim(address token, address to) external restricted nonReentrant returns (uint256 amount) {
        if (to == address(0)) revert ZeroAddress();
        amount = IERC20(token).balanceOf(address(this));
        if (token == asset()) {
            uint256 booked = _ledger.cash;
            amount = amount > booked ? amount - booked : 0;
        }
        if (amount == 0) revert NothingToSkim(token);
        IERC20(token).safeTransfer(to, amount);
        emit Skimmed(token, to, amount);
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-4626 entry points: accrue first, then the standard flow. Each is OpenZeppelin's (same checks,
    // errors, order and events) with the max/preview views evaluated on the totals the accrual already
    // loaded: after it nothing is pending, so {maxDeposit}, {previewDeposit} etc. would return exactly
    // these values, only after reading the same slots again.
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC4626
    function deposit(
        uint256 assets,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        _checkPaused(Action.PoolDeposit, receiver);
        (Accrual memory a, uint256 supply) = _accrueWithTotals();
        uint256 maxAssets = type(uint128).max - a.cash; // maxDeposit
        if (assets > maxAssets) revert ERC4626ExceededMaxDeposit(receiver, assets, maxAssets);
        shares = assets.mulDiv(supply + VIRTUAL_SHARES, a.cash + a.debt + 1, Math.Rounding.Floor); // previewDeposit
        _depositCash(a, receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function mint(
        uint256 shares,
        address receiver
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        _checkPaused(Action.PoolDeposit, receiver);
        (Accrual memory a, uint256 supply) = _accrueWithTotals();
        uint256 assets_ = a.cash + a.debt;
        // maxMint: the shares maxDeposit buys, rounded down.
        uint256 maxShares = (type(uint128).max - a.cash).mulDiv(
            supply + VIRTUAL_SHARES,
            assets_ + 1,
            Math.Rounding.Floor
        );
        if (shares > maxShares) revert ERC4626ExceededMaxMint(receiver, shares, maxShares);
        assets = shares.mulDiv(assets_ + 1, supply + VIRTUAL_SHARES, Math.Rounding.Ceil); // previewMint
        _depositCash(a, receiver, assets, shares);
    }

    /// @inheritdoc IERC4626
    function withdraw(
        uint256 assets,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 shares) {
        _checkPaused(Action.PoolWithdraw, owner);
        (Accrual memory a, uint256 supply) = _accrueWithTotals();
        uint256 assets_ = a.cash + a.debt;
        // maxWithdraw: nothing is pending any more, so the owner's shares are its balance.
        uint256 maxAssets = Math.min(balanceOf(owner).mulDiv(assets_ + 1, supply + VIRTUAL_SHARES), a.cash);
        if (assets > maxAssets) revert ERC4626ExceededMaxWithdraw(owner, assets, maxAssets);
        shares = assets.mulDiv(supply + VIRTUAL_SHARES, assets_ + 1, Math.Rounding.Ceil); // previewWithdraw
        _withdrawCash(a, receiver, owner, assets, shares);
    }

    /// @inheritdoc IERC4626
    function redeem(
        uint256 shares,
        address receiver,
        address owner
    ) public override(ERC4626, IERC4626) nonReentrant returns (uint256 assets) {
        _checkPaused(Action.PoolWithdraw, owner);
        (Accrual memory a, uint256 supply) = _accrueWithTotals();
        uint256 assets_ = a.cash + a.debt;
        // maxRedeem, as in {maxRedeem} with nothing pending.
        uint256 byCash = (a.cash + 1).mulDiv(supply + VIRTUAL_SHARES, assets_ + 1, Math.Rounding.Ceil) - 1;
        uint256 maxShares = Math.min(balanceOf(owner), byCash);
        if (shares > maxShares) revert ERC4626ExceededMaxRedeem(owner, shares, maxShares);
        assets = shares.mulDiv(assets_ + 1, supply + VIRTUAL_SHARES, Math.Rounding.Floor); // previewRedeem
        _withdrawCash(a, receiver, owner, assets, shares);
    }

    /// @dev The lent cash grows by `assets` (written from the loaded ledger), then OpenZeppelin's
    /// {ERC4626-_deposit}: transfer in, mint, Deposit event.
    function _depositCash(Accrual memory a, address receiver, uint256 assets, uint256 shares) private {
        _ledger = Ledger((a.cash + assets).toUint128(), uint128(a.scaledDebt));
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @dev The lent cash shrinks by `assets`, then OpenZeppelin's {ERC4626-_withdraw}: allowance, burn,
    /// transfer out, Withdraw event.
    function _withdrawCash(Accrual memory a, address receiver, address owner, uint256 assets, uint256 shares) private {
        // The max check above already bounds `assets` by the cash; checked arithmetic as a backstop.
        _ledger = Ledger(uint128(a.cash - assets), uint128(a.scaledDebt));
        _withdraw(_msgSender(), receiver, owner, assets, shares);
    }

    /// @dev Guardian pauses of lender deposits and withdrawals. The insurance fund is exempt: it redeems
    /// shares to cover bad debt and pay keepers, which a pause must never block.
    function _checkPaused(Action action, address account) private view {
        ICircuitBreaker breaker = _circuitBreaker;
        if (address(breaker) != address(0) && account != _reserve.fund) breaker.checkAction(action);
    }

    /// @inheritdoc ILendingPool
    function setCircuitBreaker(ICircuitBreaker breaker) external restricted {
        if (address(breaker) == address(0)) revert ZeroAddress();
        if (address(_circuitBreaker) != address(0)) revert CircuitBreakerAlreadySet(address(_circuitBreaker));
        _circuitBreaker = breaker;
        emit CircuitBreakerSet(address(breaker));
    }

    /// @inheritdoc ILendingPool
    function circuitBreaker() external view returns (ICircuitBreaker) {
        return _circuitBreaker;
    }

    // ---------------------------------------------------------------------------------------------
    // ERC-4626 views (include pending interest and pending reserve shares)
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc IERC4626
    function totalAssets() public view override(ERC4626, IERC4626) returns (uint256) {
        Accrual memory a = _pendingAccrual();
        return a.cash + a.debt;
    }

    /// @inheritdoc IERC4626
    /// @dev Cash is kept in 128 bits: a larger deposit is refused up front (ERC4626ExceededMaxDeposit)
    /// instead of overflowing in the share conversion.
    function maxDeposit(address) public view override(ERC4626, IERC4626) returns (uint256) {
        return type(uint128).max - _ledger.cash;
    }

    /// @inheritdoc IERC4626
    /// @dev The shares `maxDeposit` buys (rounded down), so `mint` is bounded the same way.
    function maxMint(address receiver) public view override(ERC4626, IERC4626) returns (uint256) {
        return _convertToShares(maxDeposit(receiver), Math.Rounding.Floor);
    }

    /// @inheritdoc IERC4626
    /// @dev Limited by the cash available: borrowed funds cannot be withdrawn.
    function maxWithdraw(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        (uint256 assets_, uint256 supply, uint256 pendingShares, uint256 cash_) = _pendingTotals();
        uint256 byShares = _sharesOf(owner, pendingShares).mulDiv(assets_ + 1, supply + VIRTUAL_SHARES);
        return Math.min(byShares, cash_);
    }

    /// @inheritdoc IERC4626
    /// @dev Limited to the largest share amount whose redemption (rounded down) fits in the cash.
    function maxRedeem(address owner) public view override(ERC4626, IERC4626) returns (uint256) {
        (uint256 assets_, uint256 supply, uint256 pendingShares, uint256 cash_) = _pendingTotals();
        // Largest s with floor(s * (A + 1) / (S + V)) <= cash, i.e. s < (cash + 1) * (S + V) / (A + 1).
        uint256 byCash = (cash_ + 1).mulDiv(supply + VIRTUAL_SHARES, assets_ + 1, Math.Rounding.Ceil) - 1;
        return Math.min(_sharesOf(owner, pendingShares), byCash);
    }

    // ---------------------------------------------------------------------------------------------
    // Pool views
    // ---------------------------------------------------------------------------------------------

    /// @inheritdoc ILendingPool
    function borrowIndex() external view returns (uint256) {
        return _indexState.borrowIndex;
    }

    /// @notice Timestamp of the last accrual [unix seconds].
    function lastAccrual() external view returns (uint256) {
        return _indexState.lastAccrual;
    }

    /// @inheritdoc ILendingPool
    /// @dev The index part of {_pendingAccrual} alone: skips the reserve-share maths (fund, supply),
    /// which every health view would otherwise pay for.
    function currentBorrowIndex() external view returns (uint256) {
        IndexState memory s = _indexState;
        uint256 dt = block.timestamp - s.lastAccrual;
        if (dt == 0) return s.borrowIndex;
        Ledger memory ledger = _ledger;
        if (ledger.totalScaledDebt == 0) return s.borrowIndex;
        uint256 rate = _borrowRate(ledger.cash, _toAssetsDown(ledger.totalScaledDebt, s.borrowIndex));
        if (rate == 0) return s.borrowIndex;
        return _growIndexUp(s.borrowIndex, rate, dt);
    }

    /// @inheritdoc ILendingPool
    function totalScaledDebt() external view returns (uint256) {
        return _ledger.totalScaledDebt;
    }

    /// @inheritdoc ILendingPool
    function totalDebt() public view returns (uint256) {
        return _pendingAccrual().debt;
    }

    /// @inheritdoc ILendingPool
    function cash() external view returns (uint256) {
        return _ledger.cash;
    }

    /// @inheritdoc ILendingPool
    function utilisation() public view returns (uint256) {
        uint256 debt = totalDebt();
        if (debt == 0) return 0;
        return debt.mulDiv(WAD, _ledger.cash + debt);
    }

    /// @inheritdoc ILendingPool
    function borrowRatePerSecond() public view returns (uint256) {
        return _borrowRate(_ledger.cash, totalDebt());
    }

    /// @inheritdoc ILendingPool
    /// @dev Rounded down. With no insurance fund set, no reserve is taken, so lenders get all the interest.
    function supplyRatePerSecond() external view returns (uint256) {
        uint256 reserve = _reserve.fund == address(0) ? 0 : _rateConfig.reserveFactor;
        return borrowRatePerSecond().mulDiv(utilisation(), WAD).mulDiv(WAD - reserve, WAD);
    }

    /// @inheritdoc ILendingPool
    function reserveFactor() external view returns (uint256) {
        return _rateConfig.reserveFactor;
    }

    /// @inheritdoc ILendingPool
    function rateModel() external view returns (IInterestRateModel) {
        return _rateConfig.model;
    }

    /// @inheritdoc ILendingPool
    function insuranceFund() external view returns (address) {
        return _reserve.fund;
    }

    /// @inheritdoc ILendingPool
    function engine() external view returns (address) {
        return _engine;
    }

    // ---------------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------------

    function _decimalsOffset() internal pure override returns (uint8) {
        return DECIMALS_OFFSET;
    }

    /// @dev Uses the totals including pending interest and pending reserve shares, so that a preview
    /// made before an accrual equals the result of the call, which accrues first.
    function _convertToShares(uint256 assets, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 assets_, uint256 supply, , ) = _pendingTotals();
        return _checkedMulDiv(assets, supply + VIRTUAL_SHARES, assets_ + 1, rounding);
    }

    /// @dev See {_convertToShares}.
    function _convertToAssets(uint256 shares, Math.Rounding rounding) internal view override returns (uint256) {
        (uint256 assets_, uint256 supply, , ) = _pendingTotals();
        return _checkedMulDiv(shares, assets_ + 1, supply + VIRTUAL_SHARES, rounding);
    }

    /// @dev `amount * numerator / denominator`, rounded as asked, with `ConversionOverflow` instead of
    /// OpenZeppelin's arithmetic panic when the exact result does not fit (an absurd amount in a view).
    function _checkedMulDiv(
        uint256 amount,
        uint256 numerator,
        uint256 denominator,
        Math.Rounding rounding
    ) private pure returns (uint256 result) {
        (uint256 high, ) = Math.mul512(amount, numerator);
        if (high >= denominator) revert ConversionOverflow(amount);
        result = amount.mulDiv(numerator, denominator);
        if (Math.unsignedRoundsUp(rounding) && mulmod(amount, numerator, denominator) != 0) {
            if (result == type(uint256).max) revert ConversionOverflow(amount);
            ++result;
        }
    }

    /// @dev Brings the index up to now and mints the reserve shares. Idempotent within a block; within
    /// one it reads the index slot alone.
    function _accrue() private returns (uint256) {
        IndexState memory s = _indexState;
        if (block.timestamp == s.lastAccrual) return s.borrowIndex;
        return _accrueFrom(s).index;
    }

    /// @dev {_accrue} for the lender entry points: the accrual with the ledger it loaded (which the
    /// accrual does not move) and the {totalSupply} after it (reused from the accrual when it read it).
    /// Within a block it only loads the ledger and the debt at the current index.
    function _accrueWithTotals() private returns (Accrual memory, uint256) {
        IndexState memory s = _indexState;
        Accrual memory a = block.timestamp == s.lastAccrual ? _accrualFrom(s) : _accrueFrom(s);
        // Minting pending shares on overflow leaves totalSupply() unchanged: it already counted them.
        return (a, a.reserveShares != 0 ? a.supply + a.reserveShares : totalSupply());
    }

    /// @dev Performs the accrual from the loaded index state `s` (`s.lastAccrual` before now).
    function _accrueFrom(IndexState memory s) private returns (Accrual memory) {
        Accrual memory a = _accrualFrom(s);
        _indexState = IndexState(a.index.toUint216(), uint40(block.timestamp));
        if (a.accrued) {
            if (a.reserveShares != 0) _addReserveShares(a);
            emit InterestAccrued(a.index, a.interest, a.reserveShares);
        }
        return a;
    }

    /// @dev The accrual `_accrue` would perform now, as a view. Single source of truth for the index,
    /// the debt and the reserve shares, used both by state changes and by the ERC-4626 views.
    function _pendingAccrual() private view returns (Accrual memory) {
        return _accrualFrom(_indexState);
    }

    /// @dev {_pendingAccrual} from the loaded index state `s`.
    function _accrualFrom(IndexState memory s) private view returns (Accrual memory a) {
        Ledger memory ledger = _ledger;
        a.cash = ledger.cash;
        a.scaledDebt = ledger.totalScaledDebt;
        a.index = s.borrowIndex;
        uint256 debtBefore = _toAssetsDown(a.scaledDebt, a.index);
        a.debt = debtBefore;
        uint256 dt = block.timestamp - s.lastAccrual;
        if (dt == 0 || a.scaledDebt == 0) return a;
        a.accrued = true;

        RateConfig memory config = _rateConfig;
        uint256 rate = _borrowRate(config.model, a.cash, debtBefore);
        if (rate == 0) return a;
        a.index = _growIndexUp(a.index, rate, dt);
        a.debt = _toAssetsDown(a.scaledDebt, a.index);
        a.interest = a.debt - debtBefore;

        Reserve memory r = _reserve;
        if (r.fund == address(0)) return a;
        uint256 fee = (a.interest * config.reserveFactor) / WAD; // rounded down: lenders keep the dust
        if (fee == 0) return a;
        a.fund = r.fund;
        a.pendingShares = r.pendingShares;
        a.supply = super.totalSupply() + r.pendingShares; // = totalSupply(), without reading `_reserve` again
        // Shares worth exactly `fee` at the post-accrual price, measured the way ERC-4626 converts
        // (virtual shares and asset included): (A + 1 - fee) / (S + V) = (A + 1) / (S + V + shares), so
        // existing holders lose exactly the fee. Rounded down, in the lenders' favour.
        a.reserveShares = RiskMath.mulDivDown(fee, a.supply + VIRTUAL_SHARES, a.cash + a.debt + 1 - fee);
    }

    /// @dev (total assets, total supply, pending reserve shares, cash), all including pending interest.
    function _pendingTotals()
        private
        view
        returns (uint256 assets_, uint256 supply, uint256 pendingShares, uint256 cash_)
    {
        Accrual memory a = _pendingAccrual();
        supply = a.reserveShares != 0 ? a.supply + a.reserveShares : totalSupply();
        return (a.cash + a.debt, supply, a.reserveShares, a.cash);
    }

    /// @dev Balance including the reserve shares the next accrual will mint to the insurance fund.
    function _sharesOf(address owner, uint256 pendingShares) private view returns (uint256) {
        Reserve memory r = _reserve;
        uint256 balance = super.balanceOf(owner);
        return owner == r.fund ? balance + r.pendingShares + pendingShares : balance;
    }

    /// @dev Records reserve shares accrued to the fund (`a` carries the loaded reserve slot), writing the
    /// whole slot so it is not read again.
    function _addReserveShares(Accrual memory a) private {
        uint256 pending = a.pendingShares + a.reserveShares;
        if (pending > type(uint96).max) {
            _reserve = Reserve(a.fund, 0);
            super._update(address(0), a.fund, pending);
        } else {
            _reserve = Reserve(a.fund, uint96(pending));
        }
    }

    /// @inheritdoc IERC20
    /// @dev Includes the reserve shares not minted yet.
    function totalSupply() public view override(ERC20, IERC20) returns (uint256) {
        return super.totalSupply() + _reserve.pendingShares;
    }

    /// @inheritdoc IERC20
    /// @dev The insurance fund's balance includes its reserve shares not minted yet.
    function balanceOf(address account) public view override(ERC20, IERC20) returns (uint256) {
        Reserve memory r = _reserve;
        uint256 balance = super.balanceOf(account);
        return account == r.fund ? balance + r.pendingShares : balance;
    }

    /// @dev Mints the fund's pending reserve shares before its balance moves out (transfer, redeem,
    /// burn), so the ERC-20 balance checks see them.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0)) {
            Reserve memory r = _reserve;
            if (from == r.fund && r.pendingShares != 0) {
                _reserve.pendingShares = 0;
                super._update(address(0), from, r.pendingShares);
            }
        }
        super._update(from, to, value);
    }

    function _borrowRate(uint256 cash_, uint256 debt) private view returns (uint256) {
        return _borrowRate(_rateConfig.model, cash_, debt);
    }

    function _borrowRate(IInterestRateModel model, uint256 cash_, uint256 debt) private view returns (uint256) {
        return Math.min(model.borrowRatePerSecond(cash_, debt), MAX_BORROW_RATE_PER_SECOND);
    }

    /// @dev index * (1 + x + x^2/2 + x^3/6) with x = rate * dt: third-order Taylor expansion of
    /// e^x (continuous compounding), slightly below it (error ~ x^4/24). Every step rounds up,
    /// in the lenders' favour (a few ray-wei per accrual).
    function _growIndexUp(uint256 index, uint256 ratePerSecond, uint256 dt) private pure returns (uint256) {
        uint256 x = ratePerSecond * dt * 1e9; // [wad] -> [ray]
        uint256 x2Half = RiskMath.mulDivUp(x, x, 2 * RAY); // x^2 / 2 [ray]
        uint256 x3Sixth = RiskMath.mulDivUp(x2Half, x, 3 * RAY); // x^3 / 6 [ray]
        return RiskMath.mulDivUp(index, RAY + x + x2Half + x3Sixth, RAY);
    }

    /// @dev Scaled debt to base units, rounded down (the pool's aggregate view of the debt).
    function _toAssetsDown(uint256 scaled, uint256 index) private pure returns (uint256) {
        return RiskMath.mulDivDown(scaled, index, RAY);
    }
}

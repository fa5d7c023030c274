// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAuctionHouse, IAuctionTakeCallback} from "../../contracts/interfaces/IAuctionHouse.sol";
import {IVaultEngine} from "../../contracts/interfaces/IVaultEngine.sol";
import {VaultId} from "../../contracts/libraries/Types.sol";

/// @notice The part of Uniswap V2's pair this taker needs.
interface IUniswapV2Pair {
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 blockTimestampLast);
    function token0() external view returns (address);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @notice Flash taker for tests: buys auctioned collateral with no capital of its own. `take` sends it
/// the collateral and calls `onAuctionTake`, where it sells the collateral into a Uniswap V2 pair and
/// approves the auction house for what `take` then pulls; the keeper who called `execute` gets the rest.
/// @dev `executeWithMode` runs adversarial callbacks (re-entry attempts, not paying) for the tests.
contract FlashTaker is IAuctionTakeCallback {
    using SafeERC20 for IERC20;

    /// @notice What the callback does.
    enum Mode {
        Sell, // honest: sell into the pair and pay
        NoPay, // sell into the pair but never approve the payment
        ReenterDeposit, // engine.deposit into this contract's own vault
        ReenterBorrow, // engine.borrow from this contract's own vault
        ReenterRepay, // engine.repay of the liquidated vault
        ReenterFlag, // engine.flagMarginCall of the liquidated vault
        ReenterTake, // auctionHouse.take of the same auction
        ReenterKick // auctionHouse.kick of another collateral
    }

    IAuctionHouse public immutable auctionHouse;
    IVaultEngine public immutable engine;
    IUniswapV2Pair public immutable pair;
    IERC20 public immutable collateral;
    IERC20 public immutable base;

    /// @notice This contract's own vault (for the re-entry attempts); 0 until `openOwnVault`.
    VaultId public ownVault;
    /// @notice Collateral kicked by `Mode.ReenterKick`.
    address public kickAsset;

    /// @dev Set only while this contract's own `take` runs: the callback accepts no other caller.
    bool private _taking;

    error UnexpectedCallback(address caller, address taker);
    error InsufficientProceeds(uint256 proceeds, uint256 owe);

    event FlashTaken(uint256 indexed auctionId, uint256 collateral, uint256 owe, uint256 proceeds);

    constructor(IAuctionHouse auctionHouse_, IUniswapV2Pair pair_, IERC20 collateral_) {
        auctionHouse = auctionHouse_;
        engine = auctionHouse_.engine();
        pair = pair_;
        collateral = collateral_;
        base = IERC20(engine.baseAsset());
    }

    // ------------------------------------------------------------------ keeper entry points

    /// @notice Buys up to `maxCollateral` of auction `auctionId` at a price of at most `maxPrice`,
    /// paying out of the sale of that collateral; sends the profit (base asset) to the caller.
    function execute(uint256 auctionId, uint256 maxCollateral, uint256 maxPrice) external returns (uint256 profit) {
        return _execute(auctionId, maxCollateral, maxPrice, Mode.Sell);
    }

    /// @notice `execute` with an adversarial callback.
    function executeWithMode(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        Mode mode
    ) external returns (uint256 profit) {
        return _execute(auctionId, maxCollateral, maxPrice, mode);
    }

    function _execute(
        uint256 auctionId,
        uint256 maxCollateral,
        uint256 maxPrice,
        Mode mode
    ) internal returns (uint256 profit) {
        uint256 before = base.balanceOf(address(this));
        _taking = true;
        auctionHouse.take(auctionId, maxCollateral, maxPrice, address(this), abi.encode(mode));
        _taking = false;
        profit = base.balanceOf(address(this)) - before;
        if (profit != 0) base.safeTransfer(msg.sender, profit);
    }

    // ------------------------------------------------------------------ callback

    /// @inheritdoc IAuctionTakeCallback
    function onAuctionTake(
        address taker,
        uint256 auctionId,
        uint256 amount,
        uint256 owe,
        bytes calldata data
    ) external {
        if (msg.sender != address(auctionHouse) || taker != address(this) || !_taking) {
            revert UnexpectedCallback(msg.sender, taker);
        }
        Mode mode = abi.decode(data, (Mode));
        if (mode == Mode.ReenterDeposit) {
            engine.deposit(ownVault, address(collateral), amount);
        } else if (mode == Mode.ReenterBorrow) {
            engine.borrow(ownVault, owe, address(this));
        } else if (mode == Mode.ReenterRepay) {
            engine.repay(auctionHouse.auction(auctionId).vault, owe);
        } else if (mode == Mode.ReenterFlag) {
            engine.flagMarginCall(auctionHouse.auction(auctionId).vault);
        } else if (mode == Mode.ReenterTake) {
            auctionHouse.take(auctionId, amount, type(uint256).max, address(this), "");
        } else if (mode == Mode.ReenterKick) {
            auctionHouse.kick(auctionHouse.auction(auctionId).vault, kickAsset, address(this));
        }

        uint256 proceeds = _sell(amount);
        if (mode == Mode.NoPay) return; // keeps the proceeds: `take` cannot pull its payment
        if (proceeds < owe) revert InsufficientProceeds(proceeds, owe);
        base.forceApprove(address(auctionHouse), owe);
        emit FlashTaken(auctionId, amount, owe, proceeds);
    }

    /// @dev Sells `amountIn` collateral into the pair at the constant-product price less the 0.3% fee.
    function _sell(uint256 amountIn) internal returns (uint256 amountOut) {
        (uint112 reserve0, uint112 reserve1, ) = pair.getReserves();
        bool collateralIsToken0 = pair.token0() == address(collateral);
        (uint256 reserveIn, uint256 reserveOut) = collateralIsToken0 ? (reserve0, reserve1) : (reserve1, reserve0);
        uint256 inWithFee = amountIn * 997;
        amountOut = (inWithFee * reserveOut) / (reserveIn * 1000 + inWithFee);
        collateral.safeTransfer(address(pair), amountIn);
        (uint256 out0, uint256 out1) = collateralIsToken0 ? (uint256(0), amountOut) : (amountOut, uint256(0));
        pair.swap(out0, out1, address(this), "");
    }

    // ------------------------------------------------------------------ own vault (re-entry control)

    /// @notice Opens a vault owned by this contract.
    function openOwnVault() external returns (VaultId id) {
        id = engine.openVault(address(this));
        ownVault = id;
    }

    /// @notice Deposits collateral held by this contract into its own vault (outside any callback).
    function depositOwn(uint256 amount) external {
        collateral.forceApprove(address(engine), amount);
        engine.deposit(ownVault, address(collateral), amount);
    }

    /// @notice Borrows from its own vault to this contract (outside any callback).
    function borrowOwn(uint256 amount) external {
        engine.borrow(ownVault, amount, address(this));
    }

    function setKickAsset(address asset) external {
        kickAsset = asset;
    }
}

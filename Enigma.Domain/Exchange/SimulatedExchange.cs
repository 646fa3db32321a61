using System.Globalization;
using System.Runtime.CompilerServices;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Domain.Exchange;

/// <summary>Terms of the simulated venue that KuCoin does not publish per contract.</summary>
public sealed record ExchangeModelSettings
{
    public BookShape Book { get; init; } = new();

    /// <summary>The funding rate charged at every settlement: KuCoin's baseline (interest component only), 1 bp.</summary>
    public decimal FundingRate { get; init; } = 0.0001m;

    /// <summary>Seeds the book's sizes; the same seed and the same calls give the same events.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Whether every tick publishes market data (mark price, trade prints, book level changes) for clients to take.
    /// The simulator does; a backtest reads the venue's state and turns it off. Matching, fills, fees, funding and
    /// liquidation are the same either way.
    /// </summary>
    public bool PublishMarketData { get; init; } = true;
}

/// <summary>
/// A KuCoin-like futures venue as pure state: contracts, a replayed market per symbol (<see cref="Advance"/>), and
/// accounts with isolated-margin positions in one-way mode. It has no clock: every call says what time it is.
/// <para>
/// The model, shared by the simulator and the backtester (knowledge-bank/truth-docs/formulas.md has the reasoning):
/// taker orders walk the market's book (taker fee); a resting limit order fills only when the market trades
/// <em>through</em> its price (the queue at the touched price is unknown), at its own price, as maker, limited by
/// the volume that traded on that step (so large orders fill partially); stop orders trigger on the step's price;
/// reduce-only orders never open or flip a position; margin is entry notional over leverage; funding settles at
/// KuCoin's times on the notional at mark (positive rate: longs pay); a position whose mark crosses its
/// liquidation price is closed at its bankruptcy price, losing exactly its margin. Accounts do not trade with
/// each other: the market's liquidity is the counterparty.
/// </para>
/// Not thread-safe: one caller at a time.
/// </summary>
public sealed class SimulatedExchange
{
    private const int RecentTradesKept = 100;

    private readonly ExchangeModelSettings _settings;
    private readonly Dictionary<string, SymbolMarket> _markets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Account> _accounts = new(StringComparer.Ordinal);
    private readonly List<ExchangeEvent> _outbox = [];
    private readonly List<(BookSide Side, decimal Price, decimal Lots)> _bookChanges = [];
    private readonly List<(decimal Price, long Lots)> _takes = [];
    private long _lastOrderId = 500_000_000_000_000_000;
    private long _lastTradeId = 1_000_000_000;
    private long _lastPriority;

    public SimulatedExchange(IEnumerable<ContractSpec> contracts, ExchangeModelSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(contracts);
        _settings = settings ?? new ExchangeModelSettings();
        foreach (var contract in contracts)
        {
            contract.Validate();
            _markets.Add(contract.Symbol, new SymbolMarket(contract, new SyntheticOrderBook(contract, _settings.Book, StableHash.Combine(_settings.Seed, StableHash.Of(contract.Symbol))) { Publishes = _settings.PublishMarketData }));
        }
    }

    public IEnumerable<ContractSpec> Contracts => _markets.Values.Select(m => m.Contract);

    public ContractSpec? Contract(string symbol) => _markets.TryGetValue(symbol, out var m) ? m.Contract : null;

    /// <summary>Returns (and forgets) what happened since the last call.</summary>
    public IReadOnlyList<ExchangeEvent> TakeEvents()
    {
        var events = _outbox.ToArray();
        _outbox.Clear();
        return events;
    }

    public void OpenAccount(string accountId, decimal walletBalance)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentOutOfRangeException.ThrowIfNegative(walletBalance);
        if (!_accounts.TryAdd(accountId, new Account(accountId, walletBalance)))
        {
            throw new InvalidOperationException($"Account '{accountId}' already exists.");
        }
    }

    public bool HasAccount(string accountId) => _accounts.ContainsKey(accountId);

    // ----- Market state -------------------------------------------------------------------------------------------

    public MarketSnapshot? Market(string symbol)
    {
        if (!_markets.TryGetValue(symbol, out var m))
        {
            return null;
        }

        var (bids, asks) = m.Book.Snapshot();
        return new MarketSnapshot(m.Contract, m.HasPrice, m.Last, m.Last, m.Last, m.Sequence, m.LastTimeMs, bids, asks, m.NextFundingMs, _settings.FundingRate, [.. m.RecentTrades]);
    }

    /// <summary>
    /// The market trades at <paramref name="tick"/>: funding falls due, resting orders the price went through fill,
    /// the book moves, stops trigger and positions past their liquidation price are liquidated, in that order.
    /// </summary>
    public void Advance(string symbol, MarketTick tick)
    {
        var market = RequireMarket(symbol);
        if (tick.Price <= 0)
        {
            throw new ArgumentException($"{symbol}: a market price must be positive, got {tick.Price}.", nameof(tick));
        }

        if (market.HasPrice && tick.TimeMs < market.LastTimeMs)
        {
            throw new ArgumentException($"{symbol}: time went backwards, from {market.LastTimeMs} to {tick.TimeMs}.", nameof(tick));
        }

        if (!market.HasPrice)
        {
            market.NextFundingMs = NextFundingTime(tick.TimeMs, market.Contract.FundingIntervalMs);
        }

        while (market.HasPrice && tick.TimeMs >= market.NextFundingMs)
        {
            SettleFunding(market, market.NextFundingMs);
            market.NextFundingMs += market.Contract.FundingIntervalMs;
        }

        var newMinute = !market.HasPrice || tick.TimeMs / 60_000 != market.LastTimeMs / 60_000;
        var previous = market.HasPrice ? market.Last : tick.Price;
        market.HasPrice = true;
        market.Last = tick.Price;
        market.LastTimeMs = tick.TimeMs;
        if (!_settings.PublishMarketData)
        {
            // The same venue, with nobody watching: resting orders fill, the book moves, stops trigger, positions are
            // liquidated; no market data is printed or published.
            FillRestingOrders(market, tick);
            market.Book.MoveQuietly(tick.Price);
            TriggerStops(market, tick.TimeMs);
            Liquidate(market, tick.TimeMs);
            return;
        }

        _outbox.Add(new MarkPriceChanged(symbol, tick.TimeMs, tick.Price, tick.Price));
        if (newMinute)
        {
            _outbox.Add(new FundingRateAnnounced(symbol, tick.TimeMs, _settings.FundingRate));
        }

        if (tick.VolumeLots > 0)
        {
            PrintTrade(market, tick.TimeMs, tick.Price >= previous ? OrderSide.Buy : OrderSide.Sell, tick.Price, tick.VolumeLots, "", "");
        }

        FillRestingOrders(market, tick);
        _bookChanges.Clear();
        market.Book.MoveTo(tick.Price, _bookChanges);
        PublishBookChanges(market, tick.TimeMs);
        TriggerStops(market, tick.TimeMs);
        Liquidate(market, tick.TimeMs);
    }

    // ----- Orders -------------------------------------------------------------------------------------------------

    public ExchangeResult<ExchangeOrder> Place(OrderRequest request, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!_accounts.TryGetValue(request.AccountId, out var account))
        {
            return new ExchangeError("400003", $"Account '{request.AccountId}' does not exist.");
        }

        if (!_markets.TryGetValue(request.Symbol ?? "", out var market))
        {
            return new ExchangeError("100003", $"Contract '{request.Symbol}' does not exist.");
        }

        var validation = Validate(request, account, market);
        if (validation.Error is { } error)
        {
            return error;
        }

        var (side, lots) = validation.Value!.Value;
        var isStop = request.Stop is not null;
        var reserved = isStop ? 0 : OrderCost(account, market, side, lots, request.Type == ExchangeOrderType.Limit ? request.Price!.Value : EstimatedTakerPrice(market, side), request.Leverage, request.ReduceOnly || request.CloseOrder);
        var available = Balance(account).AvailableBalance;
        if (reserved > available)
        {
            return new ExchangeError("300003", Invariant($"Balance insufficient. The order would cost {reserved:0.00} USDT; {available:0.00} USDT is available."));
        }

        var order = new ExchangeOrder
        {
            Id = (++_lastOrderId).ToString(CultureInfo.InvariantCulture),
            ClientOid = request.ClientOid,
            AccountId = account.Id,
            Symbol = market.Contract.Symbol,
            Side = side,
            Type = request.Type,
            Price = request.Type == ExchangeOrderType.Limit ? request.Price : null,
            Lots = lots,
            Leverage = request.Leverage,
            TimeInForce = request.TimeInForce,
            PostOnly = request.PostOnly,
            ReduceOnly = request.ReduceOnly || request.CloseOrder,
            CloseOrder = request.CloseOrder,
            Stop = request.Stop,
            StopPrice = request.StopPrice,
            StopReference = request.StopReference,
            IsActive = true,
            ReservedMargin = reserved,
            Remark = request.Remark,
            CreatedAtMs = nowMs,
            UpdatedAtMs = nowMs,
            Priority = ++_lastPriority,
        };
        account.ByClientOid[order.ClientOid] = order.Id;
        Store(account, order);
        if (isStop)
        {
            market.Active.Add((account.Id, order.Id));
            _outbox.Add(new StopOrderChanged(market.Contract.Symbol, nowMs, StopOrderChangeKind.Open, order));
            return order;
        }

        Execute(account, market, order, nowMs);
        PublishWallet(account, market, nowMs);
        return account.Orders[order.Id];
    }

    public ExchangeResult<ExchangeOrder> Cancel(string accountId, string orderId, long nowMs)
    {
        if (!_accounts.TryGetValue(accountId, out var account))
        {
            return new ExchangeError("400003", $"Account '{accountId}' does not exist.");
        }

        if (!account.Orders.TryGetValue(orderId, out var order) || !order.IsActive)
        {
            return new ExchangeError("100004", $"Order {orderId} does not exist or is already done, so it cannot be cancelled.");
        }

        var market = _markets[order.Symbol];
        var cancelled = CancelRemaining(account, market, order, nowMs);
        PublishWallet(account, market, nowMs);
        return cancelled;
    }

    public ExchangeResult<ExchangeOrder> CancelByClientOid(string accountId, string symbol, string clientOid, long nowMs)
    {
        if (!_accounts.TryGetValue(accountId, out var account))
        {
            return new ExchangeError("400003", $"Account '{accountId}' does not exist.");
        }

        return account.ByClientOid.TryGetValue(clientOid, out var id) && account.Orders[id].Symbol == symbol
            ? Cancel(accountId, id, nowMs)
            : new ExchangeError("100004", $"No order with clientOid '{clientOid}' on {symbol} can be cancelled.");
    }

    /// <summary>Cancels the account's active orders (of one symbol, or all); <paramref name="stops"/> picks untriggered stops instead of ordinary orders.</summary>
    public IReadOnlyList<string> CancelAll(string accountId, string? symbol, bool stops, long nowMs)
    {
        if (!_accounts.TryGetValue(accountId, out var account))
        {
            return [];
        }

        var targets = account.ActiveOrders.Values
            .Where(o => (symbol is null || o.Symbol == symbol) && o.IsUntriggeredStop == stops)
            .OrderBy(o => o.Priority)
            .ToList();
        foreach (var order in targets)
        {
            CancelRemaining(account, _markets[order.Symbol], order, nowMs);
        }

        if (targets.Count > 0)
        {
            PublishWallet(account, _markets[targets[0].Symbol], nowMs);
        }

        return targets.Select(o => o.Id).ToArray();
    }

    public ExchangeOrder? Order(string accountId, string orderId) =>
        _accounts.TryGetValue(accountId, out var a) && a.Orders.TryGetValue(orderId, out var o) ? o : null;

    public ExchangeOrder? OrderByClientOid(string accountId, string clientOid) =>
        _accounts.TryGetValue(accountId, out var a) && a.ByClientOid.TryGetValue(clientOid, out var id) ? a.Orders[id] : null;

    /// <summary>The account's orders, oldest first.</summary>
    public IReadOnlyList<ExchangeOrder> Orders(string accountId) =>
        _accounts.TryGetValue(accountId, out var a) ? a.Orders.Values.OrderBy(o => o.Priority).ToArray() : [];

    public IReadOnlyList<ExchangeFill> Fills(string accountId) =>
        _accounts.TryGetValue(accountId, out var a) ? a.Fills.ToArray() : [];

    /// <summary>The account's funding settlements, oldest first (GET /api/v1/funding-history).</summary>
    public IReadOnlyList<FundingCharged> Fundings(string accountId) =>
        _accounts.TryGetValue(accountId, out var a) ? a.Fundings.ToArray() : [];

    /// <summary>How many fills the account has had: with <see cref="FillsSince"/>, a reader takes only what is new.</summary>
    public int FillCount(string accountId) => _accounts.TryGetValue(accountId, out var a) ? a.Fills.Count : 0;

    public IReadOnlyList<ExchangeFill> FillsSince(string accountId, int index) =>
        _accounts.TryGetValue(accountId, out var a) && index < a.Fills.Count ? a.Fills.GetRange(index, a.Fills.Count - index) : [];

    /// <summary>
    /// Whether the market trading anywhere in [<paramref name="low"/>, <paramref name="high"/>] until
    /// <paramref name="untilMs"/> could change anything for the account on the symbol: a stop it would trigger, a
    /// resting order it would go through, the position's liquidation price, or a funding settlement. A backtest plays
    /// a candle that cannot as its closing price alone.
    /// </summary>
    public bool CouldAct(string accountId, string symbol, decimal low, decimal high, long untilMs)
    {
        if (!_markets.TryGetValue(symbol, out var market) || !_accounts.TryGetValue(accountId, out var account))
        {
            return false;
        }

        if (account.Positions.TryGetValue(symbol, out var position) && position.IsOpen)
        {
            var liquidation = position.LiquidationPrice(market.Contract);
            if ((position.Lots > 0 ? low <= liquidation : high >= liquidation) || (market.HasPrice && untilMs >= market.NextFundingMs))
            {
                return true;
            }
        }

        foreach (var key in market.Active)
        {
            if (key.AccountId != accountId)
            {
                continue;
            }

            var order = account.Orders[key.OrderId];
            var acts = order.IsUntriggeredStop
                ? (order.Stop == StopDirection.Up ? high >= order.StopPrice : low <= order.StopPrice)
                : order.Price is not { } limit || (order.Side == OrderSide.Buy ? low < limit : high > limit);
            if (acts)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether the account has a working order (resting or an untriggered stop) on the symbol.</summary>
    public bool HasActiveOrders(string accountId, string symbol) =>
        _markets.TryGetValue(symbol, out var m) && m.Active.Any(k => k.AccountId == accountId);

    public ExchangePosition? Position(string accountId, string symbol) =>
        _accounts.TryGetValue(accountId, out var a) && a.Positions.TryGetValue(symbol, out var p) ? p : null;

    public IReadOnlyList<ExchangePosition> Positions(string accountId) =>
        _accounts.TryGetValue(accountId, out var a) ? a.Positions.Values.Where(p => p.IsOpen).ToArray() : [];

    public AccountBalance? Balance(string accountId) => _accounts.TryGetValue(accountId, out var a) ? Balance(a) : null;

    // ----- Validation and cost ------------------------------------------------------------------------------------

    private static ExchangeResult<StrongBox<(OrderSide, long)>> Validate(OrderRequest r, Account account, SymbolMarket market)
    {
        var contract = market.Contract;
        if (string.IsNullOrEmpty(r.ClientOid) || r.ClientOid.Length > ClientOrderIds.MaxLength || !r.ClientOid.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return ExchangeError.Parameter($"clientOid '{r.ClientOid}' must be 1 to 40 letters, digits, '-' or '_'.");
        }

        if (account.ByClientOid.ContainsKey(r.ClientOid))
        {
            return new ExchangeError("300018", $"clientOid '{r.ClientOid}' was already used.");
        }

        if (!market.HasPrice)
        {
            return new ExchangeError("300002", $"{contract.Symbol} has not started trading yet.");
        }

        var position = account.Positions.GetValueOrDefault(contract.Symbol);
        OrderSide side;
        long lots;
        if (r.CloseOrder)
        {
            if (position is not { IsOpen: true })
            {
                return new ExchangeError("300009", $"There is no open {contract.Symbol} position to close.");
            }

            side = position.Lots > 0 ? OrderSide.Sell : OrderSide.Buy;
            lots = Math.Abs(position.Lots);
        }
        else
        {
            if (r.Side is not { } s)
            {
                return ExchangeError.Parameter("side is required (buy or sell).");
            }

            side = s;
            lots = r.Lots;
            if (lots < contract.LotSize || lots % contract.LotSize != 0)
            {
                return ExchangeError.Parameter(Invariant($"Order size {lots} is below the minimum requirement or not a multiple of the lot size {contract.LotSize}."));
            }

            if (lots > contract.MaxOrderLots)
            {
                return ExchangeError.Parameter(Invariant($"Order size {lots} exceeds the maximum {contract.MaxOrderLots} lots."));
            }

            if (r.Leverage > contract.MaxLeverage)
            {
                return new ExchangeError("300016", Invariant($"Leverage {r.Leverage} is above {contract.Symbol}'s maximum {contract.MaxLeverage}."));
            }

            if (r.Leverage < 1)
            {
                return ExchangeError.Parameter(Invariant($"leverage {r.Leverage} must be at least 1."));
            }
        }

        if (r.Type == ExchangeOrderType.Limit)
        {
            if (r.Price is not { } price || price <= 0)
            {
                return ExchangeError.Parameter("price is required for a limit order and must be positive.");
            }

            if (!contract.IsOnTick(price))
            {
                return ExchangeError.Parameter(Invariant($"price {price} is not a multiple of the tick size {contract.TickSize}."));
            }
        }
        else if (r.PostOnly)
        {
            return ExchangeError.Parameter("postOnly applies to limit orders only.");
        }

        if (r.PostOnly && r.TimeInForce == TimeInForce.ImmediateOrCancel)
        {
            return ExchangeError.Parameter("postOnly cannot be combined with timeInForce IOC.");
        }

        if (r.Stop is not null && (r.StopPrice is not { } stopPrice || stopPrice <= 0 || !contract.IsOnTick(stopPrice)))
        {
            return ExchangeError.Parameter(Invariant($"stopPrice {r.StopPrice} must be a positive multiple of the tick size {contract.TickSize}."));
        }

        // A reduce-only order that could not reduce anything now is refused; a reduce-only stop is judged when it triggers.
        if (r.ReduceOnly && r.Stop is null && ReducibleLots(position, side) == 0)
        {
            return new ExchangeError("300009", $"reduceOnly: there is no {contract.Symbol} position that a {side.ToString().ToLowerInvariant()} would reduce.");
        }

        return new StrongBox<(OrderSide, long)>((side, lots));
    }

    private static long ReducibleLots(ExchangePosition? position, OrderSide side) =>
        position is null ? 0 : side == OrderSide.Buy ? Math.Max(0, -position.Lots) : Math.Max(0, position.Lots);

    /// <summary>Margin for the part of an order that would open (or flip) a position, plus its taker fee.</summary>
    private static decimal OrderCost(Account account, SymbolMarket market, OrderSide side, long lots, decimal price, int leverage, bool reduceOnly)
    {
        if (reduceOnly)
        {
            return 0;
        }

        var opening = Math.Max(0, lots - ReducibleLots(account.Positions.GetValueOrDefault(market.Contract.Symbol), side));
        return market.Contract.Margin(opening, price, leverage) + market.Contract.Fee(opening, price, market.Contract.TakerFeeRate);
    }

    private static decimal EstimatedTakerPrice(SymbolMarket market, OrderSide side) => side == OrderSide.Buy ? market.Book.BestAsk : market.Book.BestBid;

    // ----- Matching -----------------------------------------------------------------------------------------------

    private void Execute(Account account, SymbolMarket market, ExchangeOrder order, long nowMs)
    {
        var crosses = order.Type == ExchangeOrderType.Market
            || (order.Side == OrderSide.Buy ? order.Price >= market.Book.BestAsk : order.Price <= market.Book.BestBid);
        if (crosses && order.PostOnly)
        {
            CancelRemaining(account, market, order, nowMs);
            return;
        }

        if (crosses)
        {
            var wanted = ClipReduceOnly(account, market, order);
            _takes.Clear();
            _bookChanges.Clear();
            market.Book.Take(order.Side, wanted, order.Type == ExchangeOrderType.Market ? null : order.Price, _takes, _bookChanges);
            foreach (var (price, lots) in _takes.ToArray())
            {
                order = Fill(account, market, order, price, lots, Liquidity.Taker, FillKind.Trade, nowMs);
                PrintTrade(market, nowMs, order.Side, price, lots, order.Id, "");
            }

            PublishBookChanges(market, nowMs);
        }

        if (!order.IsActive)
        {
            return;
        }

        if (order.Type == ExchangeOrderType.Market || order.TimeInForce == TimeInForce.ImmediateOrCancel || ClipReduceOnly(account, market, order) == 0)
        {
            CancelRemaining(account, market, order, nowMs);
            return;
        }

        market.Active.Add((account.Id, order.Id));
        _outbox.Add(new OrderChanged(market.Contract.Symbol, nowMs, OrderChangeKind.Open, order, null));
        _bookChanges.Clear();
        market.Book.ChangeAccountLots(BookSideOf(order.Side), order.Price!.Value, order.RemainingLots, _bookChanges);
        PublishBookChanges(market, nowMs);
    }

    /// <summary>How much of the order may still fill: a reduce-only order never more than the position it reduces.</summary>
    private static long ClipReduceOnly(Account account, SymbolMarket market, ExchangeOrder order) =>
        order.ReduceOnly ? Math.Min(order.RemainingLots, ReducibleLots(account.Positions.GetValueOrDefault(market.Contract.Symbol), order.Side)) : order.RemainingLots;

    private ExchangeOrder Fill(Account account, SymbolMarket market, ExchangeOrder order, decimal price, long lots, Liquidity liquidity, FillKind kind, long nowMs)
    {
        var contract = market.Contract;
        var value = contract.Notional(lots, price);
        var feeRate = kind == FillKind.Liquidation ? 0 : liquidity == Liquidity.Maker ? contract.MakerFeeRate : contract.TakerFeeRate;
        var fee = contract.Fee(lots, price, feeRate);

        var position = account.Positions.GetValueOrDefault(contract.Symbol) ?? new ExchangePosition { AccountId = account.Id, Symbol = contract.Symbol };
        var wasFlat = position.Lots == 0;
        var signed = order.Side == OrderSide.Buy ? lots : -lots;
        var (moved, realised) = ExecutionLedger.ApplyFill(new PositionState(position.Lots, position.AverageEntry, 0, 0, 0), signed, price, contract);
        var flipped = !wasFlat && moved.Lots != 0 && Math.Sign(moved.Lots) != Math.Sign(position.Lots);
        position = position with
        {
            Lots = moved.Lots,
            AverageEntry = moved.AverageEntry,
            Leverage = wasFlat || flipped ? order.Leverage : position.Leverage,
            RealisedGrossPnl = position.RealisedGrossPnl + realised,
            FeesPaid = position.FeesPaid + fee,
            OpenedAtMs = wasFlat || flipped ? nowMs : position.OpenedAtMs,
            UpdatedAtMs = nowMs,
        };
        account.Positions[contract.Symbol] = position;
        account.WalletBalance += realised - fee;

        // The order's reserved margin is released in proportion to the part that filled.
        var release = order.RemainingLots == 0 ? order.ReservedMargin : order.ReservedMargin * lots / order.RemainingLots;
        var filled = order with
        {
            FilledLots = order.FilledLots + lots,
            FilledValue = order.FilledValue + value,
            ReservedMargin = order.ReservedMargin - release,
            UpdatedAtMs = nowMs,
        };
        var done = filled.RemainingLots == 0;
        if (done)
        {
            filled = filled with { IsActive = false, EndAtMs = nowMs, ReservedMargin = 0 };
            market.Active.Remove((account.Id, order.Id));
        }

        Store(account, filled);
        var fill = new ExchangeFill(NextTradeId(), order.Id, order.ClientOid, account.Id, contract.Symbol, order.Side, liquidity, kind, order.Type,
            price, lots, value, feeRate, fee, nowMs);
        account.Fills.Add(fill);
        _outbox.Add(new OrderChanged(contract.Symbol, nowMs, OrderChangeKind.Match, filled, fill));
        if (done)
        {
            _outbox.Add(new OrderChanged(contract.Symbol, nowMs, OrderChangeKind.Filled, filled, null));
        }

        _outbox.Add(new PositionChanged(contract.Symbol, nowMs, kind == FillKind.Liquidation ? PositionChangeReason.Liquidation : PositionChangeReason.PositionChange, position, market.Last));
        return filled;
    }

    private ExchangeOrder CancelRemaining(Account account, SymbolMarket market, ExchangeOrder order, long nowMs)
    {
        var wasResting = market.Active.Remove((account.Id, order.Id)) && !order.IsUntriggeredStop && order.Type == ExchangeOrderType.Limit && order.Price is not null;
        var cancelled = order with { IsActive = false, CancelExist = true, ReservedMargin = 0, UpdatedAtMs = nowMs, EndAtMs = nowMs };
        Store(account, cancelled);
        if (order.IsUntriggeredStop)
        {
            _outbox.Add(new StopOrderChanged(market.Contract.Symbol, nowMs, StopOrderChangeKind.Cancel, cancelled));
            return cancelled;
        }

        if (wasResting)
        {
            _bookChanges.Clear();
            market.Book.ChangeAccountLots(BookSideOf(order.Side), order.Price!.Value, -order.RemainingLots, _bookChanges);
            PublishBookChanges(market, nowMs);
        }

        // A partly filled order whose rest is cancelled is an update, as KuCoin reports it.
        _outbox.Add(new OrderChanged(market.Contract.Symbol, nowMs, order.FilledLots > 0 ? OrderChangeKind.Update : OrderChangeKind.Canceled, cancelled, null));
        return cancelled;
    }

    private void FillRestingOrders(SymbolMarket market, MarketTick tick)
    {
        var budget = tick.VolumeLots;
        if (budget <= 0 || market.Active.Count == 0)
        {
            return;
        }

        // Through-fills only, best price first, then time: buys above the price, sells below it. Called on every tick:
        // nothing is allocated unless an order is crossed.
        List<(Account Account, ExchangeOrder Order)>? crossed = null;
        foreach (var key in market.Active)
        {
            var account = _accounts[key.AccountId];
            var order = account.Orders[key.OrderId];
            if (!order.IsUntriggeredStop && order.Price is { } p && (order.Side == OrderSide.Buy ? p > tick.Price : p < tick.Price))
            {
                (crossed ??= []).Add((account, order));
            }
        }

        if (crossed is null)
        {
            return;
        }

        crossed = [.. crossed.OrderBy(x => x.Order.Side == OrderSide.Buy ? -x.Order.Price!.Value : x.Order.Price!.Value).ThenBy(x => x.Order.Priority)];
        foreach (var (account, resting) in crossed)
        {
            if (budget == 0)
            {
                break;
            }

            var order = resting;
            var lots = Math.Min(budget, ClipReduceOnly(account, market, order));
            if (lots > 0)
            {
                budget -= lots;
                _bookChanges.Clear();
                market.Book.ChangeAccountLots(BookSideOf(order.Side), order.Price!.Value, -lots, _bookChanges);
                PublishBookChanges(market, tick.TimeMs);
                order = Fill(account, market, order, order.Price!.Value, lots, Liquidity.Maker, FillKind.Trade, tick.TimeMs);
                PrintTrade(market, tick.TimeMs, order.Side == OrderSide.Buy ? OrderSide.Sell : OrderSide.Buy, order.Price!.Value, lots, "", order.Id);
            }

            if (order.IsActive && order.ReduceOnly && ClipReduceOnly(account, market, order) == 0)
            {
                CancelRemaining(account, market, order, tick.TimeMs);
            }

            PublishWallet(account, market, tick.TimeMs);
        }
    }

    private void TriggerStops(SymbolMarket market, long nowMs)
    {
        if (market.Active.Count == 0)
        {
            return;
        }

        var price = market.Last;
        List<(Account Account, ExchangeOrder Order)>? triggered = null;
        foreach (var key in market.Active)
        {
            var account = _accounts[key.AccountId];
            var order = account.Orders[key.OrderId];
            if (order.IsUntriggeredStop && (order.Stop == StopDirection.Up ? price >= order.StopPrice : price <= order.StopPrice))
            {
                (triggered ??= []).Add((account, order));
            }
        }

        if (triggered is null)
        {
            return;
        }

        triggered.Sort((a, b) => a.Order.Priority.CompareTo(b.Order.Priority));
        foreach (var (account, stop) in triggered)
        {
            market.Active.Remove((account.Id, stop.Id));
            var order = stop with { StopTriggered = true, UpdatedAtMs = nowMs };
            Store(account, order);
            _outbox.Add(new StopOrderChanged(market.Contract.Symbol, nowMs, StopOrderChangeKind.Triggered, order));
            if (order.ReduceOnly && ClipReduceOnly(account, market, order) == 0)
            {
                CancelRemaining(account, market, order, nowMs);
                continue;
            }

            var cost = OrderCost(account, market, order.Side, order.Lots, order.Price ?? EstimatedTakerPrice(market, order.Side), order.Leverage, order.ReduceOnly);
            if (cost > Balance(account).AvailableBalance)
            {
                CancelRemaining(account, market, order, nowMs);
                continue;
            }

            order = order with { ReservedMargin = cost };
            Store(account, order);
            Execute(account, market, order, nowMs);
            PublishWallet(account, market, nowMs);
        }
    }

    private void Liquidate(SymbolMarket market, long nowMs)
    {
        var contract = market.Contract;
        foreach (var account in _accounts.Values)
        {
            if (!account.Positions.TryGetValue(contract.Symbol, out var position) || !position.IsOpen)
            {
                continue;
            }

            var liquidationPrice = position.LiquidationPrice(contract);
            var breached = position.Lots > 0 ? market.Last <= liquidationPrice : market.Last >= liquidationPrice;
            if (!breached)
            {
                continue;
            }

            foreach (var order in account.ActiveOrders.Values.Where(o => o.Symbol == contract.Symbol).OrderBy(o => o.Priority).ToList())
            {
                CancelRemaining(account, market, order, nowMs);
            }

            // Closed at the bankruptcy price: the position loses its margin, no more and no less.
            var side = position.Lots > 0 ? OrderSide.Sell : OrderSide.Buy;
            var lots = Math.Abs(position.Lots);
            var closeOut = new ExchangeOrder
            {
                Id = (++_lastOrderId).ToString(CultureInfo.InvariantCulture),
                ClientOid = "liquidation-" + _lastOrderId.ToString(CultureInfo.InvariantCulture),
                AccountId = account.Id,
                Symbol = contract.Symbol,
                Side = side,
                Type = ExchangeOrderType.Market,
                Lots = lots,
                Leverage = position.Leverage,
                ReduceOnly = true,
                IsActive = true,
                CreatedAtMs = nowMs,
                UpdatedAtMs = nowMs,
                Priority = ++_lastPriority,
            };
            Store(account, closeOut);
            account.ByClientOid[closeOut.ClientOid] = closeOut.Id;
            Fill(account, market, closeOut, position.BankruptcyPrice, lots, Liquidity.Taker, FillKind.Liquidation, nowMs);
            PublishWallet(account, market, nowMs);
        }
    }

    private void SettleFunding(SymbolMarket market, long fundingTimeMs)
    {
        var contract = market.Contract;
        foreach (var account in _accounts.Values)
        {
            if (!account.Positions.TryGetValue(contract.Symbol, out var position) || !position.IsOpen)
            {
                continue;
            }

            var fee = contract.Funding(position.Lots, market.Last, _settings.FundingRate);
            account.WalletBalance -= fee;
            position = position with { FundingPaid = position.FundingPaid + fee, UpdatedAtMs = fundingTimeMs };
            account.Positions[contract.Symbol] = position;
            var charged = new FundingCharged(contract.Symbol, fundingTimeMs, account.Id, position.Lots, market.Last, _settings.FundingRate, fee);
            account.Fundings.Add(charged);
            _outbox.Add(charged);
            _outbox.Add(new PositionChanged(contract.Symbol, fundingTimeMs, PositionChangeReason.FundingSettlement, position, market.Last));
            PublishWallet(account, market, fundingTimeMs);
        }
    }

    /// <summary>
    /// The first settlement after <paramref name="timeMs"/>. KuCoin settles 8-hour contracts at 04:00, 12:00 and 20:00
    /// UTC (kucoin-futures-api.md section 3.8), so the schedule is offset by 4 h modulo the interval.
    /// </summary>
    public static long NextFundingTime(long timeMs, long intervalMs)
    {
        var offset = 4 * 3_600_000L % intervalMs;
        var since = ((timeMs - offset) % intervalMs + intervalMs) % intervalMs;
        return timeMs - since + intervalMs;
    }

    // ----- Publishing ---------------------------------------------------------------------------------------------

    private void PublishBookChanges(SymbolMarket market, long nowMs)
    {
        if (!_settings.PublishMarketData)
        {
            return;
        }

        if (_bookChanges.Count == 0)
        {
            return;
        }

        foreach (var (side, price, lots) in _bookChanges)
        {
            _outbox.Add(new BookLevelChanged(market.Contract.Symbol, nowMs, ++market.Sequence, side, price, lots));
        }

        _bookChanges.Clear();
        var top = (market.Book.TopBid, market.Book.TopAsk);
        if (top != market.LastTop)
        {
            market.LastTop = top;
            _outbox.Add(new TopOfBookChanged(market.Contract.Symbol, nowMs, market.Sequence, top.TopBid, top.TopAsk));
        }
    }

    private void PrintTrade(SymbolMarket market, long nowMs, OrderSide takerSide, decimal price, long lots, string takerOrderId, string makerOrderId)
    {
        if (!_settings.PublishMarketData)
        {
            return;
        }

        var trade = new TradePrinted(market.Contract.Symbol, nowMs, ++market.TradeSequence, NextTradeId(), takerSide, price, lots, takerOrderId, makerOrderId, market.Book.TopBid, market.Book.TopAsk);
        market.RecentTrades.Enqueue(trade);
        if (market.RecentTrades.Count > RecentTradesKept)
        {
            market.RecentTrades.Dequeue();
        }

        _outbox.Add(trade);
    }

    private void PublishWallet(Account account, SymbolMarket market, long nowMs) =>
        _outbox.Add(new WalletChanged(market.Contract.Symbol, nowMs, Balance(account)));

    private AccountBalance Balance(Account account)
    {
        decimal positionMargin = 0, unrealised = 0, orderMargin = 0;
        foreach (var position in account.Positions.Values)
        {
            var contract = _markets[position.Symbol].Contract;
            positionMargin += position.Margin(contract);
            unrealised += position.UnrealisedPnl(contract, _markets[position.Symbol].Last);
        }

        foreach (var order in account.ActiveOrders.Values)
        {
            orderMargin += order.ReservedMargin;
        }

        return new AccountBalance(account.Id, account.WalletBalance, positionMargin, orderMargin, unrealised);
    }

    private static void Store(Account account, ExchangeOrder order)
    {
        account.Orders[order.Id] = order;
        if (order.IsActive)
        {
            account.ActiveOrders[order.Id] = order;
        }
        else
        {
            account.ActiveOrders.Remove(order.Id);
        }
    }

    private string NextTradeId() => (++_lastTradeId).ToString(CultureInfo.InvariantCulture);

    private static BookSide BookSideOf(OrderSide side) => side == OrderSide.Buy ? BookSide.Bid : BookSide.Ask;

    private SymbolMarket RequireMarket(string symbol) =>
        _markets.TryGetValue(symbol, out var m) ? m : throw new ArgumentException($"Unknown contract '{symbol}'.", nameof(symbol));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed class Account(string id, decimal walletBalance)
    {
        public string Id { get; } = id;

        public decimal WalletBalance { get; set; } = walletBalance;

        /// <summary>Every order the account placed, for queries by id; they are never forgotten.</summary>
        public Dictionary<string, ExchangeOrder> Orders { get; } = new(StringComparer.Ordinal);

        /// <summary>The orders still working: margin and cancellation look only at these, however long the history.</summary>
        public Dictionary<string, ExchangeOrder> ActiveOrders { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> ByClientOid { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, ExchangePosition> Positions { get; } = new(StringComparer.Ordinal);

        public List<ExchangeFill> Fills { get; } = [];

        public List<FundingCharged> Fundings { get; } = [];
    }

    private sealed class SymbolMarket(ContractSpec contract, SyntheticOrderBook book)
    {
        public ContractSpec Contract { get; } = contract;

        public SyntheticOrderBook Book { get; } = book;

        public bool HasPrice { get; set; }

        public decimal Last { get; set; }

        public long LastTimeMs { get; set; }

        public long Sequence { get; set; }

        public long TradeSequence { get; set; }

        public long NextFundingMs { get; set; }

        public (BookLevel TopBid, BookLevel TopAsk) LastTop { get; set; }

        /// <summary>Resting orders and untriggered stops, by account and order id.</summary>
        public HashSet<(string AccountId, string OrderId)> Active { get; } = [];

        public Queue<TradePrinted> RecentTrades { get; } = new();
    }
}

/// <summary>A market as a REST snapshot shows it.</summary>
public sealed record MarketSnapshot(
    ContractSpec Contract,
    bool HasPrice,
    decimal LastPrice,
    decimal MarkPrice,
    decimal IndexPrice,
    long Sequence,
    long TimeMs,
    BookLevel[] Bids,
    BookLevel[] Asks,
    long NextFundingMs,
    decimal FundingRate,
    TradePrinted[] RecentTrades);

using System.Globalization;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;

namespace Enigma.Domain.Backtesting;

/// <summary>A backtest of one symbol: its trades, its equity after every candle, and the metrics over them.</summary>
public sealed record BacktestResult(string Symbol, string Strategy, BacktestSettings Settings, long FromMs, long ToMs, int Candles, IReadOnlyList<BacktestTrade> Trades, IReadOnlyList<EquityPoint> Equity, BacktestMetrics Metrics);

/// <summary>
/// Event-driven over closed candles, on the simulator's own venue model (<see cref="SimulatedExchange"/>: the synthetic
/// book, the intra-candle path, fees, funding at KuCoin's times, isolated margin and liquidation), so a backtest and
/// paper trading fill the same orders the same way. Each candle is first played through the venue (resting stops and
/// targets fill on the path's prices, funding falls due, liquidation happens), then shown to the strategy closed;
/// what the strategy decides fills at the next candle's open, or at this close when asked. The strategy never sees a
/// candle before it has closed, and the venue plays a candle only from that candle: nothing after time T can change
/// anything before T.
/// </summary>
public static class Backtester
{
    private const string Account = "backtest";

    public static BacktestResult Run(IReadOnlyList<Candle> candles, ContractSpec contract, Timeframe timeframe, IBacktestStrategy strategy, BacktestSettings settings)
    {
        ArgumentNullException.ThrowIfNull(candles);
        ArgumentNullException.ThrowIfNull(contract);
        ArgumentNullException.ThrowIfNull(strategy);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var venueContract = settings.FeeRate is { } fee ? contract with { MakerFeeRate = fee, TakerFeeRate = fee } : contract;
        var run = new BacktestRun(venueContract, timeframe, strategy, settings);
        var traded = 0;
        long? from = null;
        foreach (var candle in candles)
        {
            if (candle.OpenTimeMs < settings.TradeFromMs)
            {
                strategy.OnCandleClosed(candle, default, settings.InitialBalance);
                continue;
            }

            from ??= candle.OpenTimeMs;
            traded++;
            run.Step(candle);
        }

        run.Finish();
        var to = traded == 0 ? from ?? 0 : candles[^1].OpenTimeMs + timeframe.Milliseconds;
        return new BacktestResult(contract.Symbol, strategy.Name, settings, from ?? 0, to, traded, run.Trades, run.Equity,
            BacktestMetrics.Compute(run.Trades, run.Equity, settings.InitialBalance, from ?? 0, to));
    }

    private sealed class BacktestRun(ContractSpec contract, Timeframe timeframe, IBacktestStrategy strategy, BacktestSettings settings)
    {
        private readonly SimulatedExchange _venue = Open(contract, settings);
        private readonly List<BacktestTrade> _trades = [];
        private readonly List<EquityPoint> _equity = [];
        private StrategyAction? _pending;
        private OpenTrade? _open;
        private long _sequence;
        private bool _started;
        private long _lastTimeMs;
        private decimal _idleWallet = settings.InitialBalance;
        private string? _stopOid;

        public List<BacktestTrade> Trades => _trades;

        public List<EquityPoint> Equity => _equity;

        private sealed record OpenTrade(EnterAction Action, decimal WalletBefore, decimal ReferencePrice, long DecidedAtMs, int FirstFill);

        private static SimulatedExchange Open(ContractSpec contract, BacktestSettings settings)
        {
            var venue = new SimulatedExchange([contract], settings.Exchange);
            venue.OpenAccount(Account, settings.InitialBalance);
            return venue;
        }

        public void Step(in Candle candle)
        {
            var position = _venue.Position(Account, contract.Symbol);
            var atStake = _pending is not null || position is { IsOpen: true } || _venue.HasActiveOrders(Account, contract.Symbol);
            var quiet = atStake && _pending is null && !settings.PlayEveryCandle
                && !_venue.CouldAct(Account, contract.Symbol, candle.Low, candle.High, candle.OpenTimeMs + timeframe.Milliseconds);
            if (quiet)
            {
                // Nothing the position or its orders wait for lies in this candle's range, and no funding falls due:
                // its path could not fill anything, so the venue only learns where it closed.
                Advance(IntraCandlePath.Close(candle, timeframe.Milliseconds, contract, settings.PathPoints));
            }
            else if (atStake)
            {
                // The candle as a market that trades: the pending decision fills at its open, then stops and targets
                // fill along the path, funding falls due, liquidation happens.
                var path = IntraCandlePath.Build(candle, timeframe.Milliseconds, contract, settings.PathPoints, settings.Exchange.Seed);
                Advance(path[0]);
                if (_pending is { } pending)
                {
                    _pending = null;
                    Execute(pending, candle.Open, path[0].TimeMs);
                }

                for (var i = 1; i < path.Length; i++)
                {
                    Advance(path[i]);
                    Settle(path[i].TimeMs);
                }
            }

            if (atStake)
            {
                Trail(candle);
            }

            // Flat with nothing working, the wallet cannot have changed since it was last read.
            var equity = atStake ? _venue.Balance(Account)!.AccountEquity : _idleWallet;
            var now = atStake ? _venue.Position(Account, contract.Symbol) : null;
            var view = now is { IsOpen: true } p ? new StrategyPosition(p.Lots, p.AverageEntry, p.OpenedAtMs) : default;
            if (atStake && view.IsFlat)
            {
                _idleWallet = _venue.Balance(Account)!.WalletBalance;
            }

            _equity.Add(new EquityPoint(candle.OpenTimeMs + timeframe.Milliseconds, equity, !view.IsFlat));

            if (strategy.OnCandleClosed(candle, view, equity) is not { } action)
            {
                return;
            }

            if (settings.Fill == FillTiming.NextOpen)
            {
                _pending = action;
                return;
            }

            // At the close: a venue that did not play this candle first learns its closing price.
            var closeTime = candle.OpenTimeMs + timeframe.Milliseconds - 1;
            if (!atStake)
            {
                Advance(new MarketTick(closeTime, candle.Close, 0));
            }

            Execute(action, candle.Close, closeTime);
        }

        /// <summary>A position still open when the data ends is closed at the last price, and says so.</summary>
        public void Finish()
        {
            if (_venue.Position(Account, contract.Symbol) is { IsOpen: true } && _started)
            {
                Place(new OrderRequest { AccountId = Account, ClientOid = Oid("END"), Symbol = contract.Symbol, Type = ExchangeOrderType.Market, CloseOrder = true }, _lastTimeMs);
                Settle(_lastTimeMs, ExitKind.EndOfData);
            }
        }

        private void Advance(MarketTick tick)
        {
            _venue.Advance(contract.Symbol, tick);
            _started = true;
            _lastTimeMs = tick.TimeMs;

            // The venue keeps what happened for a client to take; the backtest reads state instead, so it lets go.
            _venue.TakeEvents();
        }

        private void Execute(StrategyAction action, decimal referencePrice, long nowMs)
        {
            var position = _venue.Position(Account, contract.Symbol);
            switch (action)
            {
                case EnterAction enter when position is not { IsOpen: true }:
                    var walletBefore = _venue.Balance(Account)!.WalletBalance;
                    var firstFill = _venue.FillCount(Account);
                    var entry = Place(new OrderRequest
                    {
                        AccountId = Account,
                        ClientOid = Oid("E"),
                        Symbol = contract.Symbol,
                        Side = enter.Side == Side.Long ? OrderSide.Buy : OrderSide.Sell,
                        Type = ExchangeOrderType.Market,
                        Lots = enter.Lots,
                        Leverage = enter.Leverage,
                    }, nowMs);
                    if (entry is null || _venue.Position(Account, contract.Symbol) is not { IsOpen: true })
                    {
                        return; // refused (not enough margin, a size the contract does not take): no trade
                    }

                    _open = new OpenTrade(enter, walletBefore, referencePrice, nowMs, firstFill);
                    var exitSide = enter.Side == Side.Long ? OrderSide.Sell : OrderSide.Buy;
                    if (enter.StopPrice is { } stop)
                    {
                        _stopOid = Oid("SL");
                        Place(new OrderRequest { AccountId = Account, ClientOid = _stopOid, Symbol = contract.Symbol, Side = exitSide, Type = ExchangeOrderType.Market, Lots = enter.Lots, Leverage = enter.Leverage, ReduceOnly = true, Stop = enter.Side == Side.Long ? StopDirection.Down : StopDirection.Up, StopPrice = stop }, nowMs);
                    }

                    if (enter.TakeProfitPrice is { } target)
                    {
                        Place(new OrderRequest { AccountId = Account, ClientOid = Oid("TP"), Symbol = contract.Symbol, Side = exitSide, Type = ExchangeOrderType.Market, Lots = enter.Lots, Leverage = enter.Leverage, ReduceOnly = true, Stop = enter.Side == Side.Long ? StopDirection.Up : StopDirection.Down, StopPrice = target }, nowMs);
                    }

                    break;
                case ExitAction when position is { IsOpen: true }:
                    Place(new OrderRequest { AccountId = Account, ClientOid = Oid("X"), Symbol = contract.Symbol, Type = ExchangeOrderType.Market, CloseOrder = true }, nowMs);
                    Settle(nowMs, ExitKind.Signal);
                    break;
            }
        }

        /// <summary>
        /// The candle has closed with the position still open: the staircase may tighten its stop (the new stop placed,
        /// then the old one cancelled, as live). The Execution agent makes the same call on the same close.
        /// </summary>
        private void Trail(in Candle candle)
        {
            if (settings.Trailing is not { } trailing || _open is not { } open || _stopOid is not { } oid
                || _venue.OrderByClientOid(Account, oid) is not { IsActive: true, StopPrice: { } stop } working
                || _venue.Position(Account, contract.Symbol) is not { IsOpen: true } position
                || TrailingStops.Next(contract, open.Action.Side, position.AverageEntry, open.Action.Leverage, stop, candle.Close, trailing) is not { } next)
            {
                return;
            }

            var closeTime = candle.OpenTimeMs + timeframe.Milliseconds - 1;
            var moved = Oid("SL");
            if (Place(new OrderRequest { AccountId = Account, ClientOid = moved, Symbol = contract.Symbol, Side = working.Side, Type = ExchangeOrderType.Market, Lots = working.Lots, Leverage = working.Leverage, ReduceOnly = true, Stop = working.Stop, StopPrice = next }, closeTime) is null)
            {
                return;
            }

            _venue.Cancel(Account, working.Id, closeTime);
            _venue.TakeEvents();
            _stopOid = moved;
        }

        private ExchangeOrder? Place(OrderRequest request, long nowMs)
        {
            var result = _venue.Place(request, nowMs);
            _venue.TakeEvents();
            return result.IsSuccess ? result.Value : null;
        }

        /// <summary>Once the position is flat again: the round trip is recorded and what is left of its orders cancelled.</summary>
        private void Settle(long nowMs, ExitKind? exit = null)
        {
            if (_open is not { } open || _venue.Position(Account, contract.Symbol) is { IsOpen: true })
            {
                return;
            }

            _venue.CancelAll(Account, contract.Symbol, stops: true, nowMs);
            _venue.CancelAll(Account, contract.Symbol, stops: false, nowMs);
            _venue.TakeEvents();
            var fills = _venue.FillsSince(Account, open.FirstFill);
            var entrySide = open.Action.Side == Side.Long ? OrderSide.Buy : OrderSide.Sell;
            var entries = fills.Where(f => f.Side == entrySide).ToList();
            var exits = fills.Where(f => f.Side != entrySide).ToList();
            var entryPrice = Average(entries);
            var exitPrice = Average(exits);
            var lots = entries.Sum(f => f.Lots);
            var fees = fills.Sum(f => f.Fee);
            var wallet = _venue.Balance(Account)!.WalletBalance;
            _idleWallet = wallet;
            var net = wallet - open.WalletBefore;
            var sign = open.Action.Side == Side.Long ? 1 : -1;
            var gross = contract.Pnl(sign * lots, entryPrice, exitPrice);
            var last = exits.LastOrDefault();
            var kind = exit ?? (last is null ? ExitKind.Signal
                : last.Kind == FillKind.Liquidation ? ExitKind.Liquidation
                : last.ClientOid.StartsWith("SL-", StringComparison.Ordinal) ? ExitKind.StopLoss
                : last.ClientOid.StartsWith("TP-", StringComparison.Ordinal) ? ExitKind.TakeProfit
                : ExitKind.Signal);
            var slippage = (double)(FillQuality.Slippage(entrySide, open.ReferencePrice, entryPrice) * 10_000); // basis points, in the report
            var trade = new BacktestTrade(contract.Symbol, open.Action.Side, lots, open.Action.Leverage, entries.Count > 0 ? entries[0].TimeMs : open.DecidedAtMs, entryPrice,
                last?.TimeMs ?? nowMs, exitPrice, net, fees, gross - fees - net, open.WalletBefore, kind, slippage, open.Action.Reason, open.Action.AgreeingIndicators);
            _trades.Add(trade);
            _open = null;
            strategy.OnTradeClosed(trade);
        }

        private decimal Average(List<ExchangeFill> fills)
        {
            var lots = fills.Sum(f => f.Lots);
            return contract.AveragePrice(lots, fills.Sum(f => f.Value));
        }

        private string Oid(string kind) => string.Create(CultureInfo.InvariantCulture, $"{kind}-{++_sequence}");
    }
}

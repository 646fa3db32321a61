using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Market;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Backtesting;

/// <summary>
/// The backtester on real candles through the simulator's venue model: the rsi-bollinger strategy's trades where
/// TA-Lib's values put them, no look-ahead, and the costs a trader pays (fees per side, funding, liquidation).
/// </summary>
public sealed class BacktesterSpecs
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;

    private static List<Candle> EthFixture() => [.. CandleCsvReader.Load(TestFiles.Fixture("ethusdt-5m-input.csv")).EnsureUsable().Candles];

    private static List<Candle> Bybit(string file, int count) =>
        [.. CandleCsvReader.Load(TestFiles.Candles(Path.Combine("bybit-linear", file))).EnsureUsable().Candles.Take(count)];

    [Fact]
    public void Rsi_bollinger_must_trade_on_the_bars_where_ta_lib_values_say_and_fill_at_the_next_open()
    {
        var candles = EthFixture();
        var reference = NumericCsv.Read(TestFiles.Fixture("ethusdt-5m-reference.csv"));
        var rsi = reference.Column("rsi14");
        var lower = reference.Column("bb_lower");

        // The rule worked out from TA-Lib's own RSI(14) and Bollinger(20, 2), independently of our indicators.
        var expected = new List<(long Entry, long Exit)>();
        long? entryAt = null;
        for (var i = 0; i < candles.Count - 1; i++)
        {
            if (rsi[i] is not { } r || lower[i] is not { } low)
            {
                continue;
            }

            if (entryAt is null && r < 30 && (double)candles[i].Close < low)
            {
                entryAt = candles[i + 1].OpenTimeMs;
            }
            else if (entryAt is { } at && r > 50)
            {
                expected.Add((at, candles[i + 1].OpenTimeMs));
                entryAt = null;
            }
        }

        var result = Backtester.Run(candles, Eth, Timeframe.FiveMinutes, new RsiBollingerStrategy(Eth, new RsiBollingerParameters { Stake = 1_000m }), new BacktestSettings());

        Assert.NotEmpty(expected);
        var closedBySignal = result.Trades.Where(t => t.Exit == ExitKind.Signal).ToList();
        Assert.Equal(expected, closedBySignal.Select(t => (t.OpenedAtMs, t.ClosedAtMs)));
        Assert.All(closedBySignal, t =>
        {
            var open = candles.Single(c => c.OpenTimeMs == t.OpenedAtMs).Open;
            Assert.Equal((long)decimal.Floor(1_000m / (candles.Single(c => c.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds == t.OpenedAtMs).Close * Eth.Multiplier)), t.Lots);
            Assert.InRange(t.EntryPrice, open * 0.999m, open * 1.001m); // the synthetic book's ask at the open
            Assert.True(t.EntrySlippageBps >= 0, "a market buy never fills below the price it referred to");
        });
    }

    [Fact]
    public void A_backtest_must_not_look_ahead_garbage_after_t_changes_nothing_before_t()
    {
        var candles = Bybit("ETHUSDT-5m.csv.gz", 6_000);
        var cut = candles[4_000].OpenTimeMs;
        var random = new Random(7);
        var garbled = candles.Select(c => c.OpenTimeMs < cut ? c : GarbageCandles.Replace(c, random)).ToList();
        var settings = new BacktestSettings();

        BacktestResult Run(List<Candle> data) =>
            Backtester.Run(data, Eth, Timeframe.FiveMinutes, new SignalScoreStrategy(Eth, SignalParameters.Default, RiskParameters.Default), settings);

        var real = Run(candles);
        var fake = Run(garbled);
        Assert.Contains(real.Trades, t => t.ClosedAtMs < cut);
        static string Describe(BacktestTrade t) => (t with { AgreeingIndicators = [] }) + " agreeing " + string.Join(",", t.AgreeingIndicators);
        Assert.Equal(real.Trades.Where(t => t.ClosedAtMs < cut).Select(Describe), fake.Trades.Where(t => t.ClosedAtMs < cut).Select(Describe));
        Assert.Equal(real.Equity.Where(e => e.TimeMs <= cut), fake.Equity.Where(e => e.TimeMs <= cut));
    }

    [Fact]
    public void A_round_trip_must_pay_the_fee_on_each_side_and_net_pnl_must_be_the_wallet_change()
    {
        var candles = EthFixture();
        var settings = new BacktestSettings { FeeRate = 0.001m };
        var result = Backtester.Run(candles, Eth, Timeframe.FiveMinutes, new RsiBollingerStrategy(Eth, new RsiBollingerParameters()), settings);

        Assert.NotEmpty(result.Trades);
        Assert.All(result.Trades, t =>
        {
            var notional = t.Lots * Eth.Multiplier * (t.EntryPrice + t.ExitPrice);
            Assert.Equal(decimal.Round(notional * 0.001m, 8), decimal.Round(t.Fees, 8));
            var gross = t.Lots * Eth.Multiplier * (t.ExitPrice - t.EntryPrice);
            Assert.Equal(decimal.Round(gross - t.Fees - t.Funding, 8), decimal.Round(t.NetPnl, 8));
        });
        var final = result.Equity[^1].Equity;
        Assert.Equal(settings.InitialBalance + result.Trades.Sum(t => t.NetPnl), final);
    }

    [Fact]
    public void A_position_held_across_a_funding_time_must_pay_funding_and_one_without_a_stop_at_high_leverage_can_be_liquidated()
    {
        // Long at 100x on every bar it is flat, never exits by itself: it is liquidated when the price falls 1%, and it
        // pays funding when it lives through 04:00, 12:00 or 20:00 UTC.
        var candles = Bybit("ETHUSDT-5m.csv.gz", 3_000);
        var result = Backtester.Run(candles, Eth, Timeframe.FiveMinutes, new AlwaysLong(Eth, 100), new BacktestSettings());

        var liquidated = result.Trades.Where(t => t.Exit == ExitKind.Liquidation).ToList();
        Assert.NotEmpty(liquidated);
        Assert.All(liquidated, t =>
        {
            var margin = t.Lots * Eth.Multiplier * t.EntryPrice / t.Leverage;
            Assert.Equal(decimal.Round(-margin, 6), decimal.Round(t.NetPnl + t.Fees + t.Funding, 6)); // the margin is what a liquidation takes
        });
        Assert.Contains(result.Trades, t => t.Funding != 0);
        Assert.Equal(liquidated.Count, result.Metrics.Liquidations);
    }

    [Fact]
    public void Fill_at_close_must_fill_at_the_decision_candle_close_instead_of_the_next_open()
    {
        var candles = EthFixture();
        var atClose = Backtester.Run(candles, Eth, Timeframe.FiveMinutes, new RsiBollingerStrategy(Eth, new RsiBollingerParameters()), new BacktestSettings { Fill = FillTiming.Close });
        var nextOpen = Backtester.Run(candles, Eth, Timeframe.FiveMinutes, new RsiBollingerStrategy(Eth, new RsiBollingerParameters()), new BacktestSettings());

        Assert.Equal(nextOpen.Trades.Count, atClose.Trades.Count);
        Assert.All(atClose.Trades.Zip(nextOpen.Trades, (First, Second) => (First, Second)), pair =>
        {
            Assert.True(pair.First.OpenedAtMs < pair.Second.OpenedAtMs, "filled at the close, before the next open");
            var decisionClose = candles.Single(c => c.OpenTimeMs + Timeframe.FiveMinutes.Milliseconds == pair.Second.OpenedAtMs).Close;
            Assert.InRange(pair.First.EntryPrice, decisionClose * 0.999m, decisionClose * 1.001m);
        });
    }

    [Fact]
    public void Playing_quiet_candles_as_their_close_must_give_the_trades_of_playing_every_path()
    {
        var candles = Bybit("ETHUSDT-5m.csv.gz", 8_000);
        BacktestResult Run(bool everyCandle) => Backtester.Run(candles, Eth, Timeframe.FiveMinutes,
            new SignalScoreStrategy(Eth, SignalParameters.Default, RiskParameters.Default), new BacktestSettings { PlayEveryCandle = everyCandle });

        var fast = Run(everyCandle: false);
        var full = Run(everyCandle: true);
        Assert.True(full.Trades.Count > 10, $"{full.Trades.Count} trades");
        Assert.Equal(full.Trades.Select(t => (t.OpenedAtMs, t.ClosedAtMs, t.Side, t.Lots, t.Exit)), fast.Trades.Select(t => (t.OpenedAtMs, t.ClosedAtMs, t.Side, t.Lots, t.Exit)));
        Assert.All(full.Trades.Zip(fast.Trades, (Full, Fast) => (Full, Fast)), p => Assert.InRange(p.Fast.NetPnl - p.Full.NetPnl, -0.01m * Math.Abs(p.Full.NetPnl) - 0.01m, 0.01m * Math.Abs(p.Full.NetPnl) + 0.01m));
    }

    [Fact]
    public void Bad_settings_must_be_named()
    {
        var error = Assert.Throws<ArgumentException>(() => Backtester.Run([], Eth, Timeframe.FiveMinutes, new AlwaysLong(Eth, 1), new BacktestSettings { FeeRate = 0.5m }));
        Assert.Contains("fee per side", error.Message, StringComparison.Ordinal);
    }

    private sealed class AlwaysLong(ContractSpec contract, int leverage) : IBacktestStrategy
    {
        public string Name => "always-long";

        public StrategyAction? OnCandleClosed(in Candle candle, StrategyPosition position, decimal equity) =>
            position.IsFlat ? new EnterAction(Side.Long, Math.Max(1, (long)(equity * 0.5m * leverage / (candle.Close * contract.Multiplier) / 10)), leverage, null, null, "always", []) : null;
    }
}

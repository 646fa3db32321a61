using BenchmarkDotNet.Attributes;
using Enigma.Domain.Backtesting;
using Enigma.Domain.Backtesting.Strategies;
using Enigma.Domain.Risk;
using Enigma.Domain.Signals;

namespace Enigma.Benchmarks;

/// <summary>
/// A whole backtest of 90 days of real Bybit ETHUSDT 5m candles (25,919) on one core, through the simulator's venue
/// model: candle-steps per second = 25,919 / the mean. The seed's signal-score strategy (the Signal engine on four
/// timeframes and the risk gate on every candle) and the simple rsi-bollinger one; and signal-score reading the
/// engine's output from a tape recorded once, as each of a parameter search's backtests does.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class BacktestBenchmarks
{
    private static readonly ContractSpec Eth = KnownContracts.Find("ETHUSDTM")!;
    private Candle[] _candles = [];
    private BacktestTapes _tapes = new();
    private StrategyRecipe _taped = null!;

    [GlobalSetup]
    public void Setup()
    {
        _candles = [.. BenchmarkData.Load("bybit-linear/ETHUSDT-5m.csv.gz").Candles];
        _taped = StrategyCatalog.Recipe(StrategyCatalog.SignalScore, new Dictionary<string, string>(), 1_000m);
        _tapes = new BacktestTapes();
        _taped.Create(Eth, _candles, _tapes); // records the tape once, outside the measurement
    }

    [Benchmark(Description = "signal-score, 90 days of 5m ETH")]
    public int SignalScore() =>
        Backtester.Run(_candles, Eth, Timeframe.FiveMinutes, new SignalScoreStrategy(Eth, SignalParameters.Default, RiskParameters.Default), new BacktestSettings()).Trades.Count;

    [Benchmark(Description = "signal-score from a recorded tape, 90 days of 5m ETH")]
    public int SignalScoreFromTape() =>
        Backtester.Run(_candles, Eth, Timeframe.FiveMinutes, _taped.Create(Eth, _candles, _tapes), new BacktestSettings()).Trades.Count;

    [Benchmark(Description = "rsi-bollinger, 90 days of 5m ETH")]
    public int RsiBollinger() =>
        Backtester.Run(_candles, Eth, Timeframe.FiveMinutes, new RsiBollingerStrategy(Eth, new RsiBollingerParameters()), new BacktestSettings()).Trades.Count;
}

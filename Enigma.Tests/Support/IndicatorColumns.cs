using Enigma.Domain.Indicators;
using Enigma.Domain.Market;

namespace Enigma.Tests.Support;

/// <summary>Indicator outputs by the fixture's column names, from the streaming set and from the batch oracle.</summary>
internal static class IndicatorColumns
{
    /// <summary>Columns in price units (compared at 1e-9 of the close) and volume units (1e-9 of the value).</summary>
    public static readonly string[] PriceUnits = ["ema12", "ema26", "macd", "macd_signal", "macd_hist", "ao", "bb_upper", "bb_middle", "bb_lower"];

    public static readonly string[] All =
        ["rsi14", "ema12", "ema26", "macd", "macd_signal", "macd_hist", "willr14", "ao", "stoch_k", "stoch_d", "bb_upper", "bb_middle", "bb_lower", "obv", "kdj_k", "kdj_d", "kdj_j"];

    public static Dictionary<string, double?[]> Streaming(IReadOnlyList<Candle> candles)
    {
        var columns = All.ToDictionary(c => c, _ => new double?[candles.Count]);
        var set = new IndicatorSet();
        for (var i = 0; i < candles.Count; i++)
        {
            set.Update(candles[i]);
            var r = set.Readings;
            columns["rsi14"][i] = r.Rsi;
            columns["ema12"][i] = r.EmaFast;
            columns["ema26"][i] = r.EmaSlow;
            columns["macd"][i] = r.Macd?.Macd;
            columns["macd_signal"][i] = r.Macd?.Signal;
            columns["macd_hist"][i] = r.Macd?.Histogram;
            columns["willr14"][i] = r.WilliamsR;
            columns["ao"][i] = r.AwesomeOscillator;
            columns["stoch_k"][i] = r.Stochastic?.K;
            columns["stoch_d"][i] = r.Stochastic?.D;
            columns["bb_upper"][i] = r.Bollinger?.Upper;
            columns["bb_middle"][i] = r.Bollinger?.Middle;
            columns["bb_lower"][i] = r.Bollinger?.Lower;
            columns["obv"][i] = r.Obv;
            columns["kdj_k"][i] = r.Kdj?.K;
            columns["kdj_d"][i] = r.Kdj?.D;
            columns["kdj_j"][i] = r.Kdj?.J;
        }

        return columns;
    }

    public static Dictionary<string, double?[]> Batch(IReadOnlyList<Candle> candles)
    {
        var high = candles.Select(c => (double)c.High).ToArray();
        var low = candles.Select(c => (double)c.Low).ToArray();
        var close = candles.Select(c => (double)c.Close).ToArray();
        var volume = candles.Select(c => (double)c.Volume).ToArray();
        var macd = ReferenceIndicators.Macd(close, 12, 26, 9);
        var stochastic = ReferenceIndicators.Stochastic(high, low, close, 14, 3, 3);
        var bollinger = ReferenceIndicators.Bollinger(close, 20, 2.0);
        var kdj = ReferenceIndicators.Kdj(high, low, close, 9, 3, 3);
        return new Dictionary<string, double[]>
        {
            ["rsi14"] = ReferenceIndicators.Rsi(close, 14),
            ["ema12"] = ReferenceIndicators.Ema(close, 12),
            ["ema26"] = ReferenceIndicators.Ema(close, 26),
            ["macd"] = macd.Macd,
            ["macd_signal"] = macd.Signal,
            ["macd_hist"] = macd.Histogram,
            ["willr14"] = ReferenceIndicators.WilliamsR(high, low, close, 14),
            ["ao"] = ReferenceIndicators.AwesomeOscillator(high, low, 5, 34),
            ["stoch_k"] = stochastic.K,
            ["stoch_d"] = stochastic.D,
            ["bb_upper"] = bollinger.Upper,
            ["bb_middle"] = bollinger.Middle,
            ["bb_lower"] = bollinger.Lower,
            ["obv"] = ReferenceIndicators.Obv(close, volume),
            ["kdj_k"] = kdj.K,
            ["kdj_d"] = kdj.D,
            ["kdj_j"] = kdj.J,
        }.ToDictionary(kv => kv.Key, kv => kv.Value.Select(v => double.IsNaN(v) ? (double?)null : v).ToArray());
    }

    /// <summary>The error scale of a column on a row: the close for price units, the value itself for OBV, 1 for oscillators.</summary>
    public static Func<int, double> Scale(string column, IReadOnlyList<Candle> candles, IReadOnlyList<double?> expected) =>
        PriceUnits.Contains(column) ? i => (double)candles[i].Close
        : column == "obv" ? i => Math.Abs(expected[i] ?? 1.0)
        : _ => 1.0;
}

using Enigma.Domain.Market;
using Enigma.Tests.Support;
using Xunit.Abstractions;

namespace Enigma.Tests.Domain.Indicators;

/// <summary>
/// On every real candle file the repository ships (Bybit perpetual 5m, Binance 5m with its outage gaps and flat
/// bars, Binance 1h over 1000 days), the streaming set equals the batch oracle, which recomputes every window from
/// scratch: so neither running sums nor deques drift over tens of thousands of bars.
/// </summary>
public sealed class StreamingEqualsBatchSpecs(ITestOutputHelper output)
{
    public static TheoryData<string> Files => new(
        "bybit-linear/BTCUSDT-5m.csv.gz", "bybit-linear/ETHUSDT-5m.csv.gz", "bybit-linear/SOLUSDT-5m.csv.gz",
        "bybit-linear/XRPUSDT-5m.csv.gz", "bybit-linear/BNBUSDT-5m.csv.gz",
        "binance-spot/ETHUSDT-5m.csv.gz",
        "binance-spot/BTCUSDT-1h.csv.gz", "binance-spot/ETHUSDT-1h.csv.gz", "binance-spot/SOLUSDT-1h.csv.gz",
        "binance-spot/XRPUSDT-1h.csv.gz", "binance-spot/BNBUSDT-1h.csv.gz", "binance-spot/ADAUSDT-1h.csv.gz");

    [Theory]
    [MemberData(nameof(Files))]
    public void Streaming_indicators_must_equal_the_batch_computation_on_real_data(string file)
    {
        var candles = CandleCsvReader.Load(TestFiles.Candles(file)).EnsureUsable().Candles;
        var streaming = IndicatorColumns.Streaming(candles);
        var batch = IndicatorColumns.Batch(candles);
        foreach (var column in IndicatorColumns.All)
        {
            var worst = SeriesComparison.AssertClose($"{file} {column}", batch[column], streaming[column], IndicatorColumns.Scale(column, candles, batch[column]));
            output.WriteLine($"{column}: largest scaled error {worst:E2} over {candles.Length} bars");
        }
    }
}

using Enigma.Domain.Exchange;
using Enigma.Domain.Market;
using Enigma.Tests.Support;

namespace Enigma.Tests.Domain.Exchange;

public sealed class IntraCandlePathSpecs
{
    [Fact]
    public void Every_real_candle_path_opens_visits_both_extremes_closes_and_keeps_its_volume()
    {
        var contract = KnownContracts.Find("ETHUSDTM")!;
        var file = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz"));
        foreach (var candle in file.Candles.Take(3000))
        {
            var path = IntraCandlePath.Build(candle, 300_000, contract, 20, seed: 1);
            Assert.Equal(20, path.Length);
            Assert.Equal(contract.FloorToTick(candle.Open), contract.FloorToTick(path[0].Price));
            Assert.Equal(contract.FloorToTick(candle.Close), contract.FloorToTick(path[^1].Price));
            Assert.Contains(path, t => t.Price == contract.FloorToTick(candle.High));
            Assert.Contains(path, t => t.Price == contract.CeilingToTick(candle.Low));
            Assert.All(path, t => Assert.InRange(t.Price, contract.CeilingToTick(candle.Low), contract.FloorToTick(candle.High) + contract.TickSize));
            Assert.All(path, t => Assert.Equal(0, t.Price % contract.TickSize));
            Assert.Equal((long)decimal.Round(candle.Volume / contract.Multiplier, MidpointRounding.AwayFromZero), path.Sum(t => t.VolumeLots));
            Assert.Equal(candle.OpenTimeMs, path[0].TimeMs);
            Assert.True(path.Zip(path.Skip(1), (first, second) => first.TimeMs < second.TimeMs).All(ordered => ordered));
            Assert.True(path[^1].TimeMs < candle.OpenTimeMs + 300_000);
        }
    }

    [Fact]
    public void A_rising_candle_visits_its_low_before_its_high_and_a_falling_one_the_reverse()
    {
        var contract = ContractSpec.XbtUsdtm;
        var rising = IntraCandlePath.Build(new Candle(0, 100m, 110m, 95m, 108m, 1m), 300_000, contract, 12, seed: 5);
        var falling = IntraCandlePath.Build(new Candle(0, 100m, 104m, 90m, 92m, 1m), 300_000, contract, 12, seed: 5);
        Assert.True(Array.FindIndex(rising, t => t.Price == 95m) < Array.FindIndex(rising, t => t.Price == 110m));
        Assert.True(Array.FindIndex(falling, t => t.Price == 104m) < Array.FindIndex(falling, t => t.Price == 90m));
    }

    [Theory]
    [InlineData("BTCUSDT", "XBTUSDTM")]
    [InlineData("ethusdt", "ETHUSDTM")]
    [InlineData("XBTUSDTM", "XBTUSDTM")]
    public void Data_symbols_map_to_KuCoin_symbols_and_back(string data, string kuCoin)
    {
        Assert.Equal(kuCoin, KnownContracts.ToKuCoinSymbol(data));
        Assert.Equal(KnownContracts.ToDataSymbol(kuCoin), KnownContracts.ToDataSymbol(KnownContracts.ToKuCoinSymbol(data)));
        Assert.NotNull(KnownContracts.Find(kuCoin));
    }

    [Fact]
    public void A_symbol_that_is_not_a_USDT_pair_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => KnownContracts.ToKuCoinSymbol("BTCEUR"));
        Assert.Contains("BTCEUR", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The venue log replays a simulator after a restart in a new process: a path seeded from a per-process
    /// randomised hash (HashCode) would differ there, so this pins the path of one candle to the value every process gives.
    /// </summary>
    [Fact]
    public void The_path_of_a_candle_is_the_same_in_every_process()
    {
        var path = IntraCandlePath.Build(new Candle(1_743_699_900_000, 83_000m, 83_400m, 82_700m, 83_100m, 12m), 300_000, KnownContracts.Find("XBTUSDTM")!, 8, seed: 1);
        var prices = path.Select(t => t.Price.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal("83000.0,82848.6,82700.0,82895.3,83017.3,83208.7,83400.0,83100.0", string.Join(",", prices));
    }
}

using Enigma.Cluster.Host;
using Enigma.Domain.Market;

namespace Enigma.Tests.Support;

/// <summary>Runs the <c>enigma</c> command line in-process and captures what it printed.</summary>
internal static class Cli
{
    public static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = EnigmaCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>Random but valid candles, to replace everything after a time T in no-look-ahead tests.</summary>
internal static class GarbageCandles
{
    public static Candle Replace(Candle candle, Random random)
    {
        var low = random.Next(1, 10_000);
        var high = low + random.Next(0, 5_000);
        return new Candle(candle.OpenTimeMs, low, high, low, high, random.Next(0, 1_000_000));
    }
}

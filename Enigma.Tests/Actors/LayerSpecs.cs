using Enigma.Domain.Market;

namespace Enigma.Tests.Actors;

/// <summary>
/// The layers of the house (docs and ../shared/docs/architecture.md): the agents know exchanges only through the
/// domain's ports, and the domain knows neither Akka nor any adapter.
/// </summary>
public sealed class LayerSpecs
{
    private static IReadOnlyList<string> ReferencesOf(Type type) => [.. type.Assembly.GetReferencedAssemblies().Select(a => a.Name!)];

    [Fact]
    public void The_agents_must_not_reference_an_exchange_adapter()
    {
        var references = ReferencesOf(typeof(Enigma.Actors.Data.DataAgent));
        Assert.DoesNotContain(references, r => r.StartsWith("Enigma.Exchange", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Polly", StringComparison.Ordinal));
    }

    [Fact]
    public void The_domain_must_reference_no_actor_framework_no_adapter_and_no_database()
    {
        var references = ReferencesOf(typeof(Candle));
        Assert.DoesNotContain(references, r => r.StartsWith("Akka", StringComparison.Ordinal) || r.StartsWith("Enigma.", StringComparison.Ordinal)
            || r.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) || r.StartsWith("Npgsql", StringComparison.Ordinal) || r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void A_forming_candle_must_close_only_when_a_later_one_starts()
    {
        var tracker = new ClosedCandleTracker();
        var first = new Candle(0, 10, 12, 9, 11, 5);
        Assert.Null(tracker.OnForming("ETHUSDTM", first));
        Assert.Null(tracker.OnForming("ETHUSDTM", first with { Close = 12, Volume = 7 }));
        Assert.Null(tracker.OnForming("XBTUSDTM", new Candle(300_000, 1, 1, 1, 1, 1)));
        Assert.Null(tracker.OnForming("ETHUSDTM", new Candle(-300_000, 1, 1, 1, 1, 1)));

        // The last push of the earlier candle is the closed one; a late push of an older candle changed nothing.
        Assert.Equal(first with { Close = 12, Volume = 7 }, tracker.OnForming("ETHUSDTM", new Candle(300_000, 12, 13, 11, 12, 1)));
    }
}

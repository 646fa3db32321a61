using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Enigma.Actors.Messaging;
using Enigma.Actors.Signal;
using Enigma.Domain.Market;
using Enigma.Domain.Signals;
using Enigma.Tests.Support;

namespace Enigma.Tests.Actors.Signal;

public sealed class SignalEntitySpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Candle[] Candles = CandleCsvReader.Load(TestFiles.Candles("bybit-linear/ETHUSDT-5m.csv.gz")).Candles.Take(3_000).ToArray();

    [Fact]
    public async Task Signal_entity_must_publish_exactly_what_the_engine_computes_after_warm_up()
    {
        var bus = CreateTestProbe();
        var entity = Sys.ActorOf(SignalEntity.Props("ETHUSDTM", bus));
        var warmed = await entity.Ask<SignalWarmedUp>(new WarmUpSignal("ETHUSDTM", Candles[..2_900]), TimeSpan.FromSeconds(10));
        Assert.Equal(2_900, warmed.Candles);

        var engine = new SignalEngine("ETHUSDTM");
        foreach (var candle in Candles[..2_900])
        {
            engine.Advance(candle);
        }

        foreach (var candle in Candles[2_900..])
        {
            entity.Tell(new CandleClosed("ETHUSDTM", candle));
            var expected = engine.Update(candle);
            var publish = await bus.ExpectMsgAsync<Publish>();
            Assert.Equal(Topics.SignalGenerated, publish.Topic);
            var envelope = Assert.IsType<AgentEnvelope<SignalOutput>>(publish.Message);
            Assert.Equal(Agents.Signal, envelope.From);
            Assert.Equal((expected.Direction, expected.Score, expected.Timestamp), (envelope.Payload.Direction, envelope.Payload.Score, envelope.Payload.Timestamp));
        }
    }

    [Fact]
    public async Task A_replayed_or_broken_candle_is_skipped_never_applied_twice()
    {
        var bus = CreateTestProbe();
        var entity = Sys.ActorOf(SignalEntity.Props("ETHUSDTM", bus));
        await entity.Ask<SignalWarmedUp>(new WarmUpSignal("ETHUSDTM", Candles[..100]), TimeSpan.FromSeconds(10));

        entity.Tell(new CandleClosed("ETHUSDTM", Candles[99]));
        entity.Tell(new CandleClosed("ETHUSDTM", Candles[100] with { Low = Candles[100].High + 1 }));
        await bus.ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
        entity.Tell(new CandleClosed("ETHUSDTM", Candles[100]));
        await bus.ExpectMsgAsync<Publish>();
        var latest = await entity.Ask<LatestSignal>(new GetLatestSignal("ETHUSDTM"), TimeSpan.FromSeconds(5));
        Assert.Equal(101, latest.CandlesSeen);
    }
}

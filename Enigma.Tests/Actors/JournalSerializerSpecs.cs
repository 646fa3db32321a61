using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Enigma.Actors.Execution;
using Enigma.Actors.Hosting;
using Enigma.Actors.Orchestration;
using Enigma.Actors.Serialization;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;

namespace Enigma.Tests.Actors;

public sealed class JournalSerializerSpecs : Akka.TestKit.Xunit2.TestKit
{
    private static readonly Order Entry = new("XBTUSDTM-mcnmywdc-E0", "XBTUSDTM", OrderSide.Buy, OrderType.Limit, OrderPurpose.Entry, 3, 60_000.1m, null, false, 60_000.1m);

    public static TheoryData<ExecutionEvent> Events =>
    [
        new OrderPlaced(1_751_562_300_000, Entry),
        new OrderAccepted(1_751_562_300_001, Entry.ClientOrderId, "500000000000000001"),
        new OrderFilled(1_751_562_300_002, Entry.ClientOrderId, "1000000001", 2, 60_000.1m, 0.07200012m, Liquidity.Taker),
        new OrderCancelled(1_751_562_300_003, Entry.ClientOrderId, "cancelled at the exchange"),
        new OrderRejected(1_751_562_300_004, Entry.ClientOrderId, "300003: Balance insufficient"),
        new OrderExpired(1_751_562_300_005, Entry.ClientOrderId),
        new FundingSettled(1_751_562_300_006, 0.0001m, 60_000m, 0.018m),
    ];

    public JournalSerializerSpecs()
        : base(EnigmaConfig.Shipped("persistence.conf"), "serializer-specs")
    {
    }

    [Theory]
    [MemberData(nameof(Events))]
    public void Every_execution_event_must_round_trip_through_its_own_serializer_with_a_versioned_manifest(ExecutionEvent e)
    {
        var serializer = Assert.IsType<JournalSerializer>(Sys.Serialization.FindSerializerFor(e));
        var manifest = serializer.Manifest(e);
        Assert.Matches(@"^execution\.[a-z-]+\.v\d+$", manifest);
        Assert.Equal(e, serializer.FromBinary(serializer.ToBinary(e), manifest));
    }

    [Fact]
    public void Every_persisted_type_must_be_bound_to_our_serializer_and_none_fall_back_to_the_default()
    {
        var persisted = typeof(ExecutionEvent).Assembly.GetTypes().Where(t => !t.IsAbstract && typeof(ExecutionEvent).IsAssignableFrom(t))
            .Append(typeof(ExecutionSnapshot)).Append(typeof(SystemStateChanged)).ToList();
        Assert.True(persisted.Count >= 9);
        Assert.All(persisted, t => Assert.IsType<JournalSerializer>(Sys.Serialization.FindSerializerForType(t)));
        Assert.All(persisted, t => Assert.Contains(t, JournalSerializer.BoundTypes));
    }

    [Fact]
    public void A_snapshot_must_round_trip_with_its_orders_position_and_applied_trades()
    {
        var state = ExecutionLedger.Replay(ExecutionState.Start(KnownContracts.Find("XBTUSDTM")!, 0), [
            new OrderPlaced(1, Entry), new OrderAccepted(2, Entry.ClientOrderId, "9"), new OrderFilled(3, Entry.ClientOrderId, "t1", 2, 60_000.1m, 0.072m, Liquidity.Taker)]);
        var snapshot = new ExecutionSnapshot(state, ["t1"]);
        var serializer = (JournalSerializer)Sys.Serialization.FindSerializerFor(snapshot);
        var back = (ExecutionSnapshot)serializer.FromBinary(serializer.ToBinary(snapshot), serializer.Manifest(snapshot));
        Assert.Equal(state.Position, back.State.Position);
        Assert.Equal(state.Cash, back.State.Cash);
        Assert.Equal(state.Orders[Entry.ClientOrderId], back.State.Orders[Entry.ClientOrderId]);
        Assert.Equal(state.Contract, back.State.Contract);
        Assert.Equal(["t1"], back.AppliedTradeIds);
    }

    [Fact]
    public void A_snapshot_must_keep_its_round_trips_and_one_written_before_they_existed_must_read_with_none()
    {
        var state = ExecutionState.Start(KnownContracts.Find("XBTUSDTM")!, 0) with { RoundTrips = [new RoundTrip(Side.Long, 1, 2, -3.5m)] };
        var snapshot = new ExecutionSnapshot(state, []);
        var serializer = (JournalSerializer)Sys.Serialization.FindSerializerFor(snapshot);
        var bytes = serializer.ToBinary(snapshot);
        var back = (ExecutionSnapshot)serializer.FromBinary(bytes, "execution.snapshot.v1");
        Assert.Equal(state.RecentRoundTrips, back.State.RecentRoundTrips);

        var older = System.Text.Json.Nodes.JsonNode.Parse(bytes)!;
        Assert.True(older["state"]!.AsObject().Remove("roundTrips"));
        var old = (ExecutionSnapshot)serializer.FromBinary(Encoding.UTF8.GetBytes(older.ToJsonString()), "execution.snapshot.v1");
        Assert.Empty(old.State.RecentRoundTrips);
    }

    /// <summary>What version 1 wrote, byte for byte: these must stay readable for as long as journals exist.</summary>
    [Theory]
    [InlineData("execution.order-placed.v1", """{"order":{"clientOrderId":"XBTUSDTM-mcnmywdc-E0","symbol":"XBTUSDTM","orderSide":"Buy","type":"Limit","purpose":"Entry","lots":3,"price":60000.1,"stopPrice":null,"reduceOnly":false,"expectedPrice":60000.1,"status":"New","filledLots":0,"exchangeOrderId":null},"timestampMs":1751562300000}""")]
    [InlineData("execution.order-filled.v1", """{"clientOrderId":"XBTUSDTM-mcnmywdc-E0","tradeId":"1000000001","lots":2,"price":60000.1,"fee":0.07200012,"liquidity":"Taker","timestampMs":1751562300002}""")]
    [InlineData("orchestrator.state-changed.v1", """{"from":"Trading","to":"EmergencyStop","reason":"DailyDrawdown: -5.2% today","atMs":1751562300007}""")]
    [InlineData("execution.funding-settled.v1", """{"fundingRate":0.0001,"markPrice":60000,"amount":0.018,"timestampMs":1751562300006}""")]
    public void Journals_written_by_version_1_must_still_replay(string manifest, string json)
    {
        var serializer = new JournalSerializer((ExtendedActorSystem)Sys);
        var e = serializer.FromBinary(Encoding.UTF8.GetBytes(json), manifest);
        Assert.NotNull(e);
        Assert.Equal(json, Encoding.UTF8.GetString(serializer.ToBinary(e)));
    }

    [Fact]
    public void An_unknown_manifest_or_a_broken_payload_is_an_error_that_names_it()
    {
        var serializer = new JournalSerializer((ExtendedActorSystem)Sys);
        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "execution.order-teleported.v9"));
        Assert.Contains("execution.order-teleported.v9", unknown.Message, StringComparison.Ordinal);
        var broken = Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"lots\":\"two\"}"u8.ToArray(), "execution.order-filled.v1"));
        Assert.Contains("execution.order-filled.v1", broken.Message, StringComparison.Ordinal);
    }
}

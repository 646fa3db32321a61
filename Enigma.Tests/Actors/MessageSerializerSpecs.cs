using System.Collections;
using System.Reflection;
using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Enigma.Actors.Hosting;
using Enigma.Actors.Messaging;
using Enigma.Actors.Risk;
using Enigma.Actors.Serialization;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;

namespace Enigma.Tests.Actors;

/// <summary>
/// Every message that may cross nodes goes through <see cref="MessageSerializer"/>, never Akka's reflection default.
/// The samples are built by reflection from each type's constructor (every field filled, enums off their default), so
/// a field added to a message is covered without touching this file.
/// </summary>
public sealed class MessageSerializerSpecs : Akka.TestKit.Xunit2.TestKit
{
    public MessageSerializerSpecs()
        : base(EnigmaConfig.Shipped("persistence.conf"), "message-serializer-specs")
    {
    }

    public static TheoryData<string> MessageTypes()
    {
        var data = new TheoryData<string>();
        foreach (var type in MessageSerializer.KnownTypes.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type.AssemblyQualifiedName!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(MessageTypes))]
    public void Every_message_must_round_trip_through_the_message_serializer_unchanged(string typeName)
    {
        var type = Type.GetType(typeName, throwOnError: true)!;
        var message = new SampleBuilder(TestActor).Build(type);
        AssertRoundTrip(message);
    }

    [Fact]
    public void A_bus_envelope_must_carry_its_payload_manifest_and_round_trip()
    {
        var payload = (RiskApproved)new SampleBuilder(TestActor).Build(typeof(RiskApproved));
        var envelope = AgentEnvelope.Event(Agents.Risk, Topics.RiskApproved, payload, 1_751_562_300_000, TaskPriority.High, "correlation-1");
        var serializer = Assert.IsType<MessageSerializer>(Sys.Serialization.FindSerializerFor(envelope));
        Assert.Equal("envelope.v1/risk.approved.v1", serializer.Manifest(envelope));
        AssertRoundTrip(envelope);
    }

    [Fact]
    public void An_actor_reference_must_arrive_as_the_same_actor()
    {
        var evaluate = (EvaluateRisk)new SampleBuilder(TestActor).Build(typeof(EvaluateRisk));
        var serializer = Assert.IsType<MessageSerializer>(Sys.Serialization.FindSerializerFor(evaluate));
        var back = (EvaluateRisk)serializer.FromBinary(serializer.ToBinary(evaluate), serializer.Manifest(evaluate));
        Assert.Equal(TestActor, back.ReplyTo);
        back.ReplyTo.Tell("arrived");
        ExpectMsg("arrived");
    }

    [Fact]
    public void Every_marked_message_type_must_have_a_manifest_and_none_fall_back_to_the_default()
    {
        var marked = typeof(IClusterMessage).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsInterface && typeof(IClusterMessage).IsAssignableFrom(t) && !t.IsGenericTypeDefinition)
            .ToList();
        Assert.True(marked.Count >= 40, $"only {marked.Count} marked message types");
        Assert.All(marked, t => Assert.Contains(t, MessageSerializer.KnownTypes));
        Assert.All(MessageSerializer.KnownTypes, t => Assert.True(
            Sys.Serialization.FindSerializerForType(t) is MessageSerializer,
            $"{t.Name} is serialized by {Sys.Serialization.FindSerializerForType(t).GetType().Name}"));
        Assert.IsType<MessageSerializer>(Sys.Serialization.FindSerializerForType(typeof(AgentEnvelope<RiskApproved>)));
    }

    [Fact]
    public void An_unknown_manifest_must_be_refused_with_its_name()
    {
        var serializer = (MessageSerializer)Sys.Serialization.FindSerializerForType(typeof(RiskApproved));
        var error = Assert.Throws<SerializationException>(() => serializer.FromBinary(Encoding.UTF8.GetBytes("{}"), "risk.approved.v9"));
        Assert.Contains("risk.approved.v9", error.Message, StringComparison.Ordinal);
        var broken = Assert.Throws<SerializationException>(() => serializer.FromBinary(Encoding.UTF8.GetBytes("{\"symbol\":"), "risk.position-ended.v1"));
        Assert.Contains("risk.position-ended.v1", broken.Message, StringComparison.Ordinal);
    }

    private void AssertRoundTrip(object message)
    {
        var serializer = Assert.IsType<MessageSerializer>(Sys.Serialization.FindSerializerFor(message));
        var manifest = serializer.Manifest(message);
        Assert.Matches(@"^(envelope\.v\d+/)?[a-z]+\.[a-z-]+\.v\d+$", manifest);
        var bytes = serializer.ToBinary(message);
        Assert.DoesNotContain("$type", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);

        // Every field of the sample is filled: an empty object means a type whose fields were never written
        // (unless the message has no fields at all, like GetSystemStatus).
        if (message.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Length > 0)
        {
            Assert.DoesNotContain("{}", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        }
        var back = serializer.FromBinary(bytes, manifest);
        Assert.Equal(message.GetType(), back.GetType());

        // Records with lists compare lists by reference: the second serialization says whether anything was lost.
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(serializer.ToBinary(back)));
    }

    /// <summary>Fills every constructor parameter and settable property with a value that is not its type's default.</summary>
    private sealed class SampleBuilder(IActorRef actor)
    {
        private static readonly ContractSpec Contract = KnownContracts.Find("XBTUSDTM")!;
        private int _depth;

        public object Build(Type type)
        {
            if (++_depth > 8)
            {
                throw new InvalidOperationException($"{type.Name}: nested too deep for a sample");
            }

            try
            {
                return BuildValue(type);
            }
            finally
            {
                _depth--;
            }
        }

        private object BuildValue(Type type)
        {
            if (Nullable.GetUnderlyingType(type) is { } underlying)
            {
                return Build(underlying);
            }

            if (type == typeof(string))
            {
                return "XBTUSDTM";
            }

            if (type == typeof(bool))
            {
                return true;
            }

            if (type == typeof(int) || type == typeof(long) || type == typeof(short))
            {
                return Convert.ChangeType(7, type, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (type == typeof(double))
            {
                return 1.25;
            }

            if (type == typeof(decimal))
            {
                return 60_000.125m;
            }

            if (type.IsEnum)
            {
                return Enum.GetValues(type).Cast<object>().Last();
            }

            if (typeof(IActorRef).IsAssignableFrom(type))
            {
                return actor;
            }

            if (type == typeof(ContractSpec))
            {
                return Contract;
            }

            if (type == typeof(Candle))
            {
                return new Candle(1_751_562_000_000, 60_000m, 60_100m, 59_900m, 60_050m, 12.5m);
            }

            if (type == typeof(ExecutionState))
            {
                var order = new Order("XBTUSDTM-mcnmywdc-E0", "XBTUSDTM", OrderSide.Buy, OrderType.Limit, OrderPurpose.Entry, 3, 60_000.1m, null, false, 60_000.1m);
                return ExecutionLedger.Apply(ExecutionState.Start(Contract, 0), new OrderPlaced(1, order)) with { RoundTrips = [new RoundTrip(Side.Long, 1, 2, -1.5m)] };
            }

            if (type.IsArray)
            {
                var array = Array.CreateInstance(type.GetElementType()!, 1);
                array.SetValue(Build(type.GetElementType()!), 0);
                return array;
            }

            if (type.IsGenericType && type.GetGenericArguments().Length == 2 && typeof(IEnumerable).IsAssignableFrom(type))
            {
                var arguments = type.GetGenericArguments();
                var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(arguments))!;
                dictionary.Add(Build(arguments[0]), Build(arguments[1]));
                return dictionary;
            }

            if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
            {
                var element = type.GetGenericArguments()[0];
                var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(element))!;
                list.Add(Build(element));
                return list;
            }

            // Internal constructors too: SizedOrder can be made only by RiskGate, or by the serializer.
            var constructor = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .Where(c => !c.IsPrivate && !(c.GetParameters() is [{ } only] && only.ParameterType == type))
                .OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
            if (constructor is null)
            {
                var instance = type.GetProperty("Instance", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
                return instance ?? throw new InvalidOperationException($"{type.Name} has no public constructor");
            }

            var made = constructor.Invoke(constructor.GetParameters().Select(p => Build(p.ParameterType)).ToArray());
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true }))
            {
                if (constructor.GetParameters().All(p => !string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)))
                {
                    property.SetValue(made, Build(property.PropertyType));
                }
            }

            return made;
        }
    }
}

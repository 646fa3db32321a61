using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.PublishSubscribe;

namespace Enigma.Actors.Hosting;

/// <summary>
/// Subscribes to one bus topic and hands each message to a shard region, addressed to the entity of its symbol:
/// how <c>signal.generated</c> reaches Risk, <c>risk.approved</c> Execution, and <c>emergency.stop</c> every symbol's Execution.
/// </summary>
public sealed class TopicRouter : ReceiveActor
{
    public TopicRouter(IActorRef mediator, string topic, IActorRef region, Func<object, IEnumerable<(string Symbol, object Message)>> route)
    {
        mediator.Tell(new Subscribe(topic, Self));

        // Nothing is ever published here: other nodes learn this subscription together with the one above (same
        // mediator, same gossip), so seeing it tells a node that messages on the topic now reach this route.
        mediator.Tell(new Subscribe(MarkerOf(topic), Self));
        Receive<SubscribeAck>(_ => { });
        ReceiveAny(message =>
        {
            foreach (var (symbol, routed) in route(message))
            {
                region.Tell(new ShardingEnvelope(symbol, routed));
            }
        });
    }

    /// <summary>The topic that says a route for <paramref name="topic"/> is subscribed.</summary>
    public static string MarkerOf(string topic) => "route-" + topic;

    public static Props Props(IActorRef mediator, string topic, IActorRef region, Func<object, IEnumerable<(string Symbol, object Message)>> route) =>
        Akka.Actor.Props.Create(() => new TopicRouter(mediator, topic, region, route));
}

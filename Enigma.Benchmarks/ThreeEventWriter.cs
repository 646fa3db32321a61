using Akka.Persistence;

namespace Enigma.Benchmarks;

/// <summary>
/// Writes three execution events at a time (what an entry with its stop and target writes) under
/// <paramref name="persistenceId"/>, and answers each command with the sequence number reached.
/// </summary>
internal sealed class ThreeEventWriter : ReceivePersistentActor
{
    public ThreeEventWriter(string persistenceId, string idPrefix)
    {
        PersistenceId = persistenceId;
        Command<int>(i =>
        {
            var sender = Sender;
            var id = string.Create(CultureInfo.InvariantCulture, $"{idPrefix}-{i:x8}-E0");
            var left = 3;
            ExecutionEvent[] events = [new OrderAccepted(i, id, "x"), new OrderAccepted(i, id + "S", "x"), new OrderAccepted(i, id + "T", "x")];
            PersistAll(events, _ =>
            {
                if (--left == 0)
                {
                    sender.Tell(LastSequenceNr);
                }
            });
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId, string idPrefix) => Akka.Actor.Props.Create(() => new ThreeEventWriter(persistenceId, idPrefix));
}

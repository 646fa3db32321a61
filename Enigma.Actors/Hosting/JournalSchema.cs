using Akka;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;

namespace Enigma.Actors.Hosting;

/// <summary>
/// Creates the journal's and snapshot store's tables once, before a node joins. Several nodes starting together on an
/// empty database otherwise race to create them (PostgreSQL: <c>duplicate key ... pg_type_typname_nsp_index</c>, then
/// a retry), which is noise in the log of a node that is in fact fine.
/// </summary>
public static class JournalSchema
{
    public static async Task EnsureAsync(Config journal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journal);
        var system = ActorSystem.Create("enigma-schema", EnigmaConfig.Bootstrap(ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(journal)));
        try
        {
            // A persistent actor with no history recovers by asking the snapshot store and then the journal: both
            // plugins have initialized (and created their tables) when it answers.
            var probe = system.ActorOf(Props.Create(() => new SchemaProbe()), "schema-probe");
            await probe.Ask<Done>(SchemaProbe.Ready, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await system.Terminate().ConfigureAwait(false);
        }
    }

    private sealed class SchemaProbe : ReceivePersistentActor
    {
        public const string Ready = "ready";

        public SchemaProbe() => Command<string>(_ => Sender.Tell(Done.Instance));

        public override string PersistenceId => "enigma-schema-probe";
    }

    /// <summary>
    /// Several nodes starting together on an empty database race to create the tables; the loser's error is harmless
    /// (the tables are there), so the step is tried again before it is reported.
    /// </summary>
    public static async Task EnsureWithRetriesAsync(Config journal, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await EnsureAsync(journal, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}

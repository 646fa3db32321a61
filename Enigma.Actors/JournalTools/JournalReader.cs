using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Enigma.Actors.Hosting;
using LinqToDB;
using LinqToDB.Data;

namespace Enigma.Actors.JournalTools;

/// <summary>One stored journal row as it is in the table, before anything is made of it.</summary>
public sealed class RawJournalRow
{
    public long Ordering { get; set; }

    public string PersistenceId { get; set; } = "";

    public long SequenceNumber { get; set; }

    public bool Deleted { get; set; }

    public string? Manifest { get; set; }

    public int? Identifier { get; set; }

    public byte[] Message { get; set; } = [];

    public string? Tags { get; set; }
}

/// <summary>
/// Reads a journal offline (no cluster, no node running): events through Akka.Persistence.Query, snapshots through
/// the snapshot store, both deserialized by the same serializers the live actors use; and, for verification, the raw
/// rows, so that one unreadable row is reported by its sequence number instead of ending the read.
/// </summary>
public sealed class JournalReader : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly SqlReadJournal _query;
    private readonly IMaterializer _materializer;

    private JournalReader(JournalSource source, ActorSystem system)
    {
        Source = source;
        _system = system;
        _query = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer();
    }

    public JournalSource Source { get; }

    public static JournalReader Open(JournalSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JournalReader(source, ActorSystem.Create("enigma-journal", EnigmaConfig.Bootstrap(source.ToConfig())));
    }

    /// <summary>Every persistence id in the journal, sorted.</summary>
    public async Task<IReadOnlyList<string>> PersistenceIdsAsync(CancellationToken cancellationToken = default)
    {
        var ids = await _query.CurrentPersistenceIds().RunAsAsyncEnumerable(_materializer).ToListAsync(cancellationToken).ConfigureAwait(false);
        return [.. ids.Order(StringComparer.Ordinal)];
    }

    /// <summary>The events of one persistence id, in order, as the live actor would recover them.</summary>
    public async IAsyncEnumerable<EventEnvelope> EventsAsync(string persistenceId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var envelope in _query.CurrentEventsByPersistenceId(persistenceId, 0, long.MaxValue).RunAsAsyncEnumerable(_materializer).WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return envelope;
        }
    }

    /// <summary>The latest snapshot of a persistence id, or null.</summary>
    public async Task<SelectedSnapshot?> LatestSnapshotAsync(string persistenceId)
    {
        var store = Persistence.Instance.Apply(_system).SnapshotStoreFor(null);
        var result = await store.Ask<object>(new LoadSnapshot(persistenceId, SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return result switch
        {
            LoadSnapshotResult loaded => loaded.Snapshot,
            LoadSnapshotFailed failed => throw new InvalidOperationException($"The snapshot of {persistenceId} cannot be read: {failed.Cause.Message}", failed.Cause),
            _ => null,
        };
    }

    /// <summary>The stored rows of one persistence id, ordered by sequence number (deleted ones included).</summary>
    public async Task<IReadOnlyList<RawJournalRow>> RawRowsAsync(string persistenceId, CancellationToken cancellationToken = default)
    {
        using var db = new DataConnection(new DataOptions().UseConnectionString(Source.Provider, Source.ConnectionString));
        var rows = await db.QueryToListAsync<RawJournalRow>(
            "SELECT ordering AS Ordering, persistence_id AS PersistenceId, sequence_number AS SequenceNumber, deleted AS Deleted, manifest AS Manifest, " +
            "identifier AS Identifier, message AS Message, tags AS Tags FROM journal WHERE persistence_id = @pid ORDER BY sequence_number, ordering",
            cancellationToken,
            new DataParameter("pid", persistenceId)).ConfigureAwait(false);
        return rows;
    }

    /// <summary>A raw row's payload made into its event by the journal's serializer, or why it cannot be.</summary>
    public (object? Event, string? Problem) Deserialize(RawJournalRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        try
        {
            return (_system.Serialization.Deserialize(row.Message, row.Identifier ?? 0, row.Manifest ?? ""), null);
        }
        catch (Exception e) when (e is System.Runtime.Serialization.SerializationException or ArgumentException or InvalidOperationException or NotSupportedException or System.Text.Json.JsonException)
        {
            return (null, e.GetBaseException().Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _system.Terminate().ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }
}

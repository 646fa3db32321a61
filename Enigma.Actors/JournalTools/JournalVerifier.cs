using System.Globalization;
using Akka.Persistence;
using Enigma.Actors.Execution;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Execution;
using Enigma.Domain.Market;
using Enigma.Domain.Orchestration;

namespace Enigma.Actors.JournalTools;

/// <summary>Something wrong in the journal, by persistence id and sequence number.</summary>
public sealed record JournalAnomaly(string PersistenceId, long SequenceNr, string Problem);

/// <summary>What <c>enigma journal verify</c> found.</summary>
public sealed record JournalVerification(int PersistenceIds, long Rows, IReadOnlyList<JournalAnomaly> Anomalies)
{
    public bool IsClean => Anomalies.Count == 0;
}

/// <summary>
/// Re-applies every stored event with the live actors' own fold and reports, with sequence numbers: gaps and
/// duplicates in the sequence, rows no serializer can read (an unknown event version, a corrupt payload), events the
/// fold refuses (a fill larger than its order, an event for an unknown order), orchestrator transitions the state
/// machine forbids, and snapshots that disagree with the events before them (a row changed after the snapshot was taken).
/// </summary>
public static class JournalVerifier
{
    public static async Task<JournalVerification> VerifyAsync(JournalReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var anomalies = new List<JournalAnomaly>();
        long rows = 0;
        var ids = await reader.PersistenceIdsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var id in ids)
        {
            var stored = await reader.RawRowsAsync(id, cancellationToken).ConfigureAwait(false);
            rows += stored.Count;
            var snapshot = await reader.LatestSnapshotAsync(id).ConfigureAwait(false);
            anomalies.AddRange(VerifyOne(reader, id, stored, snapshot));
        }

        return new JournalVerification(ids.Count, rows, anomalies);
    }

    private static List<JournalAnomaly> VerifyOne(JournalReader reader, string id, IReadOnlyList<RawJournalRow> rows, SelectedSnapshot? snapshot)
    {
        var anomalies = new List<JournalAnomaly>();
        void Report(long sequenceNr, string problem) => anomalies.Add(new JournalAnomaly(id, sequenceNr, problem));

        var execution = id.StartsWith("execution-", StringComparison.Ordinal);
        var symbol = execution ? id["execution-".Length..] : null;
        var snapshotState = (snapshot?.Snapshot as ExecutionSnapshot)?.State;
        var contract = symbol is null ? null : KnownContracts.Find(symbol) ?? snapshotState?.Contract;
        if (execution && contract is null)
        {
            Report(0, $"no contract is known for {symbol}: its events cannot be re-applied");
        }

        var state = contract is null ? null : ExecutionState.Start(contract, 0);
        long previous = 0;
        foreach (var row in rows)
        {
            var sequenceNr = row.SequenceNumber;
            if (sequenceNr == previous)
            {
                Report(sequenceNr, "duplicate sequence number");
                continue;
            }

            if (sequenceNr > previous + 1)
            {
                Report(previous + 1, sequenceNr == previous + 2
                    ? string.Create(CultureInfo.InvariantCulture, $"sequence number {previous + 1} is missing")
                    : string.Create(CultureInfo.InvariantCulture, $"sequence numbers {previous + 1}..{sequenceNr - 1} are missing"));
            }

            previous = sequenceNr;
            var (stored, problem) = reader.Deserialize(row);
            if (problem is not null)
            {
                Report(sequenceNr, $"cannot be read ({row.Manifest}): {problem}");
                state = null; // nothing after an unreadable event can be trusted to fold
                continue;
            }

            switch (stored)
            {
                case ExecutionEvent e when state is not null:
                    try
                    {
                        state = ExecutionLedger.Apply(state, e);
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
                    {
                        Report(sequenceNr, $"{row.Manifest} cannot be applied: {ex.Message}");
                        state = null;
                    }

                    break;
                case ExecutionEvent when execution:
                    break;
                case SystemStateChanged changed:
                    var check = SystemStateMachine.Check(changed.From, changed.To, manual: true);
                    if (!check.Allowed)
                    {
                        Report(sequenceNr, check.Refusal!);
                    }

                    break;
                default:
                    Report(sequenceNr, $"a {stored?.GetType().Name} does not belong in {id}");
                    break;
            }

            if (snapshot is not null && snapshotState is not null && state is not null && sequenceNr == snapshot.Metadata.SequenceNr)
            {
                foreach (var difference in Differences(snapshotState, state))
                {
                    Report(sequenceNr, "the snapshot disagrees with the events: " + difference);
                }
            }
        }

        if (snapshot is not null && snapshot.Metadata.SequenceNr > previous)
        {
            Report(snapshot.Metadata.SequenceNr, string.Create(CultureInfo.InvariantCulture, $"the snapshot is at {snapshot.Metadata.SequenceNr}, after the last event ({previous})"));
        }

        return anomalies;
    }

    private static IEnumerable<string> Differences(ExecutionState snapshot, ExecutionState replayed)
    {
        if (snapshot.Position != replayed.Position)
        {
            yield return $"position {snapshot.Position} in the snapshot, {replayed.Position} from the events";
        }

        if (snapshot.Cash != replayed.Cash)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"cash {snapshot.Cash} in the snapshot, {replayed.Cash} from the events");
        }

        foreach (var (id, order) in snapshot.Orders)
        {
            if (!replayed.Orders.TryGetValue(id, out var other))
            {
                yield return $"order {id} is in the snapshot only";
            }
            else if (other.Status != order.Status || other.FilledLots != order.FilledLots || other.Lots != order.Lots)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"order {id}: {order.Status} {order.FilledLots}/{order.Lots} in the snapshot, {other.Status} {other.FilledLots}/{other.Lots} from the events");
            }
        }

        foreach (var id in replayed.Orders.Keys.Where(k => !snapshot.Orders.ContainsKey(k)))
        {
            yield return $"order {id} is in the events only";
        }
    }
}

using Enigma.Cluster.Host.Commands;
using Enigma.Tests.Support;
using Microsoft.Data.Sqlite;

namespace Enigma.Tests.Journal;

/// <summary>
/// A regression journal, LEAN style: <c>Fixtures/journals/paper-v1.db</c> is the journal of a real 90-second paper run
/// (three symbols at 600x), written by the code of issue 7 with version-1 events. Every later version of the code
/// must replay it to the same timeline and positions, step by step, and verify it clean: an event format may gain
/// versions, but the journals already on disk must keep their meaning. To change the expected text on purpose, say
/// why in the commit.
/// </summary>
public sealed class GoldenJournalSpecs : IDisposable
{
    private readonly TemporaryFolder _folder = TestFiles.TemporaryFolder();
    private readonly string _journal;

    public GoldenJournalSpecs()
    {
        // A copy: opening an SQLite journal in WAL mode writes beside it, and the fixture stays as committed.
        _journal = _folder.File("paper-v1.db");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journals", "paper-v1.db"), _journal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }

    [Theory]
    [InlineData("XBTUSDTM")]
    [InlineData("ETHUSDTM")]
    public void A_journal_written_by_version_1_must_replay_to_the_same_timeline_and_positions(string symbol)
    {
        var expected = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "journals", $"paper-v1.{symbol}.replay.txt"));
        var (code, stdout, stderr) = Cli.Run("journal", "replay", "--journal", _journal, "--symbol", symbol, "--steps");
        Assert.True(code == ExitCodes.Success, stderr);
        Assert.Equal(expected.ReplaceLineEndings("\n"), stdout.ReplaceLineEndings("\n"));
    }

    [Fact]
    public void A_journal_written_by_version_1_must_verify_clean()
    {
        var (code, stdout, stderr) = Cli.Run("journal", "verify", "--journal", _journal);
        Assert.True(code == ExitCodes.Success, stdout + stderr);
        Assert.EndsWith("3 persistence ids, 51 rows, no anomaly", stdout.TrimEnd(), StringComparison.Ordinal);
    }
}

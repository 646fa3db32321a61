using System.Reflection;
using Akka.Configuration;
using Enigma.Actors.Execution;
using Microsoft.Data.Sqlite;

namespace Enigma.Actors.Hosting;

/// <summary>The HOCON shipped in <c>hocon/</c> (embedded in this assembly), and the journal settings made at start.</summary>
public static class EnigmaConfig
{
    public const string SqliteProvider = "SQLite.MS";
    public const string PostgresProvider = "PostgreSQL.15";

    /// <summary>A file of <c>hocon/</c>, as shipped.</summary>
    public static Config Shipped(string file)
    {
        var assembly = typeof(EnigmaConfig).Assembly;
        var name = assembly.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith("." + file, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"hocon/{file} is not embedded in {assembly.GetName().Name}.");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }

    /// <summary>The journal, snapshot store and query journal on one database.</summary>
    public static Config Journal(string connectionString, string provider)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var quoted = Quote(connectionString);
        var providerQuoted = Quote(provider);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.snapshot-store.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            akka.persistence.query.journal.sql { connection-string = {{quoted}}, provider-name = {{providerQuoted}} }
            """).WithFallback(Shipped("persistence.conf"));
    }

    /// <summary>
    /// An SQLite journal in <paramref name="path"/>, switched to WAL once (it stays in the file): about two to three
    /// times the write rate of the default rollback journal (study, section 5).
    /// </summary>
    public static Config SqliteJournal(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = full }.ToString();
        using (var connection = new SqliteConnection(connectionString))
        {
            connection.Open();
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        return Journal(connectionString, SqliteProvider);
    }

    public static ExecutionSettings ExecutionSettings(Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var section = config.GetConfig("enigma.execution");
        var snapshotEvery = section.GetInt("snapshot-every", 100);
        if (snapshotEvery < 1)
        {
            throw new ConfigurationException($"enigma.execution.snapshot-every must be at least 1, got {snapshotEvery}.");
        }

        return new ExecutionSettings
        {
            SnapshotEvery = snapshotEvery,
            PollInterval = section.GetTimeSpan("poll-interval", TimeSpan.FromSeconds(1)),
            ReconcileRetry = section.GetTimeSpan("reconcile-retry", TimeSpan.FromSeconds(2)),
            MaxSlippage = MaxSlippage(section),
            EntryTimeout = EntryTimeout(section),
        };
    }

    private static TimeSpan EntryTimeout(Config section)
    {
        TimeSpan value;
        try
        {
            value = section.GetTimeSpan("entry-timeout", TimeSpan.FromMinutes(15), allowInfinite: false);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException or OverflowException)
        {
            throw new ConfigurationException($"enigma.execution.entry-timeout = '{section.GetString("entry-timeout", "")}' is not a duration (use 15m).", e);
        }

        return value >= TimeSpan.FromMinutes(1) && value <= TimeSpan.FromDays(7)
            ? value
            : throw new ConfigurationException($"enigma.execution.entry-timeout = {value} is out of range [1 minute, 7 days].");
    }

    private static decimal MaxSlippage(Config section)
    {
        var text = section.GetString("max-slippage", "0.005");
        return decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value is > 0 and < 1
            ? value
            : throw new ConfigurationException($"enigma.execution.max-slippage = '{text}' must be a fraction in (0, 1), such as 0.005 for 0.5%.");
    }

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

}

using Akka.Configuration;
using Enigma.Actors.Hosting;
using Microsoft.Data.Sqlite;

namespace Enigma.Actors.JournalTools;

/// <summary>
/// Which journal the offline tools read: an SQLite file (the single-node default), or a connection string with its
/// provider (PostgreSQL, SQL Server). The tools never create tables: a wrong address is an error, not a new journal.
/// </summary>
public sealed record JournalSource(string ConnectionString, string Provider)
{
    public const string SqlServerProvider = "SqlServer.2022";

    /// <summary>
    /// <paramref name="journal"/> is a path to an SQLite file, or a connection string; <paramref name="provider"/>
    /// (sqlite, postgresql, sqlserver, or a Linq2Db provider name) is guessed from the connection string when omitted.
    /// </summary>
    /// <param name="mustExist">The offline tools read a journal that is there; a node creates its SQLite file.</param>
    public static JournalSource Parse(string journal, string? provider = null, bool mustExist = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(journal);
        var looksLikeConnectionString = journal.Contains('=', StringComparison.Ordinal);
        var name = (provider ?? "").Trim().ToLowerInvariant() switch
        {
            "" => Guess(journal, looksLikeConnectionString),
            "sqlite" => EnigmaConfig.SqliteProvider,
            "postgresql" or "postgres" => EnigmaConfig.PostgresProvider,
            "sqlserver" => SqlServerProvider,
            _ => provider!.Trim(),
        };
        if (name == EnigmaConfig.SqliteProvider && !looksLikeConnectionString)
        {
            var path = Path.GetFullPath(journal);
            if (mustExist && !File.Exists(path))
            {
                throw new FileNotFoundException($"No SQLite journal at {path}.", path);
            }

            return new JournalSource(new SqliteConnectionStringBuilder { DataSource = path }.ToString(), name);
        }

        return new JournalSource(journal, name);
    }

    /// <summary>The journal, snapshot store and query journal on this database, with table creation off.</summary>
    public Config ToConfig() => ConfigurationFactory.ParseString("""
        akka.persistence.journal.sql.auto-initialize = off
        akka.persistence.snapshot-store.sql.auto-initialize = off
        akka.loglevel = WARNING
        akka.stdout-loglevel = WARNING
        """).WithFallback(EnigmaConfig.Journal(ConnectionString, Provider));

    /// <summary>
    /// The journal a node writes: tables created when missing (<see cref="JournalSchema"/> does it once before the
    /// node joins), and an SQLite file switched to WAL.
    /// </summary>
    public Config ToNodeConfig() => Provider == EnigmaConfig.SqliteProvider
        ? EnigmaConfig.SqliteJournal(new SqliteConnectionStringBuilder(ConnectionString).DataSource)
        : EnigmaConfig.Journal(ConnectionString, Provider);

    /// <summary>The address without a password, for messages.</summary>
    public string Describe()
    {
        var parts = ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !p.TrimStart().StartsWith("password", StringComparison.OrdinalIgnoreCase) && !p.TrimStart().StartsWith("pwd", StringComparison.OrdinalIgnoreCase));
        return $"{string.Join(';', parts)} ({Provider})";
    }

    private static string Guess(string journal, bool looksLikeConnectionString)
    {
        if (!looksLikeConnectionString)
        {
            return EnigmaConfig.SqliteProvider;
        }

        if (journal.Contains("Host=", StringComparison.OrdinalIgnoreCase))
        {
            return EnigmaConfig.PostgresProvider;
        }

        if (journal.Contains("Server=", StringComparison.OrdinalIgnoreCase) || journal.Contains("Initial Catalog=", StringComparison.OrdinalIgnoreCase))
        {
            return SqlServerProvider;
        }

        return EnigmaConfig.SqliteProvider;
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Enigma.Domain.Exchange;

namespace Enigma.Exchange.Simulator;

/// <summary>
/// Something a client did that changes the venue. The replayed market is a pure function of the data, the seed and
/// the market time, so these (with the market time each happened at) are all the venue needs to rebuild its accounts,
/// orders and positions exactly.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(OpenAccountInput), "open-account")]
[JsonDerivedType(typeof(PlaceOrderInput), "place")]
[JsonDerivedType(typeof(CancelOrderInput), "cancel")]
[JsonDerivedType(typeof(CancelByClientOidInput), "cancel-client-oid")]
[JsonDerivedType(typeof(CancelAllInput), "cancel-all")]
internal abstract record VenueInput
{
    public abstract object Apply(SimulatedExchange exchange, long nowMs);
}

/// <summary>Only the key and the starting balance: the secret and passphrase never reach the disk.</summary>
internal sealed record OpenAccountInput(string ApiKey, decimal Balance) : VenueInput
{
    public override object Apply(SimulatedExchange exchange, long nowMs)
    {
        exchange.OpenAccount(ApiKey, Balance);
        return true;
    }
}

internal sealed record PlaceOrderInput(OrderRequest Request) : VenueInput
{
    public override object Apply(SimulatedExchange exchange, long nowMs) => exchange.Place(Request, nowMs);
}

internal sealed record CancelOrderInput(string AccountId, string OrderId) : VenueInput
{
    public override object Apply(SimulatedExchange exchange, long nowMs) => exchange.Cancel(AccountId, OrderId, nowMs);
}

internal sealed record CancelByClientOidInput(string AccountId, string Symbol, string ClientOid) : VenueInput
{
    public override object Apply(SimulatedExchange exchange, long nowMs) => exchange.CancelByClientOid(AccountId, Symbol, ClientOid, nowMs);
}

internal sealed record CancelAllInput(string AccountId, string? Symbol, bool Stops) : VenueInput
{
    public override object Apply(SimulatedExchange exchange, long nowMs) => exchange.CancelAll(AccountId, Symbol, Stops, nowMs);
}

/// <summary>
/// What a venue log was made from. A log only replays onto the same data, symbols, seed and path resolution: anything
/// else would rebuild a different market under the same orders.
/// </summary>
internal sealed record VenueLogHeader(int Version, long StartMs, long ShiftMs, int Seed, int PointsPerCandle, string[] Symbols, long DataStartMs);

/// <summary>A line of the log after the header: an input at market time <see cref="T"/>, or (no input) the market reached <see cref="T"/>.</summary>
internal sealed record VenueLogEntry(long T, VenueInput? Input);

/// <summary>
/// The simulator's write-ahead log (<c>venue-log.jsonl</c> in its state folder): a header, then every input before
/// it is applied and market-time marks, one JSON object per line. Each line is flushed to the operating system before
/// the venue acts on it, so a killed process loses nothing a client was told; a cut power supply may lose the last
/// lines (the journal's SQLite runs with synchronous=NORMAL and makes the same trade).
/// </summary>
internal sealed class VenueLog : IDisposable
{
    public const string FileName = "venue-log.jsonl";
    public const int CurrentVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly FileStream _file;

    private VenueLog(FileStream file) => _file = file;

    public long LastMarkMs { get; private set; } = long.MinValue;

    /// <summary>Reads an existing log: its header and entries, or null when there is none yet.</summary>
    public static (VenueLogHeader Header, List<VenueLogEntry> Entries)? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path, Encoding.UTF8);
        var cutShort = text.Length > 0 && !text.EndsWith('\n');
        var lines = text.Split('\n');
        if (lines.Length == 0 || string.IsNullOrWhiteSpace(lines[0]))
        {
            return null;
        }

        VenueLogHeader header;
        try
        {
            header = JsonSerializer.Deserialize<VenueLogHeader>(lines[0], Json) ?? throw new JsonException("null header");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} line 1 is not a venue log header: {e.Message}", e);
        }

        if (header.Version != CurrentVersion)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} is a version {header.Version} venue log; this simulator reads version {CurrentVersion}."));
        }

        var entries = new List<VenueLogEntry>(lines.Length);
        for (var i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                entries.Add(JsonSerializer.Deserialize<VenueLogEntry>(lines[i], Json) ?? throw new JsonException("null entry"));
            }
            catch (JsonException e) when (i == lines.Length - 1 && cutShort)
            {
                // A line cut short by a killed process was never acted on (inputs are applied after their line is
                // written), so leaving it out loses nothing; the file is repaired when the log is opened for writing.
                _ = e;
            }
            catch (JsonException e)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path} line {i + 1} is not a venue log entry ({e.Message}); the log cannot be replayed past it."), e);
            }
        }

        return (header, entries);
    }

    /// <summary>Opens the log for appending, writing <paramref name="header"/> when it is new and dropping a cut-off last line.</summary>
    public static VenueLog Open(string directory, VenueLogHeader header)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        try
        {
            TrimToLastCompleteLine(file);
            var log = new VenueLog(file);
            if (file.Length == 0)
            {
                log.WriteLine(JsonSerializer.Serialize(header, Json));
            }

            return log;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Append(long marketTimeMs, VenueInput input)
    {
        WriteLine(JsonSerializer.Serialize(new VenueLogEntry(marketTimeMs, input), Json));
        LastMarkMs = marketTimeMs;
    }

    /// <summary>Records that the market reached <paramref name="marketTimeMs"/>, so that a restart resumes there.</summary>
    public void Mark(long marketTimeMs)
    {
        if (marketTimeMs > LastMarkMs)
        {
            WriteLine(JsonSerializer.Serialize(new VenueLogEntry(marketTimeMs, null), Json));
            LastMarkMs = marketTimeMs;
        }
    }

    public void Dispose() => _file.Dispose();

    private static void TrimToLastCompleteLine(FileStream file)
    {
        if (file.Length == 0)
        {
            return;
        }

        var end = file.Length;
        var buffer = new byte[1];
        while (end > 0)
        {
            file.Position = end - 1;
            file.ReadExactly(buffer);
            if (buffer[0] == (byte)'\n')
            {
                break;
            }

            end--;
        }

        file.SetLength(end);
        file.Position = end;
    }

    private void WriteLine(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json + "\n");
        _file.Write(bytes);
        _file.Flush();
    }
}

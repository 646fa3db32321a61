using System.Globalization;
using Enigma.Domain.Market;

namespace Enigma.Exchange.Simulator;

/// <summary>One paper account: the API key a client signs with, and its starting USDT balance.</summary>
public sealed record SimulatorAccount(string ApiKey, string ApiSecret, string ApiPassphrase, decimal Balance = 10_000m)
{
    /// <summary>Permissions reported by GET /api/v1/user/api-key; a paper key never carries Transfer.</summary>
    public string Permissions { get; init; } = "General,Futures";

    public override string ToString() => $"paper account {ApiKey} (secret and passphrase hidden)";
}

/// <summary>Fault injection, switchable while the simulator runs. Shares are fractions of requests or messages, 0 to 1.</summary>
public sealed record FaultSettings
{
    /// <summary>Seeds every random choice below, so a run can be reproduced.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Share of REST requests answered with HTTP 429 and code 429000.</summary>
    public double RateLimitShare { get; init; }

    /// <summary>What an injected 429 says about the pool's reset (gw-ratelimit-reset), in ms.</summary>
    public int RateLimitResetMs { get; init; } = 1000;

    /// <summary>Share of REST requests answered with HTTP 500 and code 500000.</summary>
    public double ServerErrorShare { get; init; }

    /// <summary>
    /// Share of REST requests that are carried out (an order placed, a cancel done) and then never answered: the
    /// connection is cut before the reply, so the client cannot know the outcome.
    /// </summary>
    public double LostReplyShare { get; init; }

    /// <summary>Added to every REST reply.</summary>
    public int LatencyMs { get; init; }

    /// <summary>Share of level2 increments left out of a connection's stream (a sequence gap the client must notice).</summary>
    public double SkipLevel2Share { get; init; }

    /// <summary>Share of pushed WebSocket messages replaced by a frame that is not JSON.</summary>
    public double MalformedFrameShare { get; init; }

    /// <summary>
    /// The WebSocket endpoint answers HTTP 503 instead of upgrading (a stream outage: with <c>/admin/websockets/drop</c>
    /// every client stays disconnected until this is switched off again).
    /// </summary>
    public bool RefuseWebSockets { get; init; }

    public static FaultSettings None { get; } = new();

    public void Validate()
    {
        static void Share(double value, string name)
        {
            if (value is < 0 or > 1 || double.IsNaN(value))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Fault setting {name} must lie in [0, 1], got {value}."));
            }
        }

        Share(RateLimitShare, "rateLimitShare");
        Share(ServerErrorShare, "serverErrorShare");
        Share(LostReplyShare, "lostReplyShare");
        Share(SkipLevel2Share, "skipLevel2Share");
        Share(MalformedFrameShare, "malformedFrameShare");
        if (RateLimitResetMs is < 0 or > 30_000)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Fault setting rateLimitResetMs must lie in [0, 30000], got {RateLimitResetMs}."));
        }

        if (LatencyMs is < 0 or > 60_000)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Fault setting latencyMs must lie in [0, 60000], got {LatencyMs}."));
        }
    }
}

/// <summary>Everything the simulator needs to start.</summary>
public sealed record SimulatorOptions
{
    /// <summary>The paper account that <c>enigma simulator</c> opens when no credentials are given (documented in the README).</summary>
    public static SimulatorAccount DefaultAccount { get; } = new("enigma-paper-key", "enigma-paper-secret", "enigma-paper-passphrase");

    /// <summary>0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>Loopback unless told otherwise: the simulator is a test venue, not a service.</summary>
    public string BindAddress { get; init; } = "127.0.0.1";

    /// <summary>A folder with candle files named like BTCUSDT-5m.csv.gz (the knowledge bank's bybit-linear folder).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>KuCoin symbols to replay (XBTUSDTM, ETHUSDTM, ...); empty means every contract with data.</summary>
    public IReadOnlyList<string> Symbols { get; init; } = [];

    /// <summary>Contract terms by KuCoin symbol; the data file of XBTUSDTM is BTCUSDT-*.csv[.gz] (load tests add their own).</summary>
    public IReadOnlyList<ContractSpec> Contracts { get; init; } = KnownContracts.All;

    /// <summary>Replay speed: 1 = real time, N = N times faster, 0 = stepped (time moves only when a test steps it).</summary>
    public double Speed { get; init; } = 1;

    /// <summary>Days of history before the replay starts, served by the kline endpoint for warm-up.</summary>
    public int HistoryDays { get; init; } = 10;

    /// <summary>
    /// Moves the replay's times by a whole number of candles so that it starts now: clients that ask for "the last
    /// 200 candles up to now" (ccxt does) find them, and at speed 1 market time is wall time. Off keeps the data's own
    /// times, for runs that must report the same timestamps every time.
    /// </summary>
    public bool AlignToWallClock { get; init; } = true;

    /// <summary>Points of the intra-candle path per candle.</summary>
    public int PointsPerCandle { get; init; } = 20;

    public int Seed { get; init; } = 1;

    public IReadOnlyList<SimulatorAccount> Accounts { get; init; } = [DefaultAccount];

    /// <summary>Quota per 30-second window of each rate-limit pool (KuCoin VIP0: 2000); tests shrink it.</summary>
    public int RateLimitQuota { get; init; } = 2000;

    /// <summary>How often the WebSocket client should ping, as the bullet response says.</summary>
    public int PingIntervalMs { get; init; } = 18_000;

    public int PingTimeoutMs { get; init; } = 10_000;

    public FaultSettings Faults { get; init; } = FaultSettings.None;

    /// <summary>
    /// Where the simulator keeps its venue log, so that accounts, orders and positions survive a restart (or a
    /// killed process) and the market resumes where it stopped; null keeps everything in memory.
    /// </summary>
    public string? StateDirectory { get; init; }

    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--port {Port} is not a TCP port (0 to 65535)."));
        }

        if (!Directory.Exists(DataDirectory))
        {
            throw new ArgumentException($"--data '{DataDirectory}' is not a folder.");
        }

        if (Speed < 0 || double.IsNaN(Speed) || double.IsInfinity(Speed))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"--speed {Speed} must be 0 (stepped) or positive."));
        }

        if (PointsPerCandle is < 4 or > 1000)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Points per candle {PointsPerCandle} must lie in [4, 1000]."));
        }

        if (Accounts.Count == 0 || Accounts.Select(a => a.ApiKey).Distinct(StringComparer.Ordinal).Count() != Accounts.Count)
        {
            throw new ArgumentException("The simulator needs at least one account, and API keys must differ.");
        }

        if (Accounts.Any(a => string.IsNullOrWhiteSpace(a.ApiKey) || string.IsNullOrEmpty(a.ApiSecret) || string.IsNullOrEmpty(a.ApiPassphrase)))
        {
            throw new ArgumentException("Every simulator account needs an API key, secret and passphrase.");
        }

        Faults.Validate();
    }
}

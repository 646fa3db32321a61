using System.Globalization;
using System.Net.Http.Json;
using Akka.Actor;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Enigma.Actors.Messaging;
using Enigma.Actors.Orchestration;
using Enigma.Domain.Orchestration;

namespace Enigma.Actors.Notifications;

/// <summary>
/// Where an emergency stop is announced (the seed's action 5): a webhook that receives a JSON POST, and Telegram
/// when a bot token and a chat id are both given. The token is a secret: it is never logged, and neither is the
/// webhook's path or query (webhooks often carry their secret there), only its host.
/// </summary>
public sealed record NotificationSettings
{
    public Uri? WebhookUrl { get; init; }

    public string? TelegramBotToken { get; init; }

    public string? TelegramChatId { get; init; }

    /// <summary>Telegram's Bot API; a test points it at a loopback server.</summary>
    public Uri TelegramApiBase { get; init; } = new("https://api.telegram.org/");

    /// <summary>Names this node in the messages.</summary>
    public string Node { get; init; } = "enigma";

    public bool TelegramConfigured => !string.IsNullOrWhiteSpace(TelegramBotToken) && !string.IsNullOrWhiteSpace(TelegramChatId);

    public override string ToString() =>
        $"webhook {(WebhookUrl is null ? "off" : WebhookUrl.Host)}, telegram {(TelegramConfigured ? "on (token hidden)" : "off")}";
}

/// <summary>What a webhook receives: the event, its trigger, what it says, the state it left, when, and which node.</summary>
public sealed record EmergencyNotification(string Event, string Trigger, string Detail, string From, long AtMs, string Node);

/// <summary>Sends <c>emergency.stop</c> to the configured webhook and Telegram chat; a failed send is logged and does not retry.</summary>
public sealed class Notifier : ReceiveActor
{
    private readonly NotificationSettings _settings;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public Notifier(NotificationSettings settings, HttpClient http, IActorRef bus, TimeProvider time)
    {
        _settings = settings;
        _http = http;
        _time = time;
        bus.Tell(new Subscribe(Topics.EmergencyStop, Self));
        Receive<SubscribeAck>(_ => { });
        Receive<AgentEnvelope<EmergencyStopped>>(e => Notify(e.Payload));
        Receive<Sent>(sent =>
        {
            if (sent.Failure is null)
            {
                _log.Info("Emergency stop notified through {0}", sent.Channel);
            }
            else
            {
                _log.Error("Could not notify the emergency stop through {0}: {1}", sent.Channel, sent.Failure);
            }
        });
        Receive<HealthCheck>(check => Sender.Tell(new HealthReport("notifier", check.SentAtMs)));
    }

    public static Props Props(NotificationSettings settings, HttpClient http, IActorRef bus, TimeProvider? time = null) =>
        Akka.Actor.Props.Create(() => new Notifier(settings, http, bus, time ?? TimeProvider.System));

    private void Notify(EmergencyStopped stopped)
    {
        var notification = new EmergencyNotification(Topics.EmergencyStop, stopped.Trigger.ToString(), stopped.Detail, TransitionResult.Name(stopped.From), _time.GetUtcNow().ToUnixTimeMilliseconds(), _settings.Node);
        if (_settings.WebhookUrl is { } webhook)
        {
            var channel = "webhook " + webhook.Host;
            Send(channel, () => _http.PostAsJsonAsync(webhook, notification));
        }

        if (_settings.TelegramConfigured)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"Enigma {notification.Node}: EMERGENCY_STOP ({notification.Trigger}) from {notification.From}: {notification.Detail}");
            // Built as text: a token holds a colon, and "bot123:abc/..." as a relative URI would read as a scheme.
            var url = new Uri(_settings.TelegramApiBase.AbsoluteUri.TrimEnd('/') + "/bot" + _settings.TelegramBotToken + "/sendMessage");
            Send("telegram", () => _http.PostAsJsonAsync(url, new { chat_id = _settings.TelegramChatId, text }));
        }
    }

    private void Send(string channel, Func<Task<HttpResponseMessage>> post)
    {
        SendAsync(post).PipeTo(Self, success: failure => new Sent(channel, failure), failure: e => new Sent(channel, e.GetBaseException().GetType().Name + ": " + Scrub(e.GetBaseException().Message)));
    }

    private static async Task<string?> SendAsync(Func<Task<HttpResponseMessage>> post)
    {
        using var response = await post().ConfigureAwait(false);
        return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
    }

    /// <summary>An HTTP error message may quote the URL, and Telegram's holds the token.</summary>
    private string Scrub(string message) =>
        string.IsNullOrEmpty(_settings.TelegramBotToken) ? message : message.Replace(_settings.TelegramBotToken, "***", StringComparison.Ordinal);

    private sealed record Sent(string Channel, string? Failure);
}

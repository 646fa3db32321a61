using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Enigma.Cluster.Host.Admin;

/// <summary>What went wrong talking to a node's admin API, with the exit code the CLI reports it with.</summary>
public sealed class AdminCallException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The CLI's side of a node's admin API (<c>--node host:port</c>).</summary>
public sealed class AdminClient(HttpClient http, Uri node, string? token)
{
    /// <summary>The node did not answer, or answered that the cluster did not (503).</summary>
    public const int NodeUnavailable = 5;

    /// <summary>The node refused the command: no token, a wrong one, or the state machine said no.</summary>
    public const int Refused = 6;

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    /// <summary><c>host:port</c>, or an http address.</summary>
    public static Uri ParseNode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var candidate = text.Contains("://", StringComparison.Ordinal) ? text : "http://" + text;
        return Uri.TryCreate(candidate, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && !string.IsNullOrEmpty(uri.Host)
            ? new Uri(uri.GetLeftPart(UriPartial.Authority) + "/")
            : throw new ArgumentException($"--node '{text}' is not a node's admin address: write HOST:PORT (127.0.0.1:9110).");
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(node, path)), cancellationToken);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(node, path)) { Content = JsonContent.Create(body, options: Json) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SendAsync(request, cancellationToken);
    }

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, new Uri(node, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return SendAsync(request, cancellationToken);
    }

    private async Task<JsonElement> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new AdminCallException(NodeUnavailable, $"no admin API answers at {node} ({e.Message}); is the node running, and is --node its admin address?", e);
            }
            catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new AdminCallException(NodeUnavailable, $"the node at {node} did not answer within {http.Timeout.TotalSeconds:0} s", e);
            }

            using (response)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                JsonElement body;
                try
                {
                    body = JsonDocument.Parse(text.Length == 0 ? "{}" : text).RootElement.Clone();
                }
                catch (JsonException e)
                {
                    throw new AdminCallException(NodeUnavailable, $"{node} answered {(int)response.StatusCode} with something that is not JSON; is --node an Enigma admin address?", e);
                }

                if (response.IsSuccessStatusCode)
                {
                    return body;
                }

                var message = body.ValueKind == JsonValueKind.Object && (body.TryGetProperty("error", out var error) || body.TryGetProperty("message", out error))
                    ? error.GetString() ?? text
                    : text;
                throw new AdminCallException(
                    response.StatusCode switch
                    {
                        HttpStatusCode.BadRequest or HttpStatusCode.NotFound => Commands.ExitCodes.BadInput,
                        HttpStatusCode.ServiceUnavailable => NodeUnavailable,
                        _ => Refused,
                    },
                    $"{node}: {(int)response.StatusCode} {message}");
            }
        }
    }
}

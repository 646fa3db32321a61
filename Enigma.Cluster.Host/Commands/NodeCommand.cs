using System.CommandLine;
using Enigma.Actors.Hosting;
using Enigma.Domain.Market;
using Enigma.Exchange.KuCoin.Adapters;
using Enigma.Exchange.KuCoin.Auth;

namespace Enigma.Cluster.Host.Commands;

/// <summary>
/// <c>enigma node --roles ROLES --port PORT --seeds ADDRESSES --journal CONNECTION [--admin-port PORT] [--exchange URL]</c>:
/// one node of a multi-node cluster on a shared journal (<c>hocon/node.conf</c>; ENIGMA_NODE_&lt;KEY&gt;; the command
/// line wins). It runs the agents of its roles, serves the admin API, and stops on SIGTERM or Ctrl+C by leaving the
/// cluster (its shards are handed over first), or when it is told to leave (<c>enigma cluster leave</c>).
/// </summary>
public static class NodeCommand
{
    public static Command Build()
    {
        var config = NodeModes.ConfigOption();
        var set = NodeModes.SetOption();
        var secretsFile = new Option<FileInfo?>("--secrets-file") { Description = $"NAME=value lines with {KuCoinCredentials.KeyVariable}, {KuCoinCredentials.SecretVariable} and {KuCoinCredentials.PassphraseVariable} (default: the environment)." };
        var resume = new Option<bool>("--resume") { Description = "On an orchestrator node: resume by hand after an emergency stop (read the post-mortem first)." };
        Option<string>[] keyed =
        [
            NodeModes.NodeKey("--roles", "The agents this node carries: orchestrator, data, signal, risk, execution, audit, optimizer (comma-separated), or all."),
            NodeModes.NodeKey("--hostname", "The address to bind remoting to (127.0.0.1; 0.0.0.0 in a container)."),
            NodeModes.NodeKey("--public-hostname", "The name other nodes reach this one by (a container name)."),
            NodeModes.NodeKey("--port", "The remoting port (0 picks a free one)."),
            NodeModes.NodeKey("--seeds", "Seed nodes, comma-separated: akka.tcp://enigma@HOST:PORT. None: this node founds the cluster."),
            NodeModes.NodeKey("--min-members", "Members that must have joined before the cluster's first nodes come Up."),
            NodeModes.NodeKey("--journal", "The shared journal: a PostgreSQL or SQL Server connection string, or an SQLite file (one node only)."),
            NodeModes.NodeKey("--journal-provider", "sqlite, postgresql or sqlserver (default: guessed from --journal)."),
            NodeModes.NodeKey("--exchange", "A KuCoin-compatible address (a running enigma simulator); default KuCoin Futures."),
            NodeModes.NodeKey("--symbols", "The contracts the cluster trades, comma-separated (every node must be given the same)."),
            NodeModes.NodeKey("--data-dir", "Where this node's logs, audit trail and admin token go."),
            NodeModes.NodeKey("--admin-bind", "The admin API's address (127.0.0.1 keeps it on this machine)."),
            NodeModes.NodeKey("--admin-port", "The admin API's port (0: no admin API)."),
        ];
        var command = new Command("node", "Run one node of a multi-node cluster on a shared journal, with the agents of its roles and an admin API.")
        {
            config, set, secretsFile, resume,
        };
        foreach (var option in keyed)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var terminal = Terminal.For(parseResult);
            EnigmaSettings settings;
            List<ContractSpec> contracts;
            KuCoinCredentials credentials;
            try
            {
                settings = NodeModes.LoadSettings("node", "enigma-node", parseResult.GetValue(config), NodeModes.CommandLine(parseResult, keyed, set), singleProcess: false);
                contracts = NodeModes.Contracts(settings.Node);
                credentials = KuCoinCredentials.Load(Environment.GetEnvironmentVariable, parseResult.GetValue(secretsFile)?.FullName);
            }
            catch (Exception e) when (NodeModes.IsBadInput(e))
            {
                return terminal.Fail(ExitCodes.BadInput, e.Message);
            }

            var options = NodeModes.ClientOptions(settings.Node.Exchange, credentials);
            using var http = new HttpClient();
            var plan = NodeModes.Plan("node", singleProcess: false, settings, contracts, parseResult.GetValue(resume),
                async (report, ct) => await KuCoinConnection.ConnectAsync(http, options, options.FuturesBaseAddress.ToString(), null, null, ct, report).ConfigureAwait(false));
            return await NodeModes.RunAsync(terminal, plan, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }
}

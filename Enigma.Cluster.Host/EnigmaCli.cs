using System.CommandLine;
using Enigma.Cluster.Host.Commands;

namespace Enigma.Cluster.Host;

/// <summary>The <c>enigma</c> command line. Writers are passed in so that tests run it in-process.</summary>
public static class EnigmaCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Enigma: a distributed crypto-futures trading system for KuCoin Futures perpetuals.")
        {
            IndicatorsCommand.Build(),
            SignalsCommand.Build(),
            CandlesCommand.Build(),
            SimulatorCommand.Build(),
            PaperCommand.Build(),
            LiveCommand.Build(),
            JournalCommand.Build(),
            NodeCommand.Build(),
            BacktestCommand.Build(),
            OptimizeCommand.Build(),
        };
        foreach (var inspection in InspectCommands.Build())
        {
            root.Subcommands.Add(inspection);
        }

        return root;
    }

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) };
        // InvokeAsync: it turns Ctrl+C and SIGTERM into the cancellation that long-running verbs (simulator, paper) stop on.
        return Build().Parse(args).InvokeAsync(configuration).GetAwaiter().GetResult();
    }
}

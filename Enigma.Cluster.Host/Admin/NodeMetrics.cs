using Akka.Actor;
using Enigma.Actors.Inspection;
using Prometheus;

namespace Enigma.Cluster.Host.Admin;

/// <summary>
/// The node's Prometheus metrics, read from the cluster when scraped (nothing is counted on the hot path): members
/// by status, unreachable members, the orchestrator's state, and each symbol's position and realised PnL.
/// </summary>
internal static class NodeMetrics
{
    private static readonly string[] Statuses = ["Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed"];
    private static readonly string[] States = ["INITIALIZING", "READY", "TRADING", "PAUSED", "EMERGENCY_STOP", "SHUTDOWN"];

    public static void Register(CollectorRegistry registry, ClusterInspector inspector)
    {
        var factory = Metrics.WithCustomRegistry(registry);
        var members = factory.CreateGauge("enigma_cluster_members", "Cluster members by status, as this node sees them.", "status");
        var unreachable = factory.CreateGauge("enigma_cluster_unreachable_members", "Members this node's failure detector cannot reach.");
        var state = factory.CreateGauge("enigma_system_state", "1 for the orchestrator's current state, 0 for the others.", "state");
        var lots = factory.CreateGauge("enigma_position_lots", "Open position in lots (positive long, negative short).", "symbol");
        var realised = factory.CreateGauge("enigma_realized_pnl_usdt", "Realised PnL of the symbol's Execution entity, in USDT.", "symbol");
        var ready = factory.CreateGauge("enigma_execution_ready", "1 when the symbol's Execution entity is recovered, reconciled and trading.", "symbol");
        var equity = factory.CreateGauge("enigma_portfolio_equity_usdt", "The risk portfolio's equity.");
        var scrapeProblems = factory.CreateGauge("enigma_scrape_problems", "Parts of the cluster that did not answer the last scrape.");

        registry.AddBeforeCollectCallback(async cancellationToken =>
        {
            var cluster = inspector.Cluster();
            foreach (var status in Statuses)
            {
                members.WithLabels(status).Set(cluster.Members.Count(m => m.Status == status));
            }

            unreachable.Set(cluster.Unreachable.Count);
            try
            {
                var view = await inspector.StatusAsync(cancellationToken).ConfigureAwait(false);
                foreach (var name in States)
                {
                    state.WithLabels(name).Set(view.State == name ? 1 : 0);
                }

                foreach (var position in view.Positions)
                {
                    lots.WithLabels(position.Symbol).Set(position.Lots);
                    realised.WithLabels(position.Symbol).Set((double)position.RealizedPnl);
                    ready.WithLabels(position.Symbol).Set(position.Phase == "Ready" ? 1 : 0);
                }

                if (view.Equity is { } e)
                {
                    equity.Set((double)e);
                }

                scrapeProblems.Set(view.Problems.Count);
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                // A scrape while the orchestrator moves: the cluster gauges above still answer.
                scrapeProblems.Set(1);
            }
        });
    }
}

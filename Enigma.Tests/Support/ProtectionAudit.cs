using System.Globalization;
using System.Text.RegularExpressions;
using Enigma.Domain.Exchange;
using Enigma.Domain.Execution;

namespace Enigma.Tests.Support;

/// <summary>What a run did to the protection of its positions, read from the venue's own orders and fills.</summary>
/// <param name="LongestUnprotectedMs">The longest time (the venue's market time) a position had no working stop covering it.</param>
internal sealed record ProtectionFigures(int Entries, int Positions, long LongestUnprotectedMs, string LongestUnprotectedAt, int Orphans, int DuplicateOrders, int StopsPlaced)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"entries {Entries}, positions {Positions}, stops placed {StopsPlaced}, longest unprotected {LongestUnprotectedMs} ms of market time ({LongestUnprotectedAt}), orphans {Orphans}, orders placed twice {DuplicateOrders}");
}

/// <summary>
/// The checker of the chaos runs: from every order and fill the venue holds, each symbol's position over market time,
/// and the stops working at each moment (a reduce-only stop on the closing side, from its creation to its end,
/// covering the position's size). A moment with a position and no such stop is unprotected.
/// </summary>
internal static partial class ProtectionAudit
{
    public static ProtectionFigures Analyse(IReadOnlyList<ExchangeOrder> orders, IReadOnlyList<ExchangeFill> fills, long endMs)
    {
        var longest = 0L;
        var longestAt = "never";
        var orphans = 0;
        var positions = 0;
        foreach (var symbol in orders.Select(o => o.Symbol).Concat(fills.Select(f => f.Symbol)).Distinct(StringComparer.Ordinal))
        {
            var timeline = new List<(long TimeMs, long Lots)>();
            var lots = 0L;
            foreach (var fill in fills.Where(f => f.Symbol == symbol).OrderBy(f => f.TimeMs).ThenBy(f => long.Parse(f.TradeId, CultureInfo.InvariantCulture)))
            {
                var before = lots;
                lots += fill.Side == OrderSide.Buy ? fill.Lots : -fill.Lots;
                positions += before == 0 && lots != 0 ? 1 : 0;
                timeline.Add((fill.TimeMs, lots));
            }

            var stops = orders.Where(o => o.Symbol == symbol && o is { ReduceOnly: true, Stop: not null, StopPrice: not null }
                && (o.Side == OrderSide.Sell ? o.Stop == StopDirection.Down : o.Stop == StopDirection.Up)).ToList();
            var moments = timeline.Select(t => t.TimeMs)
                .Concat(stops.Select(s => s.CreatedAtMs)).Concat(stops.Select(s => s.EndAtMs ?? endMs))
                .Append(endMs).Where(t => t <= endMs).Distinct().Order().ToList();
            long? since = null;
            foreach (var moment in moments)
            {
                var position = timeline.LastOrDefault(t => t.TimeMs <= moment).Lots;
                var closing = position > 0 ? OrderSide.Sell : OrderSide.Buy;
                var covered = position == 0 || stops.Any(s => s.Side == closing && s.CreatedAtMs <= moment && (s.EndAtMs ?? long.MaxValue) > moment && s.Lots >= Math.Abs(position));
                if (!covered)
                {
                    since ??= moment;
                }

                if ((covered || moment == endMs) && since is { } start)
                {
                    if (moment - start > longest)
                    {
                        longest = moment - start;
                        longestAt = $"{symbol} from {DateTimeOffset.FromUnixTimeMilliseconds(start):O}";
                    }

                    since = null;
                }
            }

            if (lots == 0)
            {
                orphans += orders.Count(o => o.Symbol == symbol && o is { IsActive: true, ReduceOnly: true, Stop: not null });
            }
        }

        var mine = orders.Where(o => !o.ClientOid.StartsWith("liquidation-", StringComparison.Ordinal)).ToList();
        return new ProtectionFigures(
            mine.Count(o => EntryId().IsMatch(o.ClientOid)),
            positions,
            longest,
            longestAt,
            orphans,
            mine.GroupBy(o => o.ClientOid, StringComparer.Ordinal).Count(g => g.Count() > 1),
            mine.Count(o => ClientOrderIds.Sequence(o.ClientOid) >= 0 && o.ClientOid.Contains("-S", StringComparison.Ordinal)));
    }

    [GeneratedRegex("-E[0-9]+$")]
    private static partial Regex EntryId();
}

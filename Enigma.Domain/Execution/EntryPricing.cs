using Enigma.Domain.Market;

namespace Enigma.Domain.Execution;

public enum EntryPricingError
{
    None,

    /// <summary>The book has no bid or no ask, so there is no mid to measure against.</summary>
    BookEmpty,

    /// <summary>SLIPPAGE_EXCEEDED: the entry is further from mid than MAX_SLIPPAGE allows.</summary>
    SlippageExceeded,
}

/// <summary>The entry price discovered, the mid it was measured against, and the slippage between them.</summary>
public readonly record struct EntryQuote(decimal Price, decimal Mid, decimal Slippage, int Level, EntryPricingError Error)
{
    public bool IsOk => Error == EntryPricingError.None;
}

/// <summary>
/// The seed's 9th-level entry: a long bids at the 9th bid level, a short offers at the 9th ask level, resting
/// passively for a better fill. When the book is thinner than 9 levels, the deepest level on that side is used (the
/// most passive price the book supports). Aborted with SLIPPAGE_EXCEEDED when |entry − mid| / mid > MAX_SLIPPAGE.
/// </summary>
public static class EntryPricing
{
    public const int Level = 9;

    /// <param name="bids">Best (highest) first.</param>
    /// <param name="asks">Best (lowest) first.</param>
    public static EntryQuote Discover(Side side, ReadOnlySpan<BookLevel> bids, ReadOnlySpan<BookLevel> asks, decimal maxSlippage)
    {
        if (bids.IsEmpty || asks.IsEmpty)
        {
            return new EntryQuote(0, 0, 0, 0, EntryPricingError.BookEmpty);
        }

        var mid = (bids[0].Price + asks[0].Price) / 2;
        var levels = side == Side.Long ? bids : asks;
        var index = Math.Min(Level, levels.Length) - 1;
        var price = levels[index].Price;
        var slippage = Math.Abs(price - mid) / mid;
        return new EntryQuote(price, mid, slippage, index + 1, slippage > maxSlippage ? EntryPricingError.SlippageExceeded : EntryPricingError.None);
    }
}
